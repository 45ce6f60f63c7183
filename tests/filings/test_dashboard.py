"""The agency dashboard's counts, against plain counts of the same filings."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings import rules
from filings.dashboard import dashboard_for
from filings.models import Filing, Status
from portal.models import InsuranceRegion, Region, User
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed() -> None:
    """合肥 and 北京 filings of several statuses, categories and destinations,
    one of them submitted yesterday."""
    cases = [
        ("340100", Status.EFFECTIVE, rules.Category.RETIRED_RESETTLEMENT, "310100"),
        ("340100", Status.EFFECTIVE, rules.Category.REFERRAL, "310100"),
        ("340100", Status.EFFECTIVE, rules.Category.LONG_TERM_RESIDENCE, "320100"),
        ("340100", Status.EFFECTIVE, rules.Category.POSTED_WORK, "320500"),
        ("340100", Status.SUBMITTED, rules.Category.REFERRAL, "110100"),
        ("340100", Status.SUBMITTED, rules.Category.RETIRED_RESETTLEMENT, "440300"),
        ("110100", Status.EFFECTIVE, rules.Category.REFERRAL, "310100"),
        ("110100", Status.SUBMITTED, rules.Category.REFERRAL, "340100"),
    ]
    for region, status, category, destination in cases:
        make_filing(
            make_person(insured_region_id=region),
            status=status,
            category=category,
            destination_id=destination,
            decided_at=timezone.now() if status == Status.EFFECTIVE else None,
        )
    Filing.objects.filter(pk=Filing.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        submitted_at=timezone.now() - dt.timedelta(days=1)
    )


def bars(data: list[dict[str, object]]) -> dict[object, object]:
    return {bar["label"]: bar["count"] for bar in data if bar["count"]}


def expected(filings: list[Filing]) -> dict[str, object]:
    provinces = dict(Region.objects.provinces().values_list("code", "name"))
    parent = dict(Region.objects.values_list("code", "parent_id"))
    today = timezone.localdate()
    return {
        "pending": sum(f.status == Status.SUBMITTED for f in filings),
        "today": sum(timezone.localdate(f.submitted_at) == today for f in filings),
        "by_status": dict(Counter(str(Status(f.status).label) for f in filings)),
        "by_category": dict(Counter(str(f.get_category_display()) for f in filings)),
        "by_destination": dict(
            Counter(
                provinces[parent[f.destination_id]] for f in filings if f.status == Status.EFFECTIVE
            )
        ),
    }


@pytest.mark.usefixtures("mixed")
def test_a_reviewer_sees_the_counts_of_their_own_region_only(reviewer: User) -> None:
    data = dashboard_for(reviewer)
    want = expected(list(Filing.objects.filter(insured_region_id="340100")))
    assert data["pending"] == want["pending"] == 2
    assert data["today"] == want["today"] == 5
    assert bars(data["by_status"]) == want["by_status"]
    assert bars(data["by_category"]) == want["by_category"]
    assert bars(data["by_destination"]) == want["by_destination"]
    assert bars(data["by_destination"])["上海市"] == 2


@pytest.mark.usefixtures("mixed")
def test_a_national_superuser_sees_every_region() -> None:
    admin = make_person(is_staff=True, is_superuser=True, insured_region_id=None)
    data = dashboard_for(admin)
    want = expected(list(Filing.objects.all()))
    assert data["pending"] == want["pending"] == 3
    assert bars(data["by_category"]) == want["by_category"]
    assert bars(data["by_destination"]) == want["by_destination"]


@pytest.mark.usefixtures("mixed")
def test_the_dashboard_page_shows_the_counts(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    html = client.get(reverse("admin:index")).content.decode()
    assert "待审核" in html and "上海市" in html


def test_the_regions_an_account_serves(reviewer: User, retiree: User) -> None:
    """One rule behind every region-scoped list (User.insured_regions_served)."""
    served = reviewer.insured_regions_served()
    assert served is not None and list(served.values_list("pk", flat=True)) == ["340100"]
    admin = make_person(is_staff=True, is_superuser=True, insured_region_id=None)
    assert admin.insured_regions_served() is None
    make_filing(retiree)  # a 合肥 filing that 合肥 staff would see
    assert Filing.objects.for_staff(reviewer).exists()
    retiree.staff_regions.set(InsuranceRegion.objects.filter(pk="340100"))  # not staff
    assert not retiree.insured_regions_served().exists()  # type: ignore[union-attr]
    assert not Filing.objects.for_staff(retiree).exists()


def test_the_dashboard_says_when_the_years_holidays_are_not_known(
    client: Client, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    client.force_login(reviewer)
    note = "系统里还没有今年的法定节假日安排"
    monkeypatch.setattr(rules, "holidays_known_for", lambda year: True)
    assert note not in client.get(reverse("admin:index")).content.decode()
    cache.clear()  # the dashboard is kept for a minute
    monkeypatch.setattr(rules, "holidays_known_for", lambda year: False)
    assert note in client.get(reverse("admin:index")).content.decode()
