"""The filing rules of 医保发〔2022〕22号 as digested in domain.md."""

from __future__ import annotations

import datetime as dt

import pytest

from filings import rules
from filings.rules import Category, RegionRules

D = dt.date


def test_temporary_filings_are_valid_at_least_six_months() -> None:
    last = rules.valid_until(Category.REFERRAL, D(2026, 1, 15), RegionRules())
    assert last == D(2026, 7, 14)
    with pytest.raises(ValueError):
        RegionRules(temporary_validity_months=5)


def test_a_region_may_set_a_longer_temporary_validity() -> None:
    assert rules.valid_until(
        Category.EMERGENCY, D(2026, 1, 1), RegionRules(temporary_validity_months=12)
    ) == D(2026, 12, 31)


@pytest.mark.parametrize(
    "category", [Category.RETIRED_RESETTLEMENT, Category.LONG_TERM_RESIDENCE, Category.POSTED_WORK]
)
def test_long_term_filings_have_no_end(category: str) -> None:
    assert rules.valid_until(category, D(2026, 1, 1), RegionRules()) is None


def test_months_are_added_to_the_end_of_a_short_month() -> None:
    assert rules.add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert rules.add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)


def test_an_admission_within_validity_is_covered_even_if_discharge_is_after_it() -> None:
    start, last = D(2026, 1, 1), D(2026, 6, 30)
    assert rules.covers(start, last, D(2026, 6, 30))  # admitted on the last day
    assert not rules.covers(start, last, D(2026, 7, 1))
    assert not rules.covers(start, last, D(2025, 12, 31))
    assert rules.covers(start, None, D(2040, 1, 1))  # long-term: no end


def test_emergency_and_other_temporary_filings_may_start_in_the_past_within_the_limit() -> None:
    today = D(2026, 11, 22)
    region = RegionRules(retroactive_days=30)
    assert rules.earliest_start(Category.EMERGENCY, today, region) == D(2026, 10, 23)
    assert rules.earliest_start(Category.OTHER_TEMPORARY, today, region) == D(2026, 10, 23)
    for category in (Category.REFERRAL, Category.RETIRED_RESETTLEMENT, Category.POSTED_WORK):
        assert rules.earliest_start(category, today, region) == today


def test_long_term_filings_may_be_locked_for_up_to_six_months() -> None:
    assert rules.first_change_day(
        Category.RETIRED_RESETTLEMENT, D(2026, 3, 1), RegionRules(change_lock_months=3)
    ) == D(2026, 6, 1)
    # Temporary filings are never locked, nor long-term ones where the region sets no lock.
    assert (
        rules.first_change_day(Category.REFERRAL, D(2026, 3, 1), RegionRules(change_lock_months=3))
        is None
    )
    assert rules.first_change_day(Category.POSTED_WORK, D(2026, 3, 1), RegionRules()) is None
    with pytest.raises(ValueError):
        RegionRules(change_lock_months=7)


def test_a_destination_in_the_insured_province_is_not_cross_province() -> None:
    assert not rules.is_cross_province("340000", "340000")
    assert rules.is_cross_province("340000", "310000")


def test_days_left_counts_today_and_stops_at_zero() -> None:
    assert rules.days_left(D(2026, 1, 10), D(2026, 1, 10)) == 1
    assert rules.days_left(D(2026, 1, 10), D(2026, 2, 1)) == 0
    assert rules.days_left(None, D(2026, 1, 1)) is None


def test_an_online_filing_is_due_by_the_next_working_day() -> None:
    assert rules.next_working_day_end(D(2026, 11, 19)) == D(2026, 11, 20)  # Thu -> Fri
    assert rules.next_working_day_end(D(2026, 11, 20)) == D(2026, 11, 23)  # Fri -> Mon


def test_public_holidays_are_skipped_and_make_up_days_count() -> None:
    # 2026 Spring Festival: 15-23 February off; Saturday 14 February worked (调休).
    assert rules.next_working_day_end(D(2026, 2, 13)) == D(2026, 2, 14)  # Fri -> make-up Sat
    assert rules.next_working_day_end(D(2026, 2, 14)) == D(2026, 2, 24)  # after the holiday
    assert rules.last_working_day_before(D(2026, 2, 24)) == D(2026, 2, 14)
    # National Day: 1-7 October off; Saturday 10 October worked.
    assert rules.next_working_day_end(D(2026, 9, 30)) == D(2026, 10, 8)
    assert rules.next_working_day_end(D(2026, 10, 9)) == D(2026, 10, 10)  # Fri -> make-up Sat
    assert not rules.is_working_day(D(2026, 10, 5)) and rules.is_working_day(D(2026, 10, 10))


def test_a_year_without_a_published_schedule_counts_monday_to_friday() -> None:
    assert rules.holidays_known_for(2026) and not rules.holidays_known_for(2099)
    assert rules.next_working_day_end(D(2099, 1, 2)) == D(2099, 1, 5)  # Fri -> Mon
    assert rules.last_working_day_before(D(2099, 1, 5)) == D(2099, 1, 2)
    assert rules.is_working_day(D(2099, 1, 1))  # a Thursday; its holidays are not known yet
