"""Finding facilities: the lookup's query and its pages."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet

from facilities import ranked
from facilities.models import EARTH_RADIUS_KM, Facility, FacilityQuerySet
from portal.models import Region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.models import User

PAGE_SIZE = 20
SEARCH_COLUMNS = ("search_text", "search_grams", "scoped_grams")
# Counting every match of a very common word costs more than it tells:
# past this many the page says "more than 1000" and asks for a narrower search.
COUNT_CAP = 1000


def default_origin(user: User | AnonymousUser) -> Region | None:
    """Where "nearest first" measures from when the person chose no city:
    the destination city (备案地) of the person's filing that covers today,
    a long-term one before a temporary one; None when there is none (the
    lookup then asks the person to choose a city)."""
    if not user.is_authenticated:
        return None
    from django.utils import timezone

    from filings.models import Filing, Status

    today = timezone.localdate()
    filing = (
        Filing.objects.filter(person=user, status=Status.EFFECTIVE, start_date__lte=today)
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


def find_facilities(
    criteria: Criteria,
    *,
    on: dt.date | None = None,
    naive_text: bool = False,
) -> FacilityQuerySet:
    """Active facilities that meet every criterion, best first. `naive_text`
    matches the name with a plain unindexed icontains instead (what the
    benchmark compares against)."""
    found = Facility.objects.active(on)
    province = criteria.province.code if criteria.province is not None else ""
    if naive_text:
        found = found.filter(name__icontains=criteria.text) if criteria.text else found
        found = found.filter(province_id=province) if province else found
    else:
        found = found.matching(criteria.text, province=province)
    if criteria.city is not None:
        found = found.filter(city=criteria.city)
    if criteria.kind:
        found = found.filter(kind=criteria.kind)
    if criteria.level:
        found = found.at_level(criteria.level)
    if criteria.service:
        found = found.offering(criteria.service)
    found = found.nearest_to(criteria.origin) if criteria.origin else found.ranked()
    # The search columns hold hundreds of pieces a row: reading them back
    # cost more than the search itself. (Cities: see result_page.)
    return found.defer(*SEARCH_COLUMNS)


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


def result_page(
    queryset: QuerySet[Any],
    number: int,
    per_page: int = PAGE_SIZE,
    *,
    cities: Mapping[str, Region] | None = None,
    count_upto: Callable[[int], int] | None = None,
) -> ResultPage:
    """The `number`-th page (clamped to the last one): the page itself and a
    count that stops after COUNT_CAP + 1 rows — or no count at all when the
    first page is not full (a rare name: the page is every match).
    `count_upto(cap)` counts instead of the queryset without its order.

    `cities` (code -> Region with its parent loaded, kept in the process)
    fills each facility's city instead of joining the region table twice."""
    if cities is None:
        queryset = queryset.select_related("city__parent")
    items: list[Any] | None = None
    if number == 1:
        items = list(queryset[:per_page])
        if len(items) < per_page:
            return ResultPage(
                items=_with_cities(items, cities), number=1, count=len(items), capped=False
            )
    if count_upto is None:
        count = queryset.order_by()[: COUNT_CAP + 1].count()
    else:
        count = count_upto(COUNT_CAP + 1)
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    last = max(1, math.ceil(count / per_page))
    number = min(number, last)
    start = (number - 1) * per_page
    if items is None or number != 1:
        items = list(queryset[start : start + per_page]) if count else []
    return ResultPage(
        items=_with_cities(items, cities),
        number=number,
        count=count,
        capped=capped,
        per_page=per_page,
    )


def lookup_page(
    criteria: Criteria,
    number: int,
    *,
    cities: Mapping[str, Region] | None = None,
    on: dt.date | None = None,
) -> ResultPage:
    """The `number`-th page of the lookup for `criteria`. A nationwide search
    goes level by level (facilities.ranked), or outward from the origin
    when nearest first and the matches are common; the rest is one query
    (find_facilities, result_page)."""
    nationwide = ranked.search_for(criteria)
    if criteria.origin is None:
        if nationwide is None:
            return result_page(find_facilities(criteria, on=on), number, PAGE_SIZE, cities=cities)
        # The first COUNT_CAP + 1 matches in rank order are the count and
        # every page the lookup shows (none lies past COUNT_CAP): one pass
        # through the levels, where a page and then its count took two
        # (药房: 17.8 ms that way, 9.6 this way).
        ranked_ids = ranked.first_ids(nationwide, COUNT_CAP + 1, on=on)
        return _page_of_ids(
            lambda _wanted: ranked_ids, lambda _cap: len(ranked_ids), number, cities=cities
        )
    # Nearest first, nationwide: outward from the origin when matches are
    # common and the page lies within the walk's budget; else the matches
    # found in the level-scoped index, measured. In a province or a city, or
    # from a city without coordinates: one plain query.
    origin = criteria.origin
    wanted = number * PAGE_SIZE
    count_upto: Callable[[int], int] | None = None
    matches: int | None = None
    if nationwide is not None and ranked.count_first(criteria, nationwide):
        counted = ranked.count_upto(nationwide, COUNT_CAP + 1, on=on)
        count_upto = lambda _cap: counted  # noqa: E731 (the count, kept)
        matches = ranked.matches_counted(nationwide, counted, COUNT_CAP + 1)
    ids: list[int] | None = None
    if ranked.walk_outward(criteria, nationwide, wanted, matches=matches):
        ids = ranked.nearest_ids(criteria, nationwide, wanted, on=on, matches=matches)
    if (
        ids is None
        and nationwide is not None
        and ranked.nearest_first_nationwide(criteria)
        and not ranked.few_by_name(nationwide)
        and not (matches is not None and ranked.several_grams(nationwide))
    ):
        ids = ranked.nearest_looked_up(criteria, nationwide, wanted, on=on)
    if ids is None:
        found = find_facilities(criteria, on=on)
        return result_page(found, number, PAGE_SIZE, cities=cities, count_upto=count_upto)
    found_ids = ids
    if count_upto is None:
        count_upto = (
            partial(ranked.count_upto, nationwide, on=on)
            if nationwide is not None
            else partial(_count_upto, find_facilities(criteria, on=on))
        )
    return _page_of_ids(lambda _wanted: found_ids, count_upto, number, cities=cities, origin=origin)


def _count_upto(found: QuerySet[Any], cap: int) -> int:
    return found.order_by()[:cap].count()


def _page_of_ids(
    first_ids: Callable[[int], list[int]],
    count_upto: Callable[[int], int],
    number: int,
    *,
    cities: Mapping[str, Region] | None,
    origin: Region | None = None,
) -> ResultPage:
    """The `number`-th page from the ids of the first matches in order
    (`first_ids(wanted)`) and a capped count, then those facilities read
    by id (with their distance from `origin`, if given)."""
    wanted = number * PAGE_SIZE
    count: int | None = None
    if number > 1:
        count = count_upto(COUNT_CAP + 1)
        last = max(1, math.ceil(min(count, COUNT_CAP) / PAGE_SIZE))
        number = min(number, last)
        wanted = number * PAGE_SIZE
    ids = first_ids(wanted)
    page_ids = ids[(number - 1) * PAGE_SIZE : wanted]
    if count is None:
        # Page 1: a short first page is every match, no count needed.
        count = len(ids) if len(ids) < PAGE_SIZE else count_upto(COUNT_CAP + 1)
    if cities is None:
        rows = Facility.objects.defer(*SEARCH_COLUMNS).select_related("city__parent")
        if origin is not None:
            rows = rows.nearest_to(origin)  # for distance_km
        by_pk = rows.in_bulk(page_ids)
    else:
        by_pk = facilities_by_id(page_ids, origin)
    items = [by_pk[pk] for pk in page_ids if pk in by_pk]
    return ResultPage(
        items=_with_cities(items, cities),
        number=number,
        count=min(count, COUNT_CAP),
        capped=count > COUNT_CAP,
        per_page=PAGE_SIZE,
    )


@cache
def _card_columns() -> str:
    """Every column of the facility but the search columns."""
    return ", ".join(
        connection.ops.quote_name(field.column)
        for field in Facility._meta.concrete_fields
        if field.name not in SEARCH_COLUMNS
    )


# FacilityQuerySet.nearest_to's distance (models.distance_km_from), in SQL.
_DISTANCE_KM = (
    "asin(sqrt(power(sin((radians(latitude) - %s) / 2), 2)"
    " + cos(%s) * cos(radians(latitude)) * power(sin((radians(longitude) - %s) / 2), 2)))"
    " * %s"
)


def facilities_by_id(ids: list[int], origin: Region | None = None) -> dict[int, Facility]:
    """Those facilities by id, without their search columns, and with
    `distance_km` from `origin` (None without its coordinates or theirs) as
    FacilityQuerySet.nearest_to gives it. Written out in SQL: the ORM took a
    millisecond to build the distance, more than the query takes to run."""
    columns, params = _card_columns(), []
    if origin is not None:
        if origin.latitude is None or origin.longitude is None:
            columns += ", NULL::double precision AS distance_km"
        else:
            latitude = math.radians(float(origin.latitude))
            longitude = math.radians(float(origin.longitude))
            columns += f", {_DISTANCE_KM} AS distance_km"
            params = [latitude, latitude, longitude, 2 * EARTH_RADIUS_KM]
    sql = f"SELECT {columns} FROM {Facility._meta.db_table} WHERE id = ANY(%s)"  # noqa: S608 (constant fragments)
    return {row.pk: row for row in Facility.objects.raw(sql, [*params, ids])}


def _with_cities(items: list[Any], cities: Mapping[str, Region] | None) -> list[Any]:
    if cities is not None:
        for item in items:
            city = cities.get(item.city_id)
            if city is not None:
                item.city = city
    return items
