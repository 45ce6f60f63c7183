"""Two settlements of one person at once never both use the same cap left,
and one settlement number uploaded twice at once is settled once (threads
against the real database, like tests/filings/test_concurrency.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from admissions import services
from admissions.models import HospitalSettlement
from claims import engine
from claims.choices import CareType, CatalogueClass
from claims.models import Settlement
from tests.admissions.conftest import make_client
from tests.claims.factories import make_policy
from tests.conftest import make_filing, make_person
from tests.facilities.conftest import make_facility
from tests.filings.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TODAY = timezone.localdate()


def discharge(person: object, number: str) -> services.Discharge:
    return services.Discharge(
        hospital_number=number,
        id_number=person.id_number,  # type: ignore[attr-defined]
        name=person.full_name,  # type: ignore[attr-defined]
        care_type=CareType.INPATIENT,
        admission_date=TODAY - dt.timedelta(days=6),
        discharge_date=TODAY - dt.timedelta(days=1),
        # 1,000 deductible, then 80 % of 79,000 at a third-level hospital: 63,200,
        # more than half of the 100,000 cap.
        lines=(engine.BillLine(Decimal("80000.00"), CatalogueClass.A),),
    )


def test_concurrent_settlements_of_one_person_never_exceed_the_cap() -> None:
    person = make_person(member_status="retired")
    make_filing(person, start_date=TODAY - dt.timedelta(days=60))
    make_policy()
    credential = make_client(make_facility())
    results = run_concurrently(
        6,
        lambda i: services.settle_discharge(
            client=credential.client, bill=discharge(person, f"C{i}")
        ),
    )
    assert all(isinstance(r, tuple) for r in results), results
    funds = sorted(Settlement.objects.values_list("fund", flat=True))
    assert sum(funds) == Decimal("100000.00")
    assert funds.count(Decimal("63200.00")) == 1


def test_one_number_uploaded_twice_at_once_is_settled_once() -> None:
    person = make_person(member_status="retired")
    make_filing(person, start_date=TODAY - dt.timedelta(days=60))
    make_policy()
    credential = make_client(make_facility())
    results = run_concurrently(
        6,
        lambda i: services.settle_discharge(
            client=credential.client, bill=discharge(person, "ONE")
        ),
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert Settlement.objects.count() == 1 and HospitalSettlement.objects.count() == 1
    assert sum(1 for r in results if isinstance(r, tuple) and r[1]) == 1
