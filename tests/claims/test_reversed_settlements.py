"""A reversed (冲正) settlement moved no money: it counts neither toward the
person's year (cap used, year to date) nor toward the agency's report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claims import reports, services
from claims.choices import CareType
from claims.models import Settlement
from portal.models import User
from tests.claims.factories import make_policy, make_settlement

pytestmark = pytest.mark.django_db


def test_a_reversed_settlement_leaves_the_year_to_date(retiree: User) -> None:
    kept = make_settlement(retiree, fund="7000.00", discharge_date=dt.date(2026, 3, 1))
    gone = make_settlement(retiree, fund="5000.00", discharge_date=dt.date(2026, 4, 1))
    gone.reversed_at = timezone.now()
    gone.save()
    year = services.year_to_date(
        person_id_number=retiree.id_number, care_type=CareType.INPATIENT, before=dt.date(2026, 6, 1)
    )
    assert year.fund_paid == kept.fund and year.admissions == 1


def test_a_reversed_settlement_leaves_the_cap_used(retiree: User) -> None:
    make_policy()
    gone = make_settlement(retiree, fund="5000.00", discharge_date=dt.date(2026, 4, 1))
    gone.reversed_at = timezone.now()
    gone.save()
    (inpatient,) = services.cap_use(retiree, year=2026, on=dt.date(2026, 6, 1))
    assert inpatient.used == Decimal("0.00")


def test_a_reversed_settlement_leaves_the_money_report(retiree: User) -> None:
    make_settlement(retiree, fund="7000.00", discharge_date=dt.date(2026, 3, 1))
    gone = make_settlement(retiree, fund="5000.00", discharge_date=dt.date(2026, 3, 2))
    gone.reversed_at = timezone.now()
    gone.save()
    report = reports.build_report(Settlement.objects.all(), year=2026)
    assert report.totals.fund == Decimal("7000.00") and report.totals.cases == 1
