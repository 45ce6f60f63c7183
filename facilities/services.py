"""Finding facilities, and the writes that keep their postings current.

A lookup is one query (find_facilities): the facilities whose positions lie
in the intersection of the postings of every piece of the search (the typed
text and each filter, FacilityQuerySet.matching), active on the day, read
in position order, which is rank order: PostgreSQL walks the `position`
index through the intersection and stops after COUNT_CAP + 1 rows, which
give the count, and reads the page's rows (_ranked_page).

Nearest first: with at most COUNT_CAP matches (counted first), they are
measured and sorted. With more, PostgreSQL walks outward from the city's
centre through the location index, checking each row against the search
(scan_facilities), until the last match the page shows; the matches no
farther than that are then measured and sorted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from facilities import postings
from facilities.models import Facility, FacilityQuerySet
from facilities.search import filter_piece
from filings.models import Filing, Status
from portal.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User

PAGE_SIZE = 20
SEARCH_COLUMNS = ("search_text", "search_pieces")
# Counting every match of a very common word costs more than it tells:
# past this many the page says "more than 1000" and asks for a narrower search.
COUNT_CAP = 1000


def default_origin(person: User | AnonymousUser | None) -> Region | None:
    """Where "nearest first" measures from when the person chose no city:
    the destination city (备案地) of the filing of the person whose records
    are shown (the one signed in, or the relative they act for) that covers
    today, a long-term one before a temporary one; None when there is none
    (the lookup then asks the person to choose a city)."""
    if person is None or not person.is_authenticated:
        return None
    today = timezone.localdate()
    filing = (
        Filing.objects.filter(person=person, status=Status.EFFECTIVE, start_date__lte=today)
        .current(today)
        .select_related("destination__parent")
        .order_by("group", "-start_date")  # "long_term" sorts before "temporary"
        .first()
    )
    return filing.destination if filing else None


@dataclass(frozen=True)
class Criteria:
    """A lookup, as the search form cleaned it."""

    text: str = ""
    province: Region | None = None
    city: Region | None = None
    kind: str = ""
    level: str = ""
    service: str = ""
    origin: Region | None = None  # set: nearest first, from this city's centre

    def filter_pieces(self) -> list[str]:
        """The pieces its filters stand for (search.filter_piece)."""
        filters = [
            # A city is in one province: its posting is the shorter of the two.
            ("province", self.province.code if self.province and not self.city else ""),
            ("city", self.city.code if self.city else ""),
            ("kind", self.kind),
            ("level", self.level),
            ("service", self.service),
        ]
        return [filter_piece(name, value) for name, value in filters if value]


def find_facilities(criteria: Criteria, *, on: dt.date | None = None) -> FacilityQuerySet:
    """Active facilities that meet every criterion, through the postings,
    in rank order."""
    found = Facility.objects.active(on).matching(criteria.text, filters=criteria.filter_pieces())
    return found.order_by("position")


def scan_facilities(criteria: Criteria, *, on: dt.date | None = None) -> FacilityQuerySet:
    """The same facilities as find_facilities, by checking each row's own
    columns instead of the postings (unordered): what the walk outward from
    a city checks, and the plain query the tests hold the postings to."""
    found = Facility.objects.active(on).containing(criteria.text)
    if criteria.province is not None:
        found = found.filter(province=criteria.province)
    if criteria.city is not None:
        found = found.filter(city=criteria.city)
    if criteria.kind:
        found = found.filter(kind=criteria.kind)
    if criteria.level:
        found = found.at_level(criteria.level)
    if criteria.service:
        found = found.offering(criteria.service)
    return found


@dataclass(frozen=True)
class ResultPage:
    """One page of results with a count that stops at COUNT_CAP."""

    items: list[Any]
    number: int
    count: int
    capped: bool
    per_page: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything odd is page 1."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return number if 1 <= number <= 10_000 else 1


# The page of `first` (the ids and positions of the first matches) from
# row %s to row %s, each row with how many matches `first` holds.
PAGE_OF_FIRST = """
SELECT {columns}, numbered.matches FROM (
    SELECT id, row_number() OVER (ORDER BY position) AS n, count(*) OVER () AS matches
    FROM ({first}) AS first
) AS numbered JOIN {table} USING (id)
WHERE numbered.n > %s AND numbered.n <= %s ORDER BY numbered.n
"""


def lookup_page(
    criteria: Criteria,
    number: int,
    *,
    cities: Mapping[str, Region] | None = None,
    on: dt.date | None = None,
) -> ResultPage:
    """The `number`-th page (clamped to the last one) of the lookup for
    `criteria`, and its count up to COUNT_CAP (see the module's docstring).
    `cities` (code -> Region with its parent loaded, kept in the process)
    fills each facility's city instead of a query."""
    found = find_facilities(criteria, on=on)
    origin = criteria.origin
    if origin is None or origin.latitude is None or origin.longitude is None:
        return _ranked_page(found, number, cities)
    count = found[: COUNT_CAP + 1].count()
    number = min(number, _last_page(count))
    nearest = found
    if count > COUNT_CAP:
        # Too many to measure them all: the page reaches no farther than its
        # last match, so only the matches that near are measured.
        nearby = scan_facilities(criteria, on=on)
        farthest = nearby.nearness_of(origin, number * PAGE_SIZE)
        # None: the page reaches the matches without coordinates (rare).
        nearest = nearby if farthest is None else nearby.around(origin, farthest)
    start = (number - 1) * PAGE_SIZE
    items = nearest.nearest_to(origin).defer(*SEARCH_COLUMNS)[start : start + PAGE_SIZE]
    return _page(list(items), number, count, cities)


def _ranked_page(
    found: FacilityQuerySet, number: int, cities: Mapping[str, Region] | None
) -> ResultPage:
    """The page of `found` in rank order and its count in one query: the
    first COUNT_CAP + 1 matches are numbered and counted by their ids, and
    only the page's rows are read (a page, then its count, would intersect
    the postings twice)."""
    first, params = found.values("id", "position")[: COUNT_CAP + 1].query.sql_with_params()
    table = Facility._meta.db_table
    columns = ", ".join(
        f"{table}.{field.column}"
        for field in Facility._meta.concrete_fields
        if field.name not in SEARCH_COLUMNS
    )
    sql = PAGE_OF_FIRST.format(columns=columns, first=first, table=table)
    start = (number - 1) * PAGE_SIZE
    items = list(Facility.objects.raw(sql, [*params, start, start + PAGE_SIZE]))
    count: int = items[0].matches if items else 0  # type: ignore[attr-defined]
    if number > 1 and not items:
        count = found[: COUNT_CAP + 1].count()  # past the last page: which is it?
    if number > _last_page(count):
        return _ranked_page(found, _last_page(count), cities)
    return _page(items, number, count, cities)


def _last_page(count: int) -> int:
    return max(1, math.ceil(min(count, COUNT_CAP) / PAGE_SIZE))


def _page(
    items: list[Facility], number: int, count: int, cities: Mapping[str, Region] | None
) -> ResultPage:
    if cities is None:
        wanted = {item.city_id for item in items}
        cities = Region.objects.select_related("parent").in_bulk(wanted)
    for item in items:
        if item.city_id in cities:
            item.city = cities[item.city_id]
    return ResultPage(
        items,
        number=number,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        per_page=PAGE_SIZE,
    )


@transaction.atomic
def save_facility(facility: Facility) -> None:
    """Save a new or changed facility (the admin's form) with its search
    columns, and its postings in the same transaction."""
    postings.lock()
    before = postings.entries([facility.pk] if facility.pk else [])
    facility.index_names()
    facility.save()
    postings.update(before, [facility.pk])


@transaction.atomic
def delete_facilities(facilities: QuerySet[Facility]) -> None:
    """Delete these facilities and take them out of the postings."""
    postings.lock()
    ids = list(facilities.values_list("pk", flat=True))
    before = postings.entries(ids)
    Facility.objects.filter(pk__in=ids).delete()
    postings.update(before, ids)
