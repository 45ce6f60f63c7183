"""Every page has a <meta name="description"> (search engines show it); the
main public pages have their own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import User

pytestmark = pytest.mark.django_db

OWN = [
    "home",
    "facilities:list",
    "chronic:checker",
    "chronic:notice",
    "notices:hotlines",
    "notices:list",
    "claims:estimate",
    "login",
    "register",
]


def _descriptions(html: str) -> list[str]:
    return re.findall(r'<meta name="description" content="([^"]*)">', html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_main_public_page_has_its_own_description(client: Client, language: str) -> None:
    client.cookies["django_language"] = language
    seen = []
    for name in OWN:
        found = _descriptions(client.get(reverse(name)).content.decode())
        assert len(found) == 1 and len(found[0]) > 20, name
        seen.append(found[0])
    assert len(set(seen)) == len(OWN)


def test_every_other_page_has_the_default(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    for url in (reverse("filings:list"), reverse("claims:list"), reverse("profile"), "/nowhere/"):
        found = _descriptions(client.get(url).content.decode())
        assert len(found) == 1 and "跨省异地就医" in found[0], url
