"""Filing rules as pure functions on plain values: no ORM, no clock.

Sources: ../shared/domain.md ("Filing categories", "Validity and changes"),
which digests 医保发〔2022〕22号 (../shared/seeds/000_*.txt), the current
national rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import chinese_calendar


class Group(StrEnum):
    LONG_TERM = "long_term"
    TEMPORARY = "temporary"


class Category(StrEnum):
    # 跨省异地长期居住人员 (22号文 二(一))
    RETIRED_RESETTLEMENT = "retired"
    LONG_TERM_RESIDENCE = "resident"
    POSTED_WORK = "posted"
    # 跨省临时外出就医人员 (22号文 二(一))
    REFERRAL = "referral"
    EMERGENCY = "emergency"
    OTHER_TEMPORARY = "other"


LONG_TERM_CATEGORIES = frozenset(
    {Category.RETIRED_RESETTLEMENT, Category.LONG_TERM_RESIDENCE, Category.POSTED_WORK}
)
# Retroactive filing (补办) before discharge settlement: emergency and other
# temporary care can start before the filing is made (domain.md, 补办).
RETROACTIVE_CATEGORIES = frozenset({Category.EMERGENCY, Category.OTHER_TEMPORARY})

MIN_TEMPORARY_VALIDITY_MONTHS = 6  # "临时外出就医人员备案有效期原则上不少于6个月"
MAX_CHANGE_LOCK_MONTHS = 6  # long-term: "可设置变更或取消备案的时限，原则上不超过6个月"


def group_of(category: str) -> Group:
    return Group.LONG_TERM if category in LONG_TERM_CATEGORIES else Group.TEMPORARY


@dataclass(frozen=True)
class RegionRules:
    """An insured region's filing settings (plain values, checked on creation)."""

    temporary_validity_months: int = MIN_TEMPORARY_VALIDITY_MONTHS
    change_lock_months: int = 0
    online_effective_at_once: bool = True
    retroactive_days: int = 90

    def __post_init__(self) -> None:
        if self.temporary_validity_months < MIN_TEMPORARY_VALIDITY_MONTHS:
            raise ValueError("temporary filings are valid at least 6 months")
        if not 0 <= self.change_lock_months <= MAX_CHANGE_LOCK_MONTHS:
            raise ValueError("the change lock of long-term filings is 0 to 6 months")
        if self.retroactive_days < 0:
            raise ValueError("retroactive_days cannot be negative")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(category: str, start: dt.date, rules: RegionRules) -> dt.date | None:
    """Last day of validity: none for long-term filings ("长期有效"); for
    temporary filings the region's period, at least six months (22号文 二(三))."""
    if group_of(category) is Group.LONG_TERM:
        return None
    return add_months(start, rules.temporary_validity_months) - dt.timedelta(days=1)


def covers(start: dt.date, last_day: dt.date | None, admission: dt.date) -> bool:
    """An admission that starts within validity is covered, even when the
    discharge falls after the filing expires (domain.md, Validity)."""
    return start <= admission and (last_day is None or admission <= last_day)


def earliest_start(category: str, today: dt.date, rules: RegionRules) -> dt.date:
    """Emergency and other temporary care may be filed retroactively, within
    the region's limit, so a person still in hospital can file before
    discharge; every other filing starts today or later."""
    if category in RETROACTIVE_CATEGORIES:
        return today - dt.timedelta(days=rules.retroactive_days)
    return today


def first_change_day(category: str, effective_from: dt.date, rules: RegionRules) -> dt.date | None:
    """First day a filing may be changed or cancelled, or None when it may be
    at any time: long-term filings may be locked for up to six months after
    taking effect (22号文); temporary ones never are."""
    if group_of(category) is Group.LONG_TERM and rules.change_lock_months:
        return add_months(effective_from, rules.change_lock_months)
    return None


def province_of(region_code: str) -> str:
    """The province of a GB/T 2260 code: its first two digits ('340100' is in
    '340000'; 济源 419001 in 410000). 新疆生产建设兵团 (660000) is a
    province-level region of its own."""
    return f"{region_code[:2]}0000" if region_code else ""


def is_cross_province(insured_province: str, destination_province: str) -> bool:
    """This service is for care in another province (跨省): a destination in
    the insured province is handled by the province's own rules."""
    return insured_province != destination_province


def days_left(last_day: dt.date | None, today: dt.date) -> int | None:
    """Days of validity left including today; None when open-ended."""
    if last_day is None:
        return None
    return max((last_day - today).days + 1, 0)


def holidays_known_for(year: int) -> bool:
    """Whether the chinesecalendar package lists the State Council's holiday
    schedule for `year` (published each year around November; upgrade the
    package once it is out)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    """A working day in mainland China: public holidays (春节, 国庆…) are
    off and the make-up days that move work to a Saturday or Sunday (调休)
    are on, as the State Council publishes them (the chinesecalendar
    package). For a year the package does not list yet, Monday to Friday.
    Kept per day: the package takes 25 µs a call, and the review queue asks
    for every row it lists."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_working_day_end(submitted: dt.date) -> dt.date:
    """An online filing is settled by the next working day at the latest
    (domain.md, Processing time): the first working day after the day it
    was submitted."""
    day = submitted + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def last_working_day_before(today: dt.date) -> dt.date:
    """The last working day before `today`. A filing submitted before it is
    overdue today (its next working day has ended): the same rule as
    next_working_day_end, for a query on the submission time."""
    day = today - dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day
