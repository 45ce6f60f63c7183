"""The rules of a manual reimbursement claim (claims/rules.py), alone as pure
functions, and enforced by the service for a caller that bypasses the form."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims import rules, services
from claims.choices import CareType, CatalogueClass, FacilityLevel, ReimbursementReason
from claims.models import Reimbursement, ReimbursementDocument
from portal.models import User

TODAY = dt.date(2026, 6, 15)
ACCOUNT = "6222021001122334458"


def codes(problems: list[rules.Problem]) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in problems]


# --- care in another province (医保发〔2022〕22号 二(二)(四)) -------------------


def test_the_province_of_a_code_is_its_first_two_digits() -> None:
    assert rules.province_of("340100") == "340000"
    assert rules.province_of("110000") == "110000"
    assert rules.province_of("419001") == "410000"  # 济源, directly under 河南
    assert rules.province_of("660000") == "660000"  # 新疆生产建设兵团
    assert rules.province_of("") == ""


def test_care_in_another_province_may_be_claimed() -> None:
    assert rules.place_problems(insured_region="340100", treatment_city="310100") == []


@pytest.mark.parametrize(
    ("insured", "city"),
    [
        ("340100", "340200"),  # 合肥 → 芜湖
        ("340100", "340100"),  # at home
        ("110100", "110100"),  # a municipality is one province
        ("410100", "419001"),  # 郑州 → 济源 (a county-level city of 河南)
    ],
)
def test_care_in_the_insured_province_is_refused_next_to_the_city(insured: str, city: str) -> None:
    problems = rules.place_problems(insured_region=insured, treatment_city=city)
    assert codes(problems) == [("treatment_city", "same_province")]
    assert "跨省异地就医" in str(problems[0].message)


def test_the_bingtuan_and_xinjiang_are_different_provinces() -> None:
    assert rules.place_problems(insured_region="660000", treatment_city="650100") == []


def test_nothing_is_judged_until_both_places_are_known() -> None:
    assert rules.place_problems(insured_region="", treatment_city="340100") == []
    assert rules.place_problems(insured_region="340100", treatment_city=None) == []


# --- the days of the visit ---------------------------------------------------------


def test_past_days_in_order_are_fine() -> None:
    problems = rules.date_problems(
        admission=TODAY - dt.timedelta(days=6), discharge=TODAY, today=TODAY
    )
    assert problems == []
    same_day = rules.date_problems(admission=TODAY, discharge=TODAY, today=TODAY)
    assert same_day == []


def test_a_day_after_today_is_refused_next_to_that_day() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    assert codes(rules.date_problems(admission=TODAY, discharge=tomorrow, today=TODAY)) == [
        ("discharge_date", "future")
    ]
    assert codes(rules.date_problems(admission=tomorrow, discharge=None, today=TODAY)) == [
        ("admission_date", "future")
    ]


def test_an_implausibly_early_day_is_refused() -> None:
    problems = rules.date_problems(
        admission=dt.date(1899, 1, 1), discharge=dt.date(2026, 1, 1), today=TODAY
    )
    assert codes(problems) == [("admission_date", "too_early")]
    assert rules.date_problems(admission=rules.EARLIEST_VISIT, discharge=None, today=TODAY) == []


def test_a_discharge_before_the_admission_is_refused() -> None:
    problems = rules.date_problems(
        admission=dt.date(2026, 3, 10), discharge=dt.date(2026, 3, 1), today=TODAY
    )
    assert codes(problems) == [("discharge_date", "order")]


def test_one_mistake_gives_one_message() -> None:
    # Admission typed in the future: the order is not judged on top of it.
    problems = rules.date_problems(
        admission=TODAY + dt.timedelta(days=30), discharge=TODAY, today=TODAY
    )
    assert codes(problems) == [("admission_date", "future")]


def test_a_missing_day_is_left_to_the_form() -> None:
    assert rules.date_problems(admission=None, discharge=None, today=TODAY) == []


# --- the reason ----------------------------------------------------------------------


def test_a_chronic_disease_claim_is_for_chronic_outpatient_care() -> None:
    chronic = ReimbursementReason.CHRONIC_NOT_LISTED
    assert codes(rules.reason_problems(reason=chronic, care_type="inpatient", note="")) == [
        ("care_type", "chronic_care_type")
    ]
    assert (
        rules.reason_problems(reason=chronic, care_type=CareType.CHRONIC_OUTPATIENT, note="") == []
    )
    assert rules.reason_problems(reason=chronic, care_type=None, note="") == []


def test_the_other_reason_needs_a_note() -> None:
    other = ReimbursementReason.OTHER
    assert codes(rules.reason_problems(reason=other, care_type="inpatient", note="")) == [
        ("note", "other_note")
    ]
    assert rules.reason_problems(reason=other, care_type="inpatient", note="护照丢了") == []


def test_claim_problems_collects_every_rule_in_the_forms_order() -> None:
    problems = rules.claim_problems(
        insured_region="340100",
        treatment_city="340200",
        admission=TODAY,
        discharge=TODAY + dt.timedelta(days=1),
        reason=ReimbursementReason.OTHER,
        care_type="inpatient",
        note="",
        today=TODAY,
    )
    assert codes(problems) == [
        ("treatment_city", "same_province"),
        ("discharge_date", "future"),
        ("note", "other_note"),
    ]


# --- the service refuses what the form would ----------------------------------------


def claim(**visit: Any) -> services.Claim:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "city_code": "310100",
        "facility_name": "瑞金医院",
        "facility_level": FacilityLevel.LEVEL_3,
        "care_type": CareType.INPATIENT,
        "admission_date": today - dt.timedelta(days=10),
        "discharge_date": today - dt.timedelta(days=4),
    }
    fields.update(visit)
    return services.Claim(
        visit=services.Visit(**fields),
        reason=ReimbursementReason.SYSTEM_FAILURE,
        note="",
        lines=(services.engine.BillLine(Decimal("9000.00"), CatalogueClass.A),),
        bank_name="中国工商银行",
        bank_account=ACCOUNT,
    )


def refusal(person: User, made: services.Claim) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        services.submit_reimbursement(person=person, token=uuid.uuid4(), claim=made)
    assert not Reimbursement.objects.exists()
    return refused.value.message_dict


@pytest.mark.django_db
def test_the_service_refuses_a_claim_for_care_in_the_insured_province(retiree: User) -> None:
    # She is insured in 合肥 (安徽); 芜湖 is in 安徽 too.
    errors = refusal(retiree, claim(city_code="340200"))
    assert list(errors) == ["treatment_city"]
    assert "跨省异地就医" in errors["treatment_city"][0]


@pytest.mark.django_db
def test_the_service_refuses_impossible_days(retiree: User) -> None:
    today = timezone.localdate()
    future = refusal(retiree, claim(discharge_date=today + dt.timedelta(days=2)))
    assert future == {"discharge_date": ["日期不能晚于今天。"]}
    backwards = refusal(
        retiree,
        claim(
            admission_date=today - dt.timedelta(days=3), discharge_date=today - dt.timedelta(days=9)
        ),
    )
    assert backwards == {"discharge_date": ["出院日期不能早于入院日期。"]}


@pytest.mark.django_db
def test_a_refused_claim_leaves_the_kept_files_waiting(
    retiree: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    token = uuid.uuid4()
    services.store_upload(
        owner=retiree,
        token=token,
        kind="invoice",
        upload=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n"),
        content_type="application/pdf",
    )
    with pytest.raises(ValidationError):
        services.submit_reimbursement(person=retiree, token=token, claim=claim(city_code="340100"))
    assert not Reimbursement.objects.exists()
    assert ReimbursementDocument.objects.get().reimbursement is None


@pytest.mark.django_db
def test_the_service_accepts_the_same_claim_in_another_province(retiree: User) -> None:
    made = services.submit_reimbursement(person=retiree, token=uuid.uuid4(), claim=claim())
    assert made.treatment_city_id == "310100"
