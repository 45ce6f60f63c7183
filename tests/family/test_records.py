"""The one access rule for records about an insured person
(family.records.PersonRecordQuerySet), tested once for every kind of record:
the owner, relatives by grant state and scope, guardians, a stranger, an
anonymous visitor, and agency staff inside and outside the region."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from chronic.models import ChronicDisease, Qualification
from claims.models import Reimbursement
from family.models import Guardianship
from filings.models import Filing
from portal.models import User
from tests.claims.factories import make_settlement
from tests.conftest import make_filing, make_person
from tests.family.test_access import CAN_ACT, CAN_VIEW, PARTIES, child_born, party

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def make_reimbursement(person: User) -> Reimbursement:
    return Reimbursement.objects.create(
        reference=f"R{uuid.uuid4().hex[:12]}",
        person=person,
        insured_region_id=person.insured_region_id,
        scheme=person.scheme,
        member_status=person.member_status,
        treatment_city_id="310100",
        facility_name="上海市第六人民医院",
        facility_level="3",
        care_type="inpatient",
        admission_date=TODAY - dt.timedelta(days=6),
        discharge_date=TODAY,
        reason="system_failure",
        situation="long_term",
        bank_name="中国工商银行",
        bank_account="6222020200112233445",
        submission_token=uuid.uuid4(),
    )


def make_qualification(person: User) -> Qualification:
    return Qualification.objects.create(
        person=person,
        disease=ChronicDisease.objects.get(code="hypertension"),
        insured_region_id=person.insured_region_id,
        recognised_on=dt.date(2025, 3, 1),
    )


RECORDS: dict[str, Callable[[User], models.Model]] = {
    "filing": make_filing,
    "settlement": make_settlement,
    "reimbursement": make_reimbursement,
    "qualification": make_qualification,
}


def model_of(record: models.Model) -> Any:
    return type(record)


@pytest.mark.parametrize("kind", list(RECORDS))
@pytest.mark.parametrize("who", list(PARTIES))
def test_each_record_is_seen_and_changed_by_exactly_the_right_people(
    retiree: User, kind: str, who: str
) -> None:
    record = RECORDS[kind](retiree)
    viewer = party(who, retiree)
    records = model_of(record).objects
    assert records.visible_to(viewer).filter(pk=record.pk).exists() == (who in CAN_VIEW)
    assert records.actionable_by(viewer).filter(pk=record.pk).exists() == (who in CAN_ACT)


@pytest.mark.parametrize("kind", list(RECORDS))
def test_a_confirmed_guardian_reaches_a_childs_records_until_the_sixteenth_birthday(
    retiree: User, reviewer: User, kind: str
) -> None:
    young, grown = child_born(365), child_born(0)  # 16 in a year; 16 today
    for child in (young, grown):
        Guardianship.objects.create(
            guardian=retiree, child=child, confirmed_at=timezone.now(), confirmed_by=reviewer
        )
    unconfirmed = child_born(700)
    Guardianship.objects.create(guardian=retiree, child=unconfirmed)
    records = {c.pk: RECORDS[kind](c) for c in (young, grown, unconfirmed)}
    queryset = model_of(records[young.pk]).objects
    assert set(queryset.visible_to(retiree).values_list("pk", flat=True)) == {records[young.pk].pk}
    assert set(queryset.actionable_by(retiree).values_list("pk", flat=True)) == {
        records[young.pk].pk
    }


@pytest.mark.parametrize("kind", list(RECORDS))
def test_an_anonymous_visitor_sees_nothing(retiree: User, kind: str) -> None:
    record = RECORDS[kind](retiree)
    assert not model_of(record).objects.visible_to(AnonymousUser()).exists()
    assert not model_of(record).objects.actionable_by(AnonymousUser()).exists()


@pytest.mark.parametrize("kind", list(RECORDS))
def test_staff_see_the_records_of_the_regions_they_serve(
    retiree: User, reviewer: User, stranger: User, kind: str
) -> None:
    """王芳 serves 合肥: 张桂兰's record (insured in 合肥) is hers to see, the
    北京 stranger's is not, unless a superuser looks; neither is visible to her
    as a relative (staff work in the admin, not through grants)."""
    own = RECORDS[kind](retiree)
    other = RECORDS[kind](stranger)
    queryset = model_of(own).objects
    assert set(queryset.for_staff(reviewer).values_list("pk", flat=True)) == {own.pk}
    boss = make_person(is_staff=True, is_superuser=True, insured_region_id=None)
    assert set(queryset.for_staff(boss).values_list("pk", flat=True)) >= {own.pk, other.pk}
    assert not queryset.for_staff(make_person()).exists()  # not staff at all
    assert not queryset.visible_to(reviewer).exists()


def test_a_relatives_list_of_records_is_one_query(
    retiree: User, relative: User, django_assert_num_queries: Any
) -> None:
    from tests.conftest import make_grant

    make_grant(retiree, relative)
    for _ in range(3):
        make_filing(make_person())  # other people's
    mine = make_filing(retiree)
    with django_assert_num_queries(1):
        assert [f.pk for f in Filing.objects.visible_to(relative)] == [mine.pk]


def test_the_rule_reads_grants_at_query_time_so_a_revocation_counts_at_once(
    retiree: User, relative: User
) -> None:
    from tests.conftest import make_grant

    grant = make_grant(retiree, relative)
    filing = make_filing(retiree)
    visible = Filing.objects.visible_to(relative)
    grant.status, grant.revoked_at = "revoked", timezone.now()
    grant.save()
    assert filing not in visible
