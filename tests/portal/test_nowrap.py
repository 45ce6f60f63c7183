"""Numbers and dates never break inside: dates, references and amounts sit
in an element whose style forbids a line break (at 360 px "2027-06-03"
broke after its second hyphen; in English at 1280 px the reference wrapped)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from filings.rules import Category
from portal.models import User
from tests.claims.factories import make_settlement
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db


def test_the_nowrap_class_forbids_line_breaks() -> None:
    path = finders.find("css/portal.css")
    assert path
    css = open(path, encoding="utf-8").read()  # noqa: SIM115
    rule = re.search(r"\.nowrap \{([^}]*)\}", css)
    assert rule and "white-space: nowrap" in rule.group(1)


def _unbreakable(html: str, text: str) -> bool:
    return bool(re.search(rf'class="[^"]*\bnowrap\b[^"]*">{re.escape(text)}<', html))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_filing_cards_dates_and_reference_do_not_break(
    client: Client, retiree: User, language: str
) -> None:
    filing = make_filing(retiree, category=Category.REFERRAL, start_date=dt.date(2026, 12, 4))
    client.force_login(retiree)
    client.cookies["django_language"] = language
    for url in (reverse("filings:list"), reverse("filings:detail", args=[filing.reference])):
        html = client.get(url).content.decode()
        assert _unbreakable(html, "2026-12-04")
        assert _unbreakable(html, filing.last_day.isoformat())
        assert _unbreakable(html, filing.reference)


def test_a_settlements_amounts_and_dates_do_not_break(client: Client, retiree: User) -> None:
    settlement = make_settlement(retiree, fund="7000.00", discharge_date=dt.date(2026, 3, 2))
    client.force_login(retiree)
    html = client.get(reverse("claims:settlement", args=[settlement.pk])).content.decode()
    assert _unbreakable(html, "2026-03-02")
    assert _unbreakable(html, "7,000.00 元")
