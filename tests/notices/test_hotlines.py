"""Every insured region has a number a caller in another city can dial:
area code + 12393 from portal/data/hotlines.csv, marked unconfirmed, unless
staff entered the agency's own published number."""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import InsuranceRegion, User
from portal.reference import HOTLINES_CSV, derived_hotlines

pytestmark = pytest.mark.django_db


def test_every_region_the_data_file_knows_has_an_area_code_number_and_a_source() -> None:
    rows = list(csv.DictReader(HOTLINES_CSV.open(encoding="utf-8")))
    numbered = [r for r in rows if r["hotline"]]
    assert len(numbered) >= 350
    for row in numbered:
        assert row["hotline"] == f"{row['area_code']}-12393"
        assert row["area_code"].startswith("0") and row["source"]
        assert row["status"] == "unconfirmed"
    assert derived_hotlines()["340100"].number == "0551-12393"
    assert derived_hotlines()["310100"].number == "021-12393"


def test_almost_every_pooling_region_shows_a_number() -> None:
    regions = list(InsuranceRegion.objects.select_related("region"))
    without = [r for r in regions if r.phone is None]
    assert len(without) <= 15 and len(regions) > 300


def _agencies(client: Client, q: str) -> str:
    """The table of agencies alone (the fragment htmx asks for)."""
    return client.get(
        reverse("notices:hotlines"), {"q": q}, HTTP_HX_REQUEST="true"
    ).content.decode()


def test_hefei_shows_0551_12393_marked_unconfirmed(client: Client) -> None:
    html = _agencies(client, "合肥")
    assert 'href="tel:0551-12393"' in html and "0551-12393" in html
    assert "未经核实" in html and "暂未公布" not in html


def test_a_number_staff_entered_wins_and_is_not_marked(client: Client) -> None:
    InsuranceRegion.objects.filter(pk="340100").update(hotline="0551-62345678")
    html = _agencies(client, "合肥")
    assert "0551-62345678" in html and "0551-12393" not in html
    assert "未经核实" not in html


def test_staff_see_the_derived_number_in_the_admin(client: Client) -> None:
    admin = User.objects.create_superuser(
        id_number="11010119800101015X", password="x-Secret-99", full_name="管理员"
    )
    client.force_login(admin)
    html = client.get(reverse("admin:portal_insuranceregion_change", args=["340100"])).content
    assert "0551-12393" in html.decode()
