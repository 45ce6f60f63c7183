"""Hand-worked settlements. Every expected figure is worked out in the
comments from the policy below, not taken from the program's output."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from claims.engine import (
    Band,
    BillLine,
    CareType,
    CatalogueClass,
    FacilityLevel,
    FilingSituation,
    PolicyTerms,
    YearToDate,
    settle,
)

L1, L2, L3 = FacilityLevel.LEVEL_1, FacilityLevel.LEVEL_2, FacilityLevel.LEVEL_3
A, B, C = CatalogueClass.A, CatalogueClass.B, CatalogueClass.C

# Inpatient: 1,000 per admission (500 for later ones this year), cap 100,000.
# In-scope cost up to 30,000: 90% / 85% / 80% at level 1 / 2 / 3; above: 95 / 90 / 85.
# Temporary filers: referral −10 points, emergency −5, other −20.
INPATIENT = PolicyTerms(
    care_type=CareType.INPATIENT,
    deductible=D("1000.00"),
    later_admission_deductible=D("500.00"),
    annual_cap=D("100000.00"),
    bands=(
        Band(up_to=D("30000.00"), ratios={L1: D(90), L2: D(85), L3: D(80)}),
        Band(up_to=None, ratios={L1: D(95), L2: D(90), L3: D(85)}),
    ),
    referral_reduction=D(10),
    emergency_reduction=D(5),
    other_temporary_reduction=D(20),
)

# General outpatient: 500 a year, cap 2,000, one band 75% / 60% / 50%.
OUTPATIENT = PolicyTerms(
    care_type=CareType.GENERAL_OUTPATIENT,
    deductible=D("500.00"),
    annual_cap=D("2000.00"),
    bands=(Band(up_to=None, ratios={L1: D(75), L2: D(60), L3: D(50)}),),
)

# 甲 20,000 + 乙 10,000 (10% first self-paid) + 丙 2,000 = 32,000.
STAY = [
    BillLine(D("20000.00"), A),
    BillLine(D("10000.00"), B, D(10)),
    BillLine(D("2000.00"), C),
]


def test_a_long_term_filer_at_a_level_3_hospital_pays_the_local_terms() -> None:
    s = settle(policy=INPATIENT, situation=FilingSituation.LONG_TERM, level=L3, lines=STAY)
    # 丙 2,000 is out of the catalogue; 乙's first share is 10% of 10,000 = 1,000.
    # In scope: 32,000 − 2,000 − 1,000 = 29,000. First admission: deductible 1,000.
    # Band up to 30,000 holds 1,000..29,000 = 28,000 at 80%: fund 22,400, co-pay 5,600.
    assert s.direct
    assert s.total == D("32000.00")
    assert s.out_of_catalogue == D("2000.00")
    assert s.first_self_pay == D("1000.00")
    assert s.in_scope == D("29000.00")
    assert s.deductible == D("1000.00")
    assert [(b.amount, b.ratio, b.fund, b.co_payment) for b in s.bands] == [
        (D("28000.00"), D(80), D("22400.00"), D("5600.00")),
        (D("0.00"), D(85), D("0.00"), D("0.00")),
    ]
    assert s.over_cap == D("0.00")
    assert s.fund == D("22400.00")
    # 2,000 + 1,000 + 1,000 + 5,600 = 9,600 = 32,000 − 22,400.
    assert s.personal == D("9600.00")


def test_a_referral_is_paid_ten_points_lower_than_the_local_terms() -> None:
    s = settle(policy=INPATIENT, situation=FilingSituation.REFERRAL, level=L3, lines=STAY)
    # Same 28,000 in the first band, at 80 − 10 = 70%: fund 19,600, co-pay 8,400.
    assert s.bands[0].ratio == D(70)
    assert s.fund == D("19600.00")
    assert s.co_payment == D("8400.00")
    # 2,000 + 1,000 + 1,000 + 8,400 = 12,400.
    assert s.personal == D("12400.00")


def test_an_emergency_gets_its_own_reduction() -> None:
    s = settle(policy=INPATIENT, situation=FilingSituation.EMERGENCY, level=L1, lines=STAY)
    # Level 1, 90 − 5 = 85%: 28,000 × 85% = 23,800.
    assert s.fund == D("23800.00")


def test_a_later_admission_crossing_two_bands_as_an_other_temporary_filer() -> None:
    lines = [BillLine(D("50000.00"), A), BillLine(D("8000.00"), B, D(5))]
    year = YearToDate(admissions=1)
    s = settle(
        policy=INPATIENT,
        situation=FilingSituation.OTHER_TEMPORARY,
        level=L2,
        lines=lines,
        year=year,
    )
    # 乙 share: 5% of 8,000 = 400. In scope: 58,000 − 400 = 57,600.
    # Second admission of the year: deductible 500.
    # Band 1: 500..30,000 = 29,500 at 85 − 20 = 65% → 19,175; co-pay 10,325.
    # Band 2: 30,000..57,600 = 27,600 at 90 − 20 = 70% → 19,320; co-pay 8,280.
    assert s.first_self_pay == D("400.00")
    assert s.deductible == D("500.00")
    assert [(b.amount, b.ratio, b.fund) for b in s.bands] == [
        (D("29500.00"), D(65), D("19175.00")),
        (D("27600.00"), D(70), D("19320.00")),
    ]
    # Fund 19,175 + 19,320 = 38,495; personal 400 + 500 + 10,325 + 8,280 = 19,505.
    assert s.fund == D("38495.00")
    assert s.co_payment == D("18605.00")
    assert s.personal == D("19505.00")


def test_the_fund_stops_at_what_is_left_of_the_annual_cap() -> None:
    year = YearToDate(fund_paid=D("90000.00"))
    s = settle(
        policy=INPATIENT, situation=FilingSituation.LONG_TERM, level=L3, lines=STAY, year=year
    )
    # Fund due 22,400 (first example), but only 100,000 − 90,000 = 10,000 is left.
    assert s.fund == D("10000.00")
    assert s.over_cap == D("12400.00")
    # 32,000 − 10,000 = 22,000.
    assert s.personal == D("22000.00")


def test_a_cap_already_used_up_leaves_everything_over_the_cap() -> None:
    year = YearToDate(fund_paid=D("120000.00"))
    s = settle(
        policy=INPATIENT, situation=FilingSituation.LONG_TERM, level=L3, lines=STAY, year=year
    )
    assert s.fund == D("0.00")
    assert s.over_cap == D("22400.00")
    assert s.personal == D("32000.00")


def test_a_bill_below_the_deductible_is_all_deductible() -> None:
    s = settle(
        policy=INPATIENT,
        situation=FilingSituation.LONG_TERM,
        level=L1,
        lines=[BillLine(D("600.00"), A)],
    )
    # 600 in scope, all of it under the 1,000 deductible.
    assert s.deductible == D("600.00")
    assert s.fund == D("0.00")
    assert s.personal == D("600.00")


def test_the_inpatient_deductible_is_per_admission_not_reduced_by_earlier_outpatient_care() -> None:
    year = YearToDate(deductible_met=D("1000.00"), admissions=0)
    s = settle(
        policy=INPATIENT, situation=FilingSituation.LONG_TERM, level=L3, lines=STAY, year=year
    )
    assert s.deductible == D("1000.00")


def test_without_a_lower_figure_a_later_admission_pays_the_full_deductible() -> None:
    policy = PolicyTerms(
        care_type=CareType.INPATIENT,
        deductible=D("1500.00"),
        annual_cap=D("600000.00"),
        bands=(Band(up_to=None, ratios={L1: D(92), L2: D(88), L3: D(85)}),),
    )
    year = YearToDate(admissions=3)
    s = settle(
        policy=policy,
        situation=FilingSituation.LONG_TERM,
        level=L3,
        lines=[BillLine(D("11500.00"), A)],
        year=year,
    )
    # 11,500 − 1,500 = 10,000 at 85% = 8,500.
    assert s.deductible == D("1500.00")
    assert s.fund == D("8500.00")


def test_the_outpatient_deductible_is_annual_and_rounding_is_half_up() -> None:
    year = YearToDate(deductible_met=D("300.00"))
    s = settle(
        policy=OUTPATIENT,
        situation=FilingSituation.LONG_TERM,
        level=L3,
        lines=[BillLine(D("800.25"), A)],
        year=year,
    )
    # 500 − 300 = 200 still due. 800.25 − 200 = 600.25 at 50% = 300.125 → 300.13
    # (half up; banker's rounding would give 300.12).
    assert s.deductible == D("200.00")
    assert s.fund == D("300.13")
    assert s.co_payment == D("300.12")
    assert s.personal == D("500.12")


def test_a_met_outpatient_deductible_is_not_charged_again() -> None:
    year = YearToDate(deductible_met=D("800.00"))
    s = settle(
        policy=OUTPATIENT,
        situation=FilingSituation.LONG_TERM,
        level=L1,
        lines=[BillLine(D("100.00"), A)],
        year=year,
    )
    # Nothing left of the 500; 100 at 75% = 75.
    assert s.deductible == D("0.00")
    assert s.fund == D("75.00")


def test_the_first_self_paid_share_of_a_class_b_item_rounds_half_up_to_the_fen() -> None:
    s = settle(
        policy=OUTPATIENT,
        situation=FilingSituation.LONG_TERM,
        level=L1,
        lines=[BillLine(D("0.05"), B, D(10)), BillLine(D("0.15"), B, D(10))],
    )
    # 0.05 × 10% = 0.005 → 0.01; 0.15 × 10% = 0.015 → 0.02 (per line).
    assert s.first_self_pay == D("0.03")


def test_without_a_filing_there_is_no_direct_settlement() -> None:
    # 医保发〔2022〕22号: direct settlement needs a filing; otherwise pay in full
    # at the facility and claim manual reimbursement (手工报销) at home.
    s = settle(policy=INPATIENT, situation=FilingSituation.NONE, level=L3, lines=STAY)
    assert not s.direct
    assert s.needs_manual_reimbursement
    assert s.fund == D("0.00")
    assert s.paid_in_full == D("32000.00")
    assert s.personal == D("32000.00")
    assert s.bands == ()


def test_an_empty_bill_costs_nothing() -> None:
    s = settle(policy=INPATIENT, situation=FilingSituation.LONG_TERM, level=L3, lines=[])
    assert (s.total, s.fund, s.personal) == (D("0.00"), D("0.00"), D("0.00"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("referral_reduction", D("10.01")),
        ("emergency_reduction", D(11)),
        ("other_temporary_reduction", D("20.5")),
        ("referral_reduction", D(-1)),
    ],
)
def test_the_engine_refuses_a_reduction_beyond_the_national_limit(field: str, value: D) -> None:
    with pytest.raises(ValueError, match="reduction"):
        PolicyTerms(
            care_type=CareType.INPATIENT,
            deductible=D(0),
            annual_cap=D(1000),
            bands=(Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),),
            **{field: value},
        )


def test_the_engine_allows_exactly_the_national_limits() -> None:
    PolicyTerms(
        care_type=CareType.INPATIENT,
        deductible=D(0),
        annual_cap=D(1000),
        bands=(Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),),
        referral_reduction=D(10),
        emergency_reduction=D(10),
        other_temporary_reduction=D(20),
    )


@pytest.mark.parametrize(
    "bands",
    [
        (),
        (Band(up_to=D(100), ratios={L1: D(90), L2: D(90), L3: D(90)}),),
        (
            Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),
            Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),
        ),
        (
            Band(up_to=D(200), ratios={L1: D(90), L2: D(90), L3: D(90)}),
            Band(up_to=D(100), ratios={L1: D(90), L2: D(90), L3: D(90)}),
            Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),
        ),
        (Band(up_to=None, ratios={L1: D(90), L2: D(90)}),),
        (Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(101)}),),
    ],
    ids=["none", "no-top-band", "two-top-bands", "unsorted", "missing-level", "over-100"],
)
def test_the_engine_refuses_bands_that_do_not_cover_every_yuan_once(
    bands: tuple[Band, ...],
) -> None:
    with pytest.raises(ValueError):
        PolicyTerms(care_type=CareType.INPATIENT, deductible=D(0), annual_cap=D(1000), bands=bands)


@pytest.mark.parametrize(
    "make",
    [
        lambda: BillLine(D("-1.00"), A),
        lambda: BillLine(D("1.005"), A),
        lambda: BillLine(D("NaN"), A),
        lambda: BillLine(D("100.00"), A, D(10)),
        lambda: BillLine(D("100.00"), B, D(101)),
        lambda: YearToDate(fund_paid=D("-0.01")),
        lambda: YearToDate(admissions=-1),
    ],
    ids=["negative", "sub-fen", "nan", "share-on-A", "share-over-100", "negative-paid", "admits"],
)
def test_the_engine_refuses_amounts_that_are_not_money(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_a_later_admission_deductible_is_for_inpatient_care_only() -> None:
    with pytest.raises(ValueError, match="inpatient"):
        PolicyTerms(
            care_type=CareType.GENERAL_OUTPATIENT,
            deductible=D(500),
            later_admission_deductible=D(250),
            annual_cap=D(1000),
            bands=(Band(up_to=None, ratios={L1: D(90), L2: D(90), L3: D(90)}),),
        )
