"""The coverage rule (filings.coverage): one test per reason it gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from filings.coverage import (
    Action,
    Answer,
    Care,
    Chronic,
    FilingFacts,
    Place,
    Question,
    coverage,
)

DAY = dt.date(2026, 6, 15)
SHANGHAI = Place(city="310100", province="310000")
RUIJIN = Place(
    city="310100",
    province="310000",
    facility_code="H31010001",
    networked_for=frozenset({"inpatient", "outpatient", "hypertension"}),
)
HEFEI = Place(city="340100", province="340000")


def filing(**kw: object) -> FilingFacts:
    fields: dict[str, object] = {
        "reference": "BA1",
        "category": "retired",
        "destination": "310100",
        "start": dt.date(2026, 1, 1),
        "last_day": None,
        "status": "effective",
    }
    fields.update(kw)
    return FilingFacts(**fields)  # type: ignore[arg-type]


def ask(**kw: object) -> Question:
    fields: dict[str, object] = {
        "day": DAY,
        "care": Care.INPATIENT,
        "place": SHANGHAI,
        "insured_province": "340000",
        "filings": (filing(),),
    }
    fields.update(kw)
    return Question(**fields)  # type: ignore[arg-type]


def test_a_current_long_term_filing_for_the_city_is_settled_directly_at_local_terms() -> None:
    answer = coverage(ask())
    assert answer.answer == Answer.DIRECT and answer.action == Action.NONE
    assert answer.filing is not None and answer.filing.reference == "BA1"
    assert answer.has("filed") and answer.has("local_terms")


def test_an_admission_on_the_last_day_of_validity_counts() -> None:
    temporary = filing(category="other", start=dt.date(2026, 1, 1), last_day=DAY)
    assert coverage(ask(filings=(temporary,))).direct
    after = coverage(ask(filings=(temporary,), day=DAY + dt.timedelta(days=1)))
    assert not after.direct and after.has("lapsed") and after.action == Action.FILE


def test_a_filing_that_has_not_started_does_not_cover() -> None:
    later = filing(start=DAY + dt.timedelta(days=1))
    assert coverage(ask(filings=(later,))).has("lapsed")


def test_a_filing_for_another_city_means_changing_the_destination() -> None:
    answer = coverage(ask(filings=(filing(destination="320100"),)))
    assert not answer.direct and answer.has("other_city")
    assert answer.action == Action.CHANGE_DESTINATION and answer.filing is not None


def test_a_facility_not_networked_for_the_care_is_not_settled_directly() -> None:
    pharmacy_only = dataclasses.replace(RUIJIN, networked_for=frozenset({"outpatient"}))
    answer = coverage(ask(place=pharmacy_only))
    assert not answer.direct and answer.has("not_networked")
    assert answer.action == Action.CHOOSE_FACILITY
    assert coverage(ask(place=RUIJIN)).direct


def test_a_facility_inactive_on_the_day_offers_nothing() -> None:
    closed = dataclasses.replace(RUIJIN, networked_for=frozenset())
    assert coverage(ask(place=closed)).has("not_networked")


def test_only_the_five_chronic_diseases_are_settled_directly() -> None:
    other = Chronic(code="copd", national=False, service="", qualified=True)
    answer = coverage(ask(care=Care.CHRONIC, chronic=other, place=RUIJIN))
    assert not answer.direct and answer.has("chronic_not_listed") and answer.action == Action.CLAIM


def test_a_chronic_disease_needs_the_insured_places_recognition() -> None:
    unrecognised = Chronic(code="hypertension", national=True, service="hypertension")
    answer = coverage(ask(care=Care.CHRONIC, chronic=unrecognised, place=RUIJIN))
    assert answer.has("not_qualified") and answer.action == Action.QUALIFY
    recognised = dataclasses.replace(unrecognised, qualified=True)
    assert coverage(ask(care=Care.CHRONIC, chronic=recognised, place=RUIJIN)).direct


def test_where_the_insured_place_names_facilities_only_those_settle_chronic_care() -> None:
    elsewhere = Chronic(
        code="hypertension",
        national=True,
        service="hypertension",
        qualified=True,
        designated=frozenset({"H31010099"}),
    )
    answer = coverage(ask(care=Care.CHRONIC, chronic=elsewhere, place=RUIJIN))
    assert answer.has("not_designated") and answer.action == Action.CHOOSE_FACILITY
    chosen = dataclasses.replace(elsewhere, designated=frozenset({"H31010001"}))
    assert coverage(ask(care=Care.CHRONIC, chronic=chosen, place=RUIJIN)).direct


def test_a_chronic_disease_at_a_facility_not_networked_for_it() -> None:
    diabetes = Chronic(code="diabetes", national=True, service="diabetes", qualified=True)
    assert coverage(ask(care=Care.CHRONIC, chronic=diabetes, place=RUIJIN)).has("not_networked")


def test_a_commitment_filing_covers_the_filing_place_only_until_materials_are_in() -> None:
    pending = filing(commitment_pending=True)
    there = coverage(ask(filings=(pending,)))
    assert there.direct and there.has("commitment_here_only")
    home = coverage(ask(filings=(pending,), place=Place(city="340100", province="340000")))
    assert not home.direct and home.has("commitment_pending")
    assert home.action == Action.SUPPLY_MATERIALS


def test_a_long_term_filer_back_home_keeps_benefits_at_home() -> None:
    home = coverage(ask(place=HEFEI))
    assert home.answer == Answer.LOCAL and home.has("back_home") and home.filing is not None


def test_care_in_the_insured_province_is_no_cross_province_case() -> None:
    answer = coverage(ask(place=HEFEI, filings=()))
    assert answer.answer == Answer.LOCAL and answer.has("same_province")


def test_a_temporary_filing_says_its_lower_ratio_in_words() -> None:
    referral = filing(category="referral", last_day=dt.date(2026, 12, 31))
    answer = coverage(ask(filings=(referral,), reduction_points=Decimal("10.00")))
    assert answer.direct
    (lower,) = [r for r in answer.reasons if r.code == "lower_ratio"]
    assert "10 个百分点" in str(lower.text)
    unknown = coverage(ask(filings=(referral,)))
    assert "以参保地规定为准" in str(
        next(r.text for r in unknown.reasons if r.code == "lower_ratio")
    )


def test_the_temporary_filing_is_the_one_named_when_both_cover() -> None:
    referral = filing(reference="BA2", category="referral", last_day=dt.date(2026, 12, 31))
    assert coverage(ask(filings=(filing(), referral))).filing == referral


def test_no_filing_means_file_before_discharge_settlement() -> None:
    answer = coverage(ask(filings=()))
    assert not answer.direct and answer.has("no_filing") and answer.has("file_before_discharge")
    assert answer.action == Action.FILE


def test_after_a_self_paid_discharge_file_then_claim() -> None:
    answer = coverage(ask(filings=(), paid_in_full=True))
    assert answer.has("file_then_claim") and answer.action == Action.FILE_THEN_CLAIM


def test_a_filing_under_review_settles_once_approved_before_discharge() -> None:
    answer = coverage(ask(filings=(filing(status="submitted"),)))
    assert not answer.direct and answer.has("under_review") and answer.action == Action.WAIT


def test_a_rejected_or_cancelled_before_the_day_filing_does_not_cover() -> None:
    assert coverage(ask(filings=(filing(status="rejected"),))).has("no_filing")
    cancelled = filing(status="cancelled", last_day=DAY - dt.timedelta(days=1))
    assert coverage(ask(filings=(cancelled,))).has("lapsed")


def test_a_downtime_over_the_day_means_paying_in_full_if_discharged_then() -> None:
    answer = coverage(ask(downtime=True))
    assert answer.direct and answer.has("downtime") and answer.action == Action.CLAIM


def test_without_a_person_the_answer_depends_on_their_filing() -> None:
    answer = coverage(ask(insured_province="", filings=()))
    assert answer.answer == Answer.DEPENDS and answer.action == Action.SIGN_IN
    # What the care itself rules out is said to anyone.
    closed = dataclasses.replace(RUIJIN, networked_for=frozenset())
    assert coverage(ask(insured_province="", place=closed)).has("not_networked")


def test_every_reason_cites_the_2022_notice() -> None:
    questions = [
        ask(),
        ask(filings=()),
        ask(place=HEFEI),
        ask(filings=(filing(status="submitted"),)),
        ask(care=Care.CHRONIC, place=RUIJIN),
    ]
    for question in questions:
        for reason in coverage(question).reasons:
            assert reason.source.startswith("22号文 "), reason


def test_a_stay_paid_in_full_under_a_covering_filing_should_have_been_direct() -> None:
    answer = coverage(ask(paid_in_full=True))
    assert answer.has("should_have_been_direct") and answer.action == Action.CLAIM


def test_a_stay_already_begun_is_told_which_filings_can_start_in_the_past() -> None:
    """Only emergency and other temporary filings may start before today."""
    begun = coverage(ask(filings=(), today=DAY + dt.timedelta(days=3)))
    (fix,) = [r for r in begun.reasons if r.code == "file_before_discharge"]
    assert "急诊抢救" in str(fix.text) and "开始日期选入院当天" in str(fix.text)
    ahead = coverage(ask(filings=(), today=DAY - dt.timedelta(days=3)))
    (fix,) = [r for r in ahead.reasons if r.code == "file_before_discharge"]
    assert "现在备案" in str(fix.text) and "急诊抢救" not in str(fix.text)
