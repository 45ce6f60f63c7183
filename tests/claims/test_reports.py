"""The agency money report, checked against the demo data summed here by
hand from the raw rows (plain Python, not the report's queries)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import reports
from claims.models import Reimbursement, Settlement
from portal.models import Region, User
from tests.claims.factories import make_settlement

pytestmark = pytest.mark.django_db
REPORT = reverse("admin:claims_settlementreport_changelist")
ZERO = Decimal("0.00")


def province(code: str) -> str:
    """GB/T 2260: a region's province is its first two digits and four zeros."""
    return code[:2] + "0000"


def by_hand(rows: list[tuple[Any, ...]], year: int) -> tuple[dict[Any, list[Any]], dict[Any, Any]]:
    """(month, pair) → [cases, total, fund, inpatient, direct inpatient], and
    pair → the year's prepayment quota from last year's fourth quarter."""
    figures: dict[Any, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, 0, 0])
    q4: dict[Any, Decimal] = defaultdict(lambda: ZERO)
    for day, insured, city, care_type, direct, total, fund in rows:
        pair = (province(insured), province(city))
        if day.year == year:
            f = figures[(day.month, pair)]
            f[0] += 1
            f[1] += total
            f[2] += fund
            if care_type == "inpatient":
                f[3] += 1
                f[4] += 1 if direct else 0
        elif day.year == year - 1 and day.month >= 10:
            q4[pair] += fund
    quotas = {
        pair: (fund / 3 * 2).quantize(Decimal("0.01"), ROUND_HALF_UP) for pair, fund in q4.items()
    }
    return dict(figures), quotas


def raw_rows(**filters: Any) -> list[tuple[Any, ...]]:
    return list(
        Settlement.objects.filter(**filters).values_list(
            "discharge_date",
            "insured_region_id",
            "treatment_city_id",
            "care_type",
            "direct",
            "total",
            "fund",
        )
    )


def figures_of(report: reports.Report) -> dict[Any, list[Any]]:
    return {
        (month.month, (row.insured, row.treatment)): [
            row.figures.cases,
            row.figures.total,
            row.figures.fund,
            row.figures.inpatient,
            row.figures.direct_inpatient,
        ]
        for month in report.months
        for row in month.pairs
    }


@pytest.fixture
def demo(db: None) -> None:
    call_command("seed_demo", "--force", stdout=io.StringIO())


def test_report_figures_match_the_demo_data_computed_independently(demo: None) -> None:
    year = timezone.localdate().year
    rows = raw_rows()
    assert len(rows) > 500  # the demo has realistic volume
    expected, quotas = by_hand(rows, year)
    report = reports.build_report(Settlement.objects.all(), year=year)
    assert figures_of(report) == expected
    assert {(r.insured, r.treatment): r.quota for r in report.pairs if r.q4_fund} == quotas
    assert report.totals.cases == sum(f[0] for f in expected.values())
    assert report.totals.fund == sum((f[2] for f in expected.values()), ZERO)
    inpatient = sum(f[3] for f in expected.values())
    direct = sum(f[4] for f in expected.values())
    assert report.totals.direct_rate == (Decimal(direct) * 100 / inpatient).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    # Every month of the year so far has cases, and the demo rate is near the target.
    assert [m.month for m in report.months] == list(range(1, timezone.localdate().month + 1))
    assert 60 <= direct * 100 / inpatient <= 85


def test_the_hefei_reviewer_sees_the_figures_of_cases_insured_or_treated_in_hefei(
    demo: None, client: Client
) -> None:
    reviewer = User.objects.get(mobile="13905510003")
    reviewer.staff_treatment_regions.set(Region.objects.filter(code="340100"))
    year = timezone.localdate().year
    from django.db.models import Q

    rows = list(
        Settlement.objects.filter(
            Q(insured_region_id="340100") | Q(treatment_city_id="340100")
        ).values_list(
            "discharge_date",
            "insured_region_id",
            "treatment_city_id",
            "care_type",
            "direct",
            "total",
            "fund",
        )
    )
    expected, quotas = by_hand(rows, year)
    report = reports.build_report(Settlement.objects.for_staff(reviewer), year=year)
    assert figures_of(report) == expected
    assert {(r.insured, r.treatment): r.quota for r in report.pairs if r.q4_fund} == quotas
    assert ("110000", "310000") not in {(r.insured, r.treatment) for r in report.pairs}

    client.force_login(reviewer)
    page = client.get(REPORT, {"year": str(year)}).content.decode()
    total_fund = sum((f[2] for f in expected.values()), ZERO)
    assert f"{total_fund:,.2f}" in page
    assert "<svg" in page and "住院直接结算率" in page
    assert "北京市 → 上海市" not in page


def test_the_report_is_linked_from_the_admin_index(demo: None, client: Client) -> None:
    client.force_login(User.objects.get(mobile="13905510003"))
    index = client.get(reverse("admin:index")).content.decode()
    assert REPORT in index and "跨省就医资金报表" in index


def test_the_report_exports_csv_with_one_row_per_month_and_pair(demo: None, client: Client) -> None:
    client.force_login(User.objects.get(mobile="13800000004"))
    year = timezone.localdate().year
    response = client.get(REPORT, {"year": str(year), "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected, _quotas = by_hand(raw_rows(), year)
    monthly = [r for r in rows[1:] if r and r[0].startswith(f"{year}-")]
    assert len(monthly) == len(expected)
    assert sum(Decimal(r[5]) for r in monthly) == sum((f[2] for f in expected.values()), ZERO)


def test_the_prepayment_quota_is_twice_the_monthly_average_of_last_years_fourth_quarter() -> None:
    # Q4 fund payments of 90,000: 30,000 a month; the quota is 60,000.
    assert reports.prepayment_quota(Decimal("90000.00")) == Decimal("60000.00")
    assert reports.prepayment_quota(Decimal("100.00")) == Decimal("66.67")


def test_only_last_years_fourth_quarter_counts_for_the_quota(retiree: User, stranger: User) -> None:
    make_settlement(retiree, fund="3000.00", discharge_date=dt.date(2025, 10, 1))
    make_settlement(retiree, fund="3000.00", discharge_date=dt.date(2025, 12, 31))
    make_settlement(retiree, fund="9999.00", discharge_date=dt.date(2025, 9, 30))
    make_settlement(retiree, fund="9999.00", discharge_date=dt.date(2026, 1, 1))
    report = reports.build_report(Settlement.objects.all(), year=2026)
    (pair,) = report.pairs
    assert (pair.insured, pair.treatment) == ("340000", "310000")
    assert pair.q4_fund == Decimal("6000.00")
    assert pair.quota == Decimal("4000.00")


def test_the_direct_rate_counts_inpatient_cases_only(retiree: User) -> None:
    day = dt.date(2026, 4, 1)
    for _ in range(7):
        make_settlement(retiree, discharge_date=day)
    for _ in range(3):
        make_settlement(retiree, direct=False, discharge_date=day)
    make_settlement(retiree, care_type="outpatient", direct=False, discharge_date=day)
    report = reports.build_report(Settlement.objects.all(), year=2026)
    assert report.totals.inpatient == 10 and report.totals.direct_inpatient == 7
    assert report.totals.direct_rate == Decimal("70.0")
    assert report.totals.meets_target is True


def test_a_resident_cannot_open_the_report(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    response = client.get(REPORT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_report_permission_are_refused(client: Client, reviewer: User) -> None:
    reviewer.groups.clear()
    client.force_login(reviewer)
    assert client.get(REPORT).status_code == 403


def test_hostile_report_parameters_fall_back_to_defaults(
    client: Client, django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser(
        "11010119800101015X", "x", full_name="管理员", mobile="13800000009"
    )
    client.force_login(admin)
    for params in (
        {"year": "abc"},
        {"year": "99999999999999999999"},
        {"year": "-1"},
        {"insured": "'; drop", "treatment": "\x1b[0m"},
    ):
        assert client.get(REPORT, params).status_code == 200


def test_the_large_case_filter_shows_cases_of_30000_yuan_or_more(
    client: Client, retiree: User, reviewer: User
) -> None:
    from django.contrib.auth.models import Permission

    big = make_settlement(retiree, total="30000.00", fund="20000.00")
    small = make_settlement(retiree, total="29999.99", fund="20000.00")
    reviewer.user_permissions.add(Permission.objects.get(codename="view_settlement"))
    client.force_login(reviewer)
    url = reverse("admin:claims_settlement_changelist")
    page = client.get(url, {"large": "yes"}).content.decode()
    assert big.number in page and small.number not in page


def test_the_demo_is_idempotent_and_gives_the_retiree_her_cases(demo: None) -> None:
    counts = (Settlement.objects.count(), Reimbursement.objects.count())
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert (Settlement.objects.count(), Reimbursement.objects.count()) == counts
    retiree = User.objects.get(mobile="13955100001")
    hers = Settlement.objects.visible_to(retiree)
    assert hers.count() == 7
    assert hers.filter(treatment_city_id="310100").count() == 7
    assert hers.large_cases().count() == 1
    self_paid = hers.get(direct=False)
    assert self_paid.situation == "long_term"  # a failure at discharge, not a missing filing
    claims = Reimbursement.objects.filter(person=retiree)
    assert sorted(claims.values_list("status", flat=True)) == ["paid", "submitted"]
    paid = claims.get(status="paid")
    assert paid.settlement == self_paid and paid.approved_amount
    assert paid.events.count() == 4


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|<style[\s>]|\son[a-z]+\s*=", re.I)


def test_the_claims_pages_and_admin_pages_carry_no_inline_script_or_style(
    demo: None, client: Client
) -> None:
    """The Content-Security-Policy allows none: a page with any breaks in the browser."""
    retiree = User.objects.get(mobile="13955100001")
    paid = Reimbursement.objects.get(person=retiree, status="paid")
    waiting = Reimbursement.objects.get(person=retiree, status="submitted")
    client.force_login(retiree)
    for url in [
        reverse("claims:list"),
        reverse("claims:settlement", args=[paid.settlement_id]),
        reverse("claims:reimbursements"),
        reverse("claims:reimbursement_new"),
        reverse("claims:reimbursement", args=[paid.reference]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert INLINE.findall(response.content.decode()) == [], url
    client.force_login(User.objects.get(mobile="13800000004"))
    for url in [
        REPORT,
        reverse("admin:claims_reimbursement_change", args=[waiting.pk]),
        reverse("admin:claims_settlement_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert INLINE.findall(response.content.decode()) == [], url


def test_bulk_people_get_one_settlement_each_under_their_filing() -> None:
    call_command("seed_demo", "--force", "--scale", "60", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_settlements", "--force", stdout=out)
    bulk = Settlement.objects.filter(number__startswith="DEMO-S-")
    # Demo policies exist for 合肥 only among the outflow regions of bulk people.
    assert bulk.exists()
    assert set(bulk.values_list("insured_region_id", flat=True)) == {"340100"}
    for s in bulk.select_related("person"):
        filing = s.person.filings.get()  # type: ignore[union-attr]
        assert s.treatment_city_id == filing.destination_id
        assert filing.covers(s.admission_date)
    count = bulk.count()
    call_command("seed_settlements", "--force", stdout=io.StringIO())
    assert bulk.count() == count
