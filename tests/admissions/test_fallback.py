"""The fallback when a direct settlement is not possible (医保发〔2022〕22号
三(四); seed 003 (五)6): the hospital records the discharge paid in full with
the same cost lines, and the person finds a manual-reimbursement
application already filled in from them, to check and submit."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import Reimbursement, Settlement
from notices.models import AffectedPage, DowntimeNotice
from portal.models import User
from tests.admissions.conftest import Credential, post
from tests.admissions.test_api import SETTLE, TODAY, bill
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db
NEW = reverse("claims:reimbursement_new")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: Client, credential: Credential, body: dict[str, Any]) -> Settlement:
    response = post(client, SETTLE, body, credential)
    assert response.status_code == 201, response.content
    return Settlement.objects.get(number=response.json()["record_number"])


def test_a_fallback_upload_is_stored_paid_in_full_with_its_lines(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    response = post(client, SETTLE, bill(retiree, fallback_reason="system_failure"), credential)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["direct"] is False and data["fallback_reason"] == "system_failure"
    assert Decimal(data["fund"]) == 0 and Decimal(data["personal"]) == Decimal("26500.00")
    record = Settlement.objects.get(number=data["record_number"])
    assert record.direct is False and record.fallback_reason == "system_failure"
    assert record.bill_lines == [
        {"catalogue_class": "A", "amount": "20000.00", "first_self_pay_share": "0"},
        {"catalogue_class": "B", "amount": "5000.00", "first_self_pay_share": "10"},
        {"catalogue_class": "C", "amount": "1500.00", "first_self_pay_share": "0"},
    ]


def test_an_unknown_fallback_reason_is_refused(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    response = post(client, SETTLE, bill(retiree, fallback_reason="tired"), credential)
    assert response.status_code == 422
    assert not Settlement.objects.exists()


def test_without_a_filing_the_stay_keeps_its_lines_and_the_reason(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    record = upload(client, credential, bill(retiree))
    assert record.direct is False and record.fallback_reason == "no_filing"
    assert len(record.bill_lines) == 3


def test_a_downtime_over_the_discharge_day_records_the_stay_paid_in_full(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    discharge = TODAY - dt.timedelta(days=2)
    starts = timezone.make_aware(dt.datetime.combine(discharge, dt.time(9)))
    DowntimeNotice.objects.create(
        region_id="310000",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        message="结算系统升级",
        pages=[AffectedPage.SETTLEMENT],
    )
    record = upload(client, credential, bill(retiree))
    assert record.direct is False and record.fund == 0 and record.personal == record.total
    assert record.fallback_reason == "system_failure"


def test_a_downtime_on_another_day_does_not_stop_direct_settlement(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    starts = timezone.now() + dt.timedelta(days=3)
    DowntimeNotice.objects.create(
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        message="结算系统升级",
        pages=[AffectedPage.SETTLEMENT],
    )
    record = upload(client, credential, bill(retiree))
    assert record.direct is True and record.fallback_reason == ""


def test_she_claims_the_fallback_stay_from_a_form_filled_from_its_lines(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    record = upload(client, credential, bill(retiree, fallback_reason="system_failure"))
    client.force_login(retiree)
    page = client.get(reverse("claims:settlement", args=[record.pk])).content.decode()
    link = f"{NEW}?settlement={record.pk}"
    assert link in page and "申请手工报销" in page
    assert "医院出院结算时记录的原因：出院结算时系统出了故障，没能直接结算。" in page
    assert "医院已经上传了这次的费用明细" in page
    # The coverage answer on that page offers the same pre-filled claim.
    answer = client.get(
        reverse("admissions:coverage"), {**dict(parse_qsl(record.coverage_query)), "embedded": "1"}
    ).content.decode()
    assert f'href="{link}"' in answer.replace("&amp;", "&")
    form = client.get(link).content.decode()
    for name, value in (
        ("amount_a", "20000.00"),
        ("amount_b", "5000.00"),
        ("b_share", "10.00"),
        ("amount_c", "1500.00"),
        ("facility_name", "上海市第一人民医院"),
        ("admission_date", (TODAY - dt.timedelta(days=9)).isoformat()),
        ("discharge_date", (TODAY - dt.timedelta(days=2)).isoformat()),
    ):
        assert f'name="{name}" value="{value}"' in form, name
    assert re.search(r'name="reason" value="system_failure"[^>]*checked', form)
    # She adds the invoices and her bank account, and submits.
    response = client.post(
        NEW,
        {
            "token": "6d1c0f3e-2b4a-4c5d-9e8f-7a6b5c4d3e2f",
            "settlement": str(record.pk),
            "province": "310000",
            "treatment_city": "310100",
            "facility_name": record.facility_name,
            "facility_level": record.facility_level,
            "care_type": record.care_type,
            "admission_date": record.admission_date.isoformat(),
            "discharge_date": record.discharge_date.isoformat(),
            "reason": "system_failure",
            "amount_a": "20000.00",
            "amount_b": "5000.00",
            "b_share": "10.00",
            "amount_c": "1500.00",
            "bank_name": "中国工商银行上海分行",
            "bank_account": "6222021001122334458",
            "invoices": SimpleUploadedFile("i.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
            "itemised_bills": SimpleUploadedFile(
                "b.pdf", b"%PDF-1.4\n", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Reimbursement.objects.get()
    assert claim.settlement == record and claim.reason == "system_failure"
    assert sorted((line.catalogue_class, line.amount) for line in claim.lines.all()) == [
        ("A", Decimal("20000.00")),
        ("B", Decimal("5000.00")),
        ("C", Decimal("1500.00")),
    ]


def test_someone_elses_fallback_stay_is_a_404(
    client: Client,
    credential: Credential,
    retiree: User,
    stranger: User,
    inpatient_policy: Any,
) -> None:
    record = upload(client, credential, bill(retiree, fallback_reason="system_failure"))
    client.force_login(stranger)
    assert client.get(reverse("claims:settlement", args=[record.pk])).status_code == 404
    assert client.get(NEW, {"settlement": record.pk}).status_code == 404
