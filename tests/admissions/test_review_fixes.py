"""What a second reading of the hospital side found: each a test that failed
before its fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from admissions.forms import asked_days
from claims import services as claim_services
from filings.models import Filing
from portal.models import User
from tests.admissions.conftest import Credential, post
from tests.admissions.test_api import CHECK, REFER, check_body, referral_body
from tests.claims.factories import make_settlement
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_coverage_form_takes_29_february_as_today() -> None:
    first, last = asked_days(dt.date(2028, 2, 29))
    assert first == dt.date(2026, 3, 1) and last == dt.date(2029, 3, 1)


def test_a_referral_issued_yesterday_is_filed_from_today(
    client: Client, referrer: Credential, retiree: User
) -> None:
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = post(client, REFER, referral_body(retiree, referral_date=yesterday), referrer)
    assert response.status_code == 200, response.content
    filing = Filing.objects.get(person=retiree)
    assert filing.start_date == TODAY and str(filing.referral_date) == yesterday


def test_an_admission_number_reused_for_another_patient_is_a_conflict(
    client: Client, credential: Credential, retiree: User
) -> None:
    other = make_person(insured_region_id="340100")
    body = {**check_body(retiree), "admission_number": "A1", "self_pay_agreement": False}
    assert post(client, "/api/v1/admissions", body, credential).status_code == 201
    reused = {**check_body(other), "admission_number": "A1", "self_pay_agreement": False}
    response = post(client, "/api/v1/admissions", reused, credential)
    assert response.status_code == 409
    assert retiree.full_name not in response.content.decode()


def test_a_minority_name_with_a_look_alike_dot_is_found(
    client: Client, credential: Credential
) -> None:
    person = make_person(full_name="买买提·吐尔逊", insured_region_id="650100")
    response = post(client, CHECK, check_body(person, name="买买提•吐尔逊"), credential)
    assert response.status_code == 200, response.content


def test_a_reversed_settlement_cannot_be_claimed(retiree: User) -> None:
    settlement = make_settlement(retiree, direct=False)
    assert settlement in claim_services.visible_settlements_without_claim(retiree)
    settlement.reversed_at = timezone.now()
    settlement.save(update_fields=["reversed_at"])
    assert settlement not in claim_services.visible_settlements_without_claim(retiree)


def test_a_submission_token_reused_for_someone_else_hands_back_nothing(retiree: User) -> None:
    import uuid

    from filings import services
    from filings.services import FilingRequest

    token = uuid.uuid4()
    mine = make_filing(retiree, submission_token=token)
    other = make_person(insured_region_id="340100")
    request = FilingRequest(
        category="other", destination_code="310100", start_date=TODAY, contact_phone=""
    )
    with pytest.raises(ValidationError):
        services.submit_filing(person=other, request=request, by=other, role="self", token=token)
    assert Filing.objects.filter(submission_token=token).get() == mine
