"""入院登记 through the API: kept with the filing used and the 自费项目协议书,
idempotent on the hospital's admission number, shown to the person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admissions.models import Admission
from portal.models import User
from portal.roles import REVIEWER
from tests.admissions.conftest import Credential, post
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
REGISTER = "/api/v1/admissions"


def registration(person: User, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "admission_number": "ZY-0001",
        "id_number": person.id_number,
        "name": person.full_name,
        "day": TODAY.isoformat(),
        "self_pay_agreement": True,
        "self_pay_items": ["进口人工晶体"],
    }
    body.update(overrides)
    return body


def test_the_admission_is_registered_with_her_filing_and_the_agreement(
    client: Client, credential: Credential, retiree: User
) -> None:
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    response = post(client, REGISTER, registration(retiree), credential)
    assert response.status_code == 201
    data = response.json()
    assert data["direct"] is True and data["filing"] == filing.reference
    assert data["coverage"]["answer"] == "direct"
    admission = Admission.objects.get()
    assert admission.person == retiree and admission.filing == filing
    assert admission.self_pay_items == ["进口人工晶体"]


def test_the_same_admission_number_returns_the_first_record(
    client: Client, credential: Credential, retiree: User
) -> None:
    post(client, REGISTER, registration(retiree), credential)
    again = post(client, REGISTER, registration(retiree, self_pay_agreement=False), credential)
    assert again.status_code == 200 and again.json()["self_pay_agreement"] is True
    assert Admission.objects.count() == 1


def test_registration_needs_the_matching_name(
    client: Client, credential: Credential, retiree: User
) -> None:
    response = post(client, REGISTER, registration(retiree, name="别人"), credential)
    assert response.status_code == 404
    assert post(client, REGISTER, registration(retiree), None).status_code == 401
    assert not Admission.objects.exists()


def test_she_sees_the_admission_and_a_stranger_does_not(
    client: Client, credential: Credential, retiree: User, stranger: User
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    post(client, REGISTER, registration(retiree), credential)
    client.force_login(retiree)
    html = client.get(reverse("admissions:coverage")).content.decode()
    assert 'data-admission="ZY-0001"' in html and "进口人工晶体" in html
    client.force_login(stranger)
    assert "ZY-0001" not in client.get(reverse("admissions:coverage")).content.decode()


def test_the_agency_of_her_insured_place_sees_the_admission_in_the_admin(
    client: Client, credential: Credential, retiree: User, reviewer: User
) -> None:
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    post(client, REGISTER, registration(retiree), credential)
    client.force_login(reviewer)
    html = client.get(reverse("admin:admissions_admission_changelist")).content.decode()
    assert "ZY-0001" in html


@pytest.mark.parametrize("text", ["阿莫西林\x00", "自费\u202e项目", "\x07"])
def test_control_characters_in_any_text_are_refused_not_a_500(
    client: Client, retiree: User, credential: Credential, text: str
) -> None:
    """A NUL cannot be stored in PostgreSQL text or JSON (schemathesis found it)."""
    response = post(client, REGISTER, registration(retiree, self_pay_items=[text]), credential)
    assert response.status_code == 422
    assert not Admission.objects.exists()
