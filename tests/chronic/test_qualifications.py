"""A person's recognised qualifications (资格认定): theirs alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from chronic.admin import QualificationForm
from chronic.models import ChronicDisease, Qualification
from portal.models import User
from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.django_db


def qualify(person: User, code: str = "hypertension", **fields: Any) -> Qualification:
    return Qualification.objects.create(
        person=person,
        disease=ChronicDisease.objects.get(code=code),
        insured_region_id=person.insured_region_id,
        recognised_on=fields.pop("recognised_on", dt.date(2025, 3, 1)),
        **fields,
    )


def test_my_eligibility_needs_a_login(client: Client) -> None:
    response = client.get(reverse("chronic:mine"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_my_eligibility_lists_only_my_own_qualifications(
    client: Client, retiree: User, stranger: User
) -> None:
    qualify(retiree, "hypertension")
    qualify(stranger, "diabetes")
    client.force_login(retiree)
    html = client.get(reverse("chronic:mine")).content.decode()
    assert "高血压" in html and "糖尿病" not in html and "长期有效" in html


def test_a_stranger_gets_a_404_for_someone_elses_qualification(
    client: Client, retiree: User, stranger: User
) -> None:
    mine = qualify(retiree)
    client.force_login(stranger)
    assert client.get(reverse("chronic:qualification", args=[mine.pk])).status_code == 404
    client.force_login(retiree)
    assert client.get(reverse("chronic:qualification", args=[mine.pk])).status_code == 200


def test_the_detail_shows_the_designated_facilities(client: Client, retiree: User) -> None:
    facility = make_facility()
    qualification = qualify(retiree)
    qualification.designated_facilities.add(facility)
    client.force_login(retiree)
    html = client.get(reverse("chronic:qualification", args=[qualification.pk])).content.decode()
    assert "上海市第一人民医院" in html and "可以跨省直接结算" in html


def test_the_checker_shows_a_signed_in_persons_own_status(client: Client, retiree: User) -> None:
    qualify(retiree, valid_until=dt.date(2020, 1, 1), recognised_on=dt.date(2019, 1, 1))
    client.force_login(retiree)
    html = client.get(reverse("chronic:checker"), {"disease": "hypertension"}).content.decode()
    assert "已过期" in html


def test_status_follows_the_validity_days() -> None:
    from chronic.rules import qualification_status

    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert qualification_status(start, end, dt.date(2024, 12, 31)) == "upcoming"
    assert qualification_status(start, end, end) == "current"
    assert qualification_status(start, end, dt.date(2026, 1, 1)) == "expired"
    assert qualification_status(start, None, dt.date(2099, 1, 1)) == "current"


def test_two_overlapping_qualifications_for_one_disease_are_refused(retiree: User) -> None:
    qualify(retiree, recognised_on=dt.date(2025, 1, 1), valid_until=dt.date(2025, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        qualify(retiree, recognised_on=dt.date(2025, 6, 1))
    qualify(retiree, recognised_on=dt.date(2026, 1, 1))  # after the first one ends


def test_valid_until_cannot_be_before_the_recognition(retiree: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        qualify(retiree, recognised_on=dt.date(2025, 1, 1), valid_until=dt.date(2024, 1, 1))


def test_staff_cannot_designate_a_facility_not_networked_for_the_disease(retiree: User) -> None:
    dialysis_less = make_facility(services=["inpatient", "outpatient"])
    form = QualificationForm(
        data={
            "person": retiree.pk,
            "disease": ChronicDisease.objects.get(code="dialysis").pk,
            "insured_region": "340100",
            "recognised_on": "2025-01-01",
            "designated_facilities": [dialysis_less.pk],
        }
    )
    assert not form.is_valid()
    assert "没有开通" in str(form.errors["designated_facilities"])


def test_staff_must_record_the_persons_own_insured_region(retiree: User) -> None:
    form = QualificationForm(
        data={
            "person": retiree.pk,
            "disease": ChronicDisease.objects.get(code="diabetes").pk,
            "insured_region": "310100",
            "recognised_on": "2025-01-01",
        }
    )
    assert not form.is_valid() and "insured_region" in form.errors


def test_agency_staff_see_only_their_regions_qualifications(
    client: Client, reviewer: User, retiree: User, relative: User
) -> None:
    qualify(retiree)  # 合肥, the reviewer's region
    qualify(relative)  # 上海
    assert set(Qualification.objects.for_staff(reviewer).values_list("person", flat=True)) == {
        retiree.pk
    }
