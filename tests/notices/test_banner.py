"""The downtime banner looks the same on every page that shows it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from family.models import Grant, GrantStatus, Scope
from notices.models import AffectedPage, DowntimeNotice
from portal.models import User

pytestmark = pytest.mark.django_db


def _stylesheets(html: str) -> str:
    """The text of every stylesheet the page links to."""
    text = ""
    for href in re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html):
        path = finders.find(href)
        assert path, href
        with open(path, encoding="utf-8") as f:
            text += f.read()
    return text


@pytest.mark.parametrize("url", ["filings:new", "facilities:list"])
def test_every_page_with_the_banner_has_its_style(client: Client, retiree: User, url: str) -> None:
    now = timezone.now()
    DowntimeNotice.objects.create(
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5),
        message="系统升级",
        pages=[AffectedPage.FILING, AffectedPage.LOOKUP],
    )
    client.force_login(retiree)
    html = client.get(reverse(url)).content.decode()
    assert 'class="downtime-banner"' in html
    assert ".downtime-banner {" in _stylesheets(html)


def test_the_banner_follows_the_person_whose_records_are_shown(
    client: Client, retiree: User, relative: User
) -> None:
    """李明 (上海) acting for his mother sees the notice for 合肥, hers."""
    Grant.objects.create(
        grantor=retiree,
        grantor_id_number=retiree.id_number,
        grantor_name=retiree.full_name,
        grantee=relative,
        grantee_id_number=relative.id_number,
        grantee_name=relative.full_name,
        relationship="child",
        scope=Scope.ACT,
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        status=GrantStatus.ACTIVE,
    )
    now = timezone.now()
    DowntimeNotice.objects.create(
        region_id="340100",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5),
        message="合肥医保系统升级",
        pages=[AffectedPage.FILING],
    )
    client.force_login(relative)
    assert "合肥医保系统升级" not in client.get(reverse("filings:new")).content.decode()
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    assert "合肥医保系统升级" in client.get(reverse("filings:new")).content.decode()
