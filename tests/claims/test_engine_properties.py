"""Properties of every settlement, over generated policies, bills and years."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.engine import (
    MAX_REDUCTION,
    Band,
    BillLine,
    CareType,
    CatalogueClass,
    FacilityLevel,
    FilingSituation,
    PolicyTerms,
    Settlement,
    YearToDate,
    settle,
)

TEMPORARY = [
    FilingSituation.REFERRAL,
    FilingSituation.EMERGENCY,
    FilingSituation.OTHER_TEMPORARY,
]
FEN = Decimal("0.01")


def money(max_yuan: int, min_yuan: int = 0) -> st.SearchStrategy[Decimal]:
    return st.integers(min_yuan * 100, max_yuan * 100).map(lambda fen: Decimal(fen).scaleb(-2))


def percent(maximum: Decimal = Decimal(100)) -> st.SearchStrategy[Decimal]:
    return st.integers(0, int(maximum * 100)).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def bands(draw: st.DrawFn) -> tuple[Band, ...]:
    limits = sorted(draw(st.sets(st.integers(1, 200_000), max_size=3)))
    return tuple(
        Band(
            up_to=Decimal(limit) if limit is not None else None,
            ratios={level: draw(percent()) for level in FacilityLevel},
        )
        for limit in [*limits, None]
    )


@st.composite
def policies(draw: st.DrawFn) -> PolicyTerms:
    care_type = draw(st.sampled_from(list(CareType)))
    deductible = draw(money(5_000))
    later = (
        draw(st.none() | st.integers(0, int(deductible * 100)).map(lambda f: Decimal(f).scaleb(-2)))
        if care_type == CareType.INPATIENT
        else None
    )
    return PolicyTerms(
        care_type=care_type,
        deductible=deductible,
        later_admission_deductible=later,
        annual_cap=draw(money(800_000, min_yuan=1)),
        bands=draw(bands()),
        referral_reduction=draw(percent(MAX_REDUCTION[FilingSituation.REFERRAL])),
        emergency_reduction=draw(percent(MAX_REDUCTION[FilingSituation.EMERGENCY])),
        other_temporary_reduction=draw(percent(MAX_REDUCTION[FilingSituation.OTHER_TEMPORARY])),
    )


@st.composite
def bill_lines(draw: st.DrawFn) -> BillLine:
    catalogue_class = draw(st.sampled_from(list(CatalogueClass)))
    share = draw(percent()) if catalogue_class == CatalogueClass.B else Decimal(0)
    return BillLine(draw(money(300_000)), catalogue_class, share)


years = st.builds(
    YearToDate,
    deductible_met=money(6_000),
    fund_paid=money(900_000),
    admissions=st.integers(0, 6),
)
bills = st.lists(bill_lines(), max_size=6)
levels = st.sampled_from(list(FacilityLevel))
situations = st.sampled_from(list(FilingSituation))


def amounts(s: Settlement) -> list[Decimal]:
    per_band = [v for b in s.bands for v in (b.amount, b.fund, b.co_payment)]
    return [s.total, s.personal, s.in_scope, *s.parts.values(), *per_band]


@given(policies(), situations, levels, bills, years)
def test_the_parts_always_add_up_to_the_total(
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
) -> None:
    s = settle(policy=policy, situation=situation, level=level, lines=lines, year=year)
    assert s.total == sum((line.amount for line in lines), Decimal(0))
    assert sum(s.parts.values(), Decimal(0)) == s.total
    assert s.fund + s.personal == s.total


@given(policies(), situations, levels, bills, years)
def test_every_amount_is_non_negative_and_in_fen(
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
) -> None:
    s = settle(policy=policy, situation=situation, level=level, lines=lines, year=year)
    for amount in amounts(s):
        assert amount >= 0
        assert amount.as_tuple().exponent == -2, amount
        assert amount == amount.quantize(FEN)


@given(policies(), situations, levels, bills, years)
def test_the_fund_never_pays_beyond_what_is_left_of_the_annual_cap(
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
) -> None:
    s = settle(policy=policy, situation=situation, level=level, lines=lines, year=year)
    assert s.fund <= max(Decimal(0), policy.annual_cap - year.fund_paid)
    # Nor beyond the in-scope cost above the deductible.
    assert s.fund <= s.in_scope - s.deductible


@given(
    policies(),
    situations,
    levels,
    bills,
    years,
    st.data(),
)
def test_a_higher_ratio_never_lowers_the_fund_payment(
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
    data: st.DataObject,
) -> None:
    index = data.draw(st.integers(0, len(policy.bands) - 1))
    band = policy.bands[index]
    higher = data.draw(percent().filter(lambda r: r >= band.ratios[level]))
    raised = dataclasses.replace(
        policy,
        bands=(
            *policy.bands[:index],
            Band(up_to=band.up_to, ratios={**band.ratios, level: higher}),
            *policy.bands[index + 1 :],
        ),
    )
    before = settle(policy=policy, situation=situation, level=level, lines=lines, year=year)
    after = settle(policy=raised, situation=situation, level=level, lines=lines, year=year)
    assert after.fund >= before.fund


@given(policies(), st.sampled_from(TEMPORARY), levels, bills, years)
def test_a_temporary_filer_never_gets_more_than_a_long_term_filer_for_the_same_bill(
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
) -> None:
    temporary = settle(policy=policy, situation=situation, level=level, lines=lines, year=year)
    long_term = settle(
        policy=policy, situation=FilingSituation.LONG_TERM, level=level, lines=lines, year=year
    )
    assert temporary.fund <= long_term.fund
    assert temporary.personal >= long_term.personal


@settings(max_examples=50)
@given(policies(), levels, bills, years)
def test_without_a_filing_the_fund_pays_nothing_and_the_person_pays_it_all(
    policy: PolicyTerms,
    level: FacilityLevel,
    lines: list[BillLine],
    year: YearToDate,
) -> None:
    s = settle(policy=policy, situation=FilingSituation.NONE, level=level, lines=lines, year=year)
    assert not s.direct
    assert s.fund == 0
    assert s.personal == s.paid_in_full == s.total
