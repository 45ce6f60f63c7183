"""Nationwide lookups in rank order, one level at a time.

The lookup lists the best-ranked facilities first: real before demo rows,
then 三级甲等 down to 未定级, then pinyin (FacilityQuerySet.ranked). A
single query cannot do that fast for every search, because where the matches
sit in that order depends on what was searched:

- `医院` matches half the hospitals at the top: walking the rank index and
  checking each row finds 20 at once;
- `药房` (or kind=零售药店) matches 76,000 pharmacies, all 未定级, so they sit
  below 90,000 hospitals: the same walk read 90,000 rows (571 ms), and
  fetching all 76,000 matches to sort them is no better;
- `协和` matches 2 rows anywhere: only the gram index finds them quickly.

PostgreSQL picks between the walk and the index from a guess that assumes
the words of a name say nothing about its level, which is exactly wrong for
药房. So the lookup takes the levels (real/demo × tier × grade: 26 of them)
in rank order and chooses per level, from how many facilities of that level
have each piece of the query:

- many (dense): walk that level's stretch of the rank index (few rows read
  per match), chunk by chunk: matches bunch up (a chain's branches sit
  together in pinyin order), so a walk that has read as many rows as the
  lookup would gives way to it;
- few: look them up in the level-scoped gram index (`r33:医院` = 医院 among
  real 三级甲等 facilities, SQL function facility_level_pieces, migration
  facilities 0007) and sort them.

How many facilities of a level have a piece is what PostgreSQL's own
statistics on that index already count (`pg_stats.most_common_elems`: with
the statistics target of 1000 set on it, the 10,000 most common pieces,
counted on a sample of 300,000 rows, so exactly for a directory up to that
size); `piece_counts` reads them and keeps them for a few minutes. They
only choose the plan: a stale count makes a lookup slower, never wrong,
since every level is always looked at.

Within a province the same goes (the walk keeps to the province's stretch
of each level), unless few are expected to match: then the plain query
through the province-scoped pieces is quicker. Within a city the plain
query serves (its lists are short). "Nearest first" nationwide walks
outward through the location index when matches are common
(`nearest_ids`), else looks them up and measures them
(`nearest_looked_up`); services.lookup_page puts it together.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Q, TextField, Value, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from facilities import search as search_module
from facilities.models import Facility, FacilityQuerySet, Grade, Tier, level_pieces

if TYPE_CHECKING:
    from facilities.services import Criteria


@dataclass(frozen=True)
class Level:
    synthetic: bool
    tier: int
    grade: int

    @property
    def key(self) -> str:
        """The prefix of this level's pieces: 'r33' real 三级甲等, 's00' demo 未定级.
        Must match the SQL function facility_level_pieces."""
        return f"{'s' if self.synthetic else 'r'}{self.tier}{self.grade}"

    def filter(self) -> Q:
        return Q(is_synthetic=self.synthetic, tier=self.tier, grade=self.grade)


def _levels() -> tuple[Level, ...]:
    """Every level a facility can have, in rank order (the order of
    FacilityQuerySet.ranked: real first, higher tier, higher grade)."""
    grades = sorted(Grade.values, reverse=True)
    tiers = sorted(Tier.values, reverse=True)
    return tuple(
        Level(synthetic, tier, grade)
        for synthetic in (False, True)
        for tier in tiers
        for grade in (grades if tier != Tier.NONE else [Grade.NONE])
    )


LEVELS = _levels()
# The piece every row has, so its count is the level's size.
EVERY_ROW = "|"


def pieces_for(grams: Iterable[str], kind: str = "", service: str = "") -> list[str]:
    """What a match must hold in facility_level_pieces, before the level
    prefix: the query's grams, '|k:kind', '|s:service'."""
    pieces = list(grams)
    if kind:
        pieces.append(f"|k:{kind}")
    if service:
        pieces.append(f"|s:{service}")
    return pieces


def level_keys(level: Level, pieces: Iterable[str]) -> list[str]:
    return [f"{level.key}:{piece}" for piece in pieces]


@dataclass(frozen=True)
class PieceCounts:
    """How many facilities hold each level-scoped piece, as PostgreSQL last
    counted them (the 10,000 most common: a piece it did not list is rarer
    than any it did)."""

    counts: dict[str, int] = field(default_factory=dict)
    # Each province's share of all facilities (pg_stats on province_id).
    shares: dict[str, float] = field(default_factory=dict)

    def share(self, province: str) -> float:
        """The province's share of the directory; 1 for nationwide."""
        return self.shares.get(province, 0.0) if province else 1.0

    def expected(self, level: Level, pieces: Sequence[str]) -> int:
        """Facilities of `level` expected to match: the rarest piece's count,
        0 when a piece is not listed (rare)."""
        return min((self.counts.get(key, 0) for key in level_keys(level, pieces)), default=0)

    def expected_in(self, levels: Iterable[Level], pieces: Sequence[str]) -> int:
        """Facilities of these levels expected to match (see expected)."""
        return sum(self.expected(level, pieces) for level in levels)

    def directory_size(self) -> int:
        """Facilities in every level, 0 when none is listed."""
        return sum(self.size(level) for level in LEVELS)

    def rarest(self, level: Level, pieces: Sequence[str]) -> str:
        """The level-scoped key of the piece fewest facilities of `level` hold."""
        return min(level_keys(level, pieces), key=lambda key: self.counts.get(key, 0))

    def size(self, level: Level) -> int:
        """The level's size, 0 when not listed (a small level)."""
        return self.counts.get(f"{level.key}:{EVERY_ROW}", 0)

    def is_dense(self, level: Level, pieces: Sequence[str], wanted: int) -> bool:
        """Walking a level reads about wanted × size / expected rows; looking
        it up in the gram index reads about `expected`. Walk when that is
        fewer. A level or piece too rare to be listed is looked up.

        Within a province the same rule holds: the walk covers the province's
        stretch of the level, where matches are (assumed) as dense as
        nationwide, and the lookup reads the nationwide list before keeping
        the province's rows."""
        expected, size = self.expected(level, pieces), self.size(level)
        return expected > 0 and size > 0 and expected * expected > wanted * size


@dataclass(frozen=True)
class Step:
    """One query of a plan: walk one level's stretch of the rank index, or
    look several levels up in the gram index."""

    walk: bool
    levels: tuple[Level, ...]


def plan(
    pieces: Sequence[str],
    levels: Sequence[Level],
    counts: PieceCounts,
    wanted: int,
    *,
    share: float = 1.0,
) -> list[Step]:
    """The queries, in rank order, that find the first `wanted` matches
    (within a province holding `share` of the facilities). Consecutive
    sparse levels share one gram-index query, closed once it is expected to
    hold twice what is wanted (it may hold fewer: the caller goes on through
    the next steps until it has enough)."""
    steps: list[Step] = []
    pending: list[Level] = []
    expected = 0.0
    for level in levels:
        if counts.is_dense(level, pieces, wanted):
            if pending:
                steps.append(Step(walk=False, levels=tuple(pending)))
                pending, expected = [], 0.0
            steps.append(Step(walk=True, levels=(level,)))
            continue
        pending.append(level)
        expected += counts.expected(level, pieces) * share
        if expected >= 2 * wanted:
            steps.append(Step(walk=False, levels=tuple(pending)))
            pending, expected = [], 0.0
    if pending:
        steps.append(Step(walk=False, levels=tuple(pending)))
    return steps


# ---------------------------------------------------------------- statistics

_CACHE_SECONDS = 300
_cached: tuple[float, PieceCounts] | None = None


def piece_counts() -> PieceCounts:
    """PostgreSQL's counts of the level-scoped pieces (see the module
    docstring), read at most every five minutes per process."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
        return _cached[1]
    counts = _read_piece_counts()
    _cached = (now, counts)
    return counts


def keep_counting_10000_pieces() -> None:
    """Statistics target 1000 on the level-scoped index (as migration
    facilities 0007 set it): PostgreSQL then lists the 10,000 most common
    pieces. Needed again whenever the index is rebuilt."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER INDEX facility_level_pieces ALTER COLUMN 1 SET STATISTICS 1000")


def put_in_rank_order() -> None:
    """Rewrite the directory on disk in rank order (CLUSTER on the
    facility_rank index). A walk then reads a level's stretch from a few
    neighbouring pages instead of one page a row (4,000 rows of 未定级 demo
    facilities: 1,043 pages read, where rows in the order they came took
    one page each). Rows added or
    changed later go wherever there is room, so the order wears off with
    imports until this runs again; lookups are slower then, never wrong.
    It locks the table, reads too, while it runs (about a minute for
    200,000 facilities): run it in a quiet hour (manage.py
    cluster_facilities)."""
    with connection.cursor() as cursor:
        cursor.execute("CLUSTER facilities_facility USING facility_rank")


def refresh_statistics() -> None:
    """ANALYZE the directory now, after a bulk change, rather than wait for
    autovacuum: until then the plans follow the old counts (slower, never
    wrong). About 14 s for 200,000 facilities."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE facilities_facility")
    forget_piece_counts()


def forget_piece_counts() -> None:
    global _cached
    _cached = None


def _read_piece_counts() -> PieceCounts:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs,
                   greatest(c.reltuples, 0)
            FROM pg_stats s
            JOIN pg_class c ON c.relname = 'facilities_facility'
                AND c.relnamespace = to_regnamespace(s.schemaname)
            WHERE s.schemaname = current_schema() AND s.tablename = 'facility_level_pieces'
            """
        )
        row = cursor.fetchone()
        cursor.execute(
            """
            SELECT most_common_vals::text::text[], most_common_freqs FROM pg_stats
            WHERE schemaname = current_schema() AND tablename = 'facilities_facility'
                AND attname = 'province_id'
            """
        )
        provinces = cursor.fetchone()
    shares = dict(zip(*provinces, strict=True)) if provinces and provinces[0] else {}
    if row is None or row[0] is None:
        return PieceCounts(shares=shares)
    elements, frequencies, rows = row
    # most_common_elem_freqs has three more numbers (lowest and highest
    # frequency, nulls) than there are elements; zip stops before them.
    counts = {
        element: round(frequency * rows)
        for element, frequency in zip(elements, frequencies, strict=False)
    }
    return PieceCounts(counts=counts, shares=shares)


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class Search:
    """A nationwide lookup broken into what the steps need."""

    text: str  # folded query, "" for none
    pieces: tuple[str, ...]
    levels: tuple[Level, ...]
    kind: str
    service: str
    province: str = ""  # region code, "" for nationwide


def search_for(criteria: Criteria) -> Search | None:
    """The lookup for `criteria` level by level, or None when the plain
    queries serve it better: a city chosen (its lists are short), nothing to
    narrow by but the level, or a province where few are expected to match
    (the province-scoped pieces find those at once). The order (rank or
    nearest first) is not its concern."""
    if criteria.city is not None:
        return None
    text = search_module.normalise_query(criteria.text)
    grams = search_module.query_grams(text) if text else []
    pieces = pieces_for(grams, criteria.kind, criteria.service)
    if not pieces:
        return None
    levels = tuple(level for level in LEVELS if _at_level(level, criteria.level))
    found = Search(
        text=text,
        pieces=tuple(pieces),
        levels=levels,
        kind=criteria.kind,
        service=criteria.service,
        province=criteria.province.code if criteria.province is not None else "",
    )
    if found.province and _few_in_province(found, piece_counts()):
        return None
    return found


# Below this many expected matches in a province, the plain query (the
# province-scoped pieces, then a sort) beats going level by level: 人民医院
# in 安徽 (477 matches) took 6.5 ms that way and 13 ms level by level.
FEW_IN_PROVINCE = 1000


def _few_in_province(search: Search, counts: PieceCounts) -> bool:
    if not search.text:
        return False  # no province-scoped pieces to look up
    expected = counts.expected_in(search.levels, search.pieces)
    return expected * counts.share(search.province) < FEW_IN_PROVINCE


def nearest_first_nationwide(criteria: Criteria) -> bool:
    """Nearest first, with no province or city chosen, from a city whose
    centre is known (without one, nearest_to lists by rank)."""
    origin = criteria.origin
    return (
        origin is not None
        and origin.latitude is not None
        and origin.longitude is not None
        and criteria.province is None
        and criteria.city is None
    )


def count_first(criteria: Criteria, search: Search | None) -> bool:
    """Nearest first nationwide for a search of several pieces: count its
    matches before choosing how to find the nearest. Their counts, known one
    piece at a time, promise more than the pieces match together, and a walk
    outward on that promise went far in vain (sanhezhe, six pieces, near
    岳阳: 24 ms walked, then 19 ms looked up). The page needs the count
    anyway."""
    return search is not None and len(search.pieces) > 1 and nearest_first_nationwide(criteria)


def several_grams(search: Search) -> bool:
    """The name searched has several pieces: the plain gram index
    intersects them, where the level-scoped one does it once per level."""
    return len(search_module.query_grams(search.text) if search.text else []) > 1


def matches_counted(search: Search, counted: int, cap: int) -> int:
    """How many match, from a count that stopped at `cap`: the count below
    the cap; at it, what the pieces' counts promise (more than the pieces
    match together, but the cap shows there are many)."""
    if counted < cap:
        return counted
    counts = piece_counts()
    return max(cap, counts.expected_in(search.levels, search.pieces))


def walk_outward(
    criteria: Criteria, search: Search | None, wanted: int, *, matches: int | None = None
) -> bool:
    """For nearest first: walk outward from the origin through the location
    index (reads about wanted × facilities / matches rows) rather than
    measure every match found through the gram index (reads `matches`)?
    Nationwide only; with no piece to search by, every facility of the
    chosen levels matches. `matches`: as counted (matches_counted), else
    the pieces' counts decide."""
    if not nearest_first_nationwide(criteria):
        return False
    if search is None:
        return True
    counts = piece_counts()
    if matches is None:
        matches = counts.expected_in(search.levels, search.pieces)
    facilities = counts.directory_size()
    return matches * matches > wanted * facilities


# How many rows outward from the origin a nearest-first walk reads first:
# OUTWARD_SLACK times what it should need (wanted × facilities / matches),
# then OUTWARD_GROWTH times more each try, while that is still fewer than
# the matches (what measuring them all reads) and the upper bound. Past
# that the matches are found in the level-scoped index, every piece at once,
# and measured (nearest_looked_up): pieces that are common apart can be rare
# together, or far away (服务站 among 中医 hospitals near 保定: none; the
# unbounded walk read the whole country, 800 ms).
OUTWARD_SLACK = 3
OUTWARD_GROWTH = 4
OUTWARD_BUDGET = (500, 8000)
OUTWARD_SEVERAL = 2000


def nearest_ids(
    criteria: Criteria,
    search: Search | None,
    wanted: int,
    *,
    on: dt.date | None = None,
    matches: int | None = None,
) -> list[int] | None:
    """The ids of the first `wanted` matches nearest the origin, if they
    lie within the walk's budget of rows outward from it (all matches if the
    directory ends first); None when they do not. `matches`: as counted
    (matches_counted), else the pieces' counts size the budget."""
    assert criteria.origin is not None
    counts = piece_counts()
    facilities = counts.directory_size()
    counted = matches is not None
    if matches is None:
        matches = facilities
        if search is not None:
            matches = counts.expected_in(search.levels, search.pieces)
    needed = OUTWARD_SLACK * wanted * facilities // max(matches, 1)
    budget = min(max(needed, OUTWARD_BUDGET[0]), OUTWARD_BUDGET[1])
    checks, values = _row_checks(
        search.text if search is not None else "", criteria.kind, criteria.service
    )
    if criteria.level:
        tier, grade_a, _rest = criteria.level.partition("a")
        checks.append("tier = %s")
        values.append(int(tier))
        if grade_a:
            checks.append("grade = %s")
            values.append(int(Grade.A))
    # Several pieces, not counted: their counts promise more than they
    # match together (see Trust).
    several = search is not None and len(search.pieces) > 1 and not counted
    if several:
        budget = min(budget, OUTWARD_SEVERAL)
    order = [F("nearness").asc(nulls_last=True), F("pk").asc()]
    while True:
        rows = (
            Facility.objects.active(on)
            .nearest_by_index(criteria.origin)
            .annotate(walk_order=Window(RowNumber(), order_by=order))
            # nearness: annotated by nearest_by_index, which the type plugin cannot see
            .values(
                "pk", "search_text", "kind", "services", "tier", "grade", "nearness", "walk_order"
            )[:budget]  # type: ignore[misc]
        )
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            # `sql` is the ORM's, every value a parameter; `checks` are constants.
            # Rows stream outward and stop at the wanted-th match, or at the
            # budget's last row, returned as a marker.
            cursor.execute(
                f"SELECT pk, {' AND '.join(checks)} AS hit, walk_order FROM ({sql}) outward "  # noqa: S608
                f"WHERE {' AND '.join(checks)} OR walk_order = %s "
                "ORDER BY nearness NULLS LAST, pk LIMIT %s",
                (*values, *params, *values, budget, wanted + 1),
            )
            read = cursor.fetchall()
        ids = [pk for pk, hit, _order in read if hit][:wanted]
        reached_budget = bool(read) and read[-1][2] == budget
        if len(ids) >= wanted or not reached_budget:
            return ids
        # Not far enough: go further while that still reads fewer rows than
        # measuring every match would (one piece only: see above).
        budget *= OUTWARD_GROWTH
        if several or budget > min(matches, OUTWARD_BUDGET[1]):
            return None


# Below this many facilities holding the name's pieces, nearest first
# measures them found through the plain gram index (one condition), rather
# than through the level-scoped one (an OR over 26 levels: 肿瘤 with 恶性肿瘤
# nearest 合肥 took 19 ms that way, 8 ms the plain way).
PLAIN_NEAREST = 3000


def few_by_name(search: Search) -> bool:
    """Few facilities hold the pieces of the name searched (kind and
    service aside): the plain query reads only those."""
    counts = piece_counts()
    grams = search_module.query_grams(search.text) if search.text else []
    if not grams:
        return False
    holding = counts.expected_in(LEVELS, grams)
    return holding <= PLAIN_NEAREST


def nearest_looked_up(
    criteria: Criteria, search: Search, wanted: int, *, on: dt.date | None = None
) -> list[int]:
    """The ids of the first `wanted` matches nearest the origin, found in the
    level-scoped index (each level's rows holding every piece: the index
    intersects the lists) and then measured and sorted."""
    assert criteria.origin is not None
    condition = Q()
    for level in search.levels:
        condition |= Q(level_pieces__contains=_keys(level_keys(level, search.pieces)))
    found = _checked(
        Facility.objects.active(on).alias(level_pieces=level_pieces()).filter(condition), search
    )
    rows = (
        found.nearest_by_index(criteria.origin)
        .order_by()
        # nearness: annotated by nearest_by_index, which the type plugin cannot see
        .values("pk", "nearness")  # type: ignore[misc]
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # `sql` is the ORM's, its values in `params`. MATERIALIZED: inside, the
        # index is the only cheap way to the rows (see _looked_up_ids).
        cursor.execute(
            f"WITH found (pk, nearness) AS MATERIALIZED ({sql}) "  # noqa: S608
            "SELECT pk FROM found ORDER BY nearness NULLS LAST, pk LIMIT %s",
            (*params, wanted),
        )
        return [row[0] for row in cursor.fetchall()]


def _row_checks(text: str, kind: str, service: str) -> tuple[list[str], list[str | int]]:
    """A search's conditions as SQL on a row's columns (search_text, kind,
    services): the walks check the rows they read with them, the lookups
    the rows the index finds."""
    checks: list[str] = ["TRUE"]
    values: list[str | int] = []
    if text:
        checks.append("strpos(search_text, %s) > 0")
        values.append(text)
    if kind:
        checks.append("kind = %s")
        values.append(kind)
    if service:
        checks.append("%s = ANY(services)")
        values.append(service)
    return checks, values


def _at_level(level: Level, wanted: str) -> bool:
    """The same rule as FacilityQuerySet.at_level: '3', '3a', '0'."""
    if not wanted:
        return True
    tier, grade_a, _rest = wanted.partition("a")
    return level.tier == int(tier) and (not grade_a or level.grade == Grade.A)


def _checked(found: FacilityQuerySet, search: Search) -> FacilityQuerySet:
    """The whole search checked on each row: the province, the name (LIKE on
    the short search_text, not the gram array), the kind, the service."""
    if search.province:
        found = found.filter(province_id=search.province)
    if search.text:
        found = found.filter(search_text__contains=search.text)
    if search.kind:
        found = found.filter(kind=search.kind)
    if search.service:
        found = found.offering(search.service)
    return found


_TEXT_ARRAY: ArrayField[list[str], list[str]] = ArrayField(TextField())


def _keys(keys: list[str]) -> Value:
    """The keys as one text[] parameter. A plain list makes Django wrap
    each key in a Value of its own, and each builds a CharField: 4 ms of a
    26-level lookup went there."""
    return Value(keys, output_field=_TEXT_ARRAY)


# facility_level_pieces as its GIN index has it (facilities.models.level_pieces).
LEVEL_PIECES = "facility_level_pieces(search_grams, kind, services, is_synthetic, tier, grade)"
# The rank order of FacilityQuerySet.ranked, for the fenced queries below.
RANK_ORDER = "is_synthetic, tier DESC, grade DESC, pinyin, id"


# A value passed to PostgreSQL with the written-out queries.
SqlValue = dt.date | bool | int | str | list[str]


def _active(on: dt.date) -> tuple[list[str], list[SqlValue]]:
    """FacilityQuerySet.active as SQL conditions, for the queries written out
    here (the tests that compare every plan with one ranked ORM query hold
    them together)."""
    return ["active_from <= %s", "(active_to IS NULL OR active_to >= %s)"], [on, on]


def _looked_up_ids(
    on: dt.date,
    search: Search,
    levels: Sequence[Level],
    counts: PieceCounts,
    limit: int,
    *,
    ranked: bool,
) -> list[int]:
    """The ids of the first `limit` matches of these levels (in rank order
    if `ranked`) found through the level-scoped gram index, the whole search
    then checked on each row. One level: the rows holding every piece (the
    index intersects the lists: 服务中心 among pharmacies is nothing, found
    without reading a row). Several: the rows holding each level's rarest
    piece (one index condition, however many levels; these are the sparse
    levels, so the lists are short). (Within a province, the
    province-scoped pieces were tried instead: each batch then read the
    province's whole list again, and searches got slower.)

    The conditions are evaluated in a MATERIALIZED CTE. The fence keeps
    PostgreSQL from walking the rank index and computing
    facility_level_pieces for every row it passes (it did, for a query over
    26 levels, for a minute): inside the fence the gram index is the only
    cheap way to the rows. Written out in SQL: the ORM took a millisecond
    to build it, about what PostgreSQL takes to run it."""
    conditions, params = _active(on)
    if len(levels) == 1:
        conditions.append(f"{LEVEL_PIECES} @> %s::text[]")
        params.append(level_keys(levels[0], search.pieces))
    else:
        conditions.append(f"{LEVEL_PIECES} && %s::text[]")
        params.append([counts.rarest(level, search.pieces) for level in levels])
    if search.province:
        conditions.append("province_id = %s")
        params.append(search.province)
    checks, values = _row_checks(search.text, search.kind, search.service)
    conditions.extend(checks)
    params.extend(values)
    order = f"ORDER BY {RANK_ORDER} " if ranked else ""
    with connection.cursor() as cursor:
        # Every condition is a constant, every value a parameter.
        cursor.execute(
            "WITH found (id, is_synthetic, tier, grade, pinyin) AS MATERIALIZED ("  # noqa: S608
            "SELECT id, is_synthetic, tier, grade, pinyin FROM facilities_facility"
            f" WHERE {' AND '.join(conditions)}) "
            f"SELECT id FROM found {order}LIMIT %s",
            (*params, limit),
        )
        return [row[0] for row in cursor.fetchall()]


# A walk reads the level's stretch in chunks, the first sized for what it
# should need (wanted × size / expected, times WALK_SLACK), each next one
# WALK_GROWTH times larger. Matches are not spread evenly through a level:
# a chain's branches (济生大药房（…店）) sit together in pinyin order, and
# one unbounded walk to them read 58,000 rows (211 ms) for 生大. Once a walk
# has read as many rows as the lookup would, the lookup takes over.
WALK_SLACK = 3
WALK_GROWTH = 4
FIRST_CHUNK = (200, 4000)
# A walk gives up after this many rows, or WALK_SLACK times what it should
# need if more, even when a lookup would read more: by then its pieces have
# proved rarer together than apart (服务中心 among pharmacies: none) and the
# index, which intersects the pieces' lists, finds them without reading the
# rows. (Without the second bound, a page and its count, 1001 matches,
# gave way halfway through levels where they are common: 院 among 未定级
# facilities read 5,000 rows and then looked up all 18,608: 34 ms.)
WALK_LIMIT = 5000


@dataclass(frozen=True)
class Chunk:
    """What one chunk of a walk found: the matching ids in order, and where
    it stopped if it read its whole size (None: it stopped after enough
    matches, or the stretch ended)."""

    ids: list[int]
    stopped_at: tuple[str, int] | None


def _walk_chunk(
    on: dt.date,
    search: Search,
    level: Level,
    size: int,
    wanted: int,
    after: tuple[str, int] | None,
) -> Chunk:
    """Up to `wanted` matches among the next `size` rows of the level's
    stretch of the rank index (after `after`). The inner query has no
    condition but the level (and province), so PostgreSQL can only walk the
    index for it; the search is checked on its rows as they come, and the
    walk stops at the `wanted`-th match or the `size`-th row, whichever
    comes first (the last row read is returned as a marker then).

    The SQL is written out here rather than built by the ORM each time: a
    search can take several chunks, and building one took 1.7 ms, about
    what PostgreSQL takes to run it."""
    # Level.filter in SQL, as _active is FacilityQuerySet.active.
    conditions, params = _active(on)
    conditions += ["is_synthetic = %s", "tier = %s::smallint", "grade = %s::smallint"]
    params += [level.synthetic, level.tier, level.grade]
    if search.province:
        conditions.append("province_id = %s")
        params.append(search.province)
    if after is not None:
        pinyin, pk = after
        conditions.append("(pinyin > %s OR (pinyin = %s AND id > %s))")
        params.extend([pinyin, pinyin, pk])
    sql = (
        "SELECT id AS pk, pinyin, search_text, kind, services,"  # noqa: S608 (constants only)
        " row_number() OVER (ORDER BY pinyin, id) AS walk_order"
        f" FROM facilities_facility WHERE {' AND '.join(conditions)}"
        " ORDER BY pinyin, id LIMIT %s"
    )
    params.append(size)
    checks, values = _row_checks(search.text, search.kind, search.service)
    with connection.cursor() as cursor:
        # `sql` and `checks` are constants, every value a parameter.
        cursor.execute(
            f"SELECT pk, pinyin, hit, walk_order FROM (SELECT *, {' AND '.join(checks)} AS hit "  # noqa: S608
            f"FROM ({sql}) stretch) checked WHERE hit OR walk_order = %s "
            # The inner query's own order: PostgreSQL streams it and stops at
            # the limit (ordering by walk_order made it sort the whole chunk).
            "ORDER BY pinyin, pk LIMIT %s",
            (*values, *params, size, wanted + 1),
        )
        rows_found = cursor.fetchall()
    ids = [pk for pk, _pinyin, hit, _order in rows_found if hit][:wanted]
    marker = rows_found[-1] if rows_found and rows_found[-1][3] == size else None
    if len(ids) >= wanted or marker is None:
        return Chunk(ids=ids, stopped_at=None)
    return Chunk(ids=ids, stopped_at=(marker[1], marker[0]))


def _walk(
    on: dt.date, search: Search, level: Level, counts: PieceCounts, wanted: int
) -> list[int] | None:
    """The first `wanted` matches of `level` (all of them if fewer), walking
    its stretch chunk by chunk; None once the walk has read as many rows as
    looking the level up would, or the larger of WALK_LIMIT and the slack
    it was given (the caller looks it up)."""
    expected = max(counts.expected(level, search.pieces), 1)
    needed = WALK_SLACK * wanted * counts.size(level) // expected
    size = min(max(needed, FIRST_CHUNK[0]), FIRST_CHUNK[1])
    limit = min(expected, max(WALK_LIMIT, needed))
    ids: list[int] = []
    read, after = 0, None
    while True:
        chunk = _walk_chunk(on, search, level, size, wanted - len(ids), after)
        ids.extend(chunk.ids)
        if chunk.stopped_at is None:  # enough found, or the stretch ended
            return ids
        read += size
        if read >= limit:
            return None
        after, size = chunk.stopped_at, min(size * WALK_GROWTH, limit - read)


class Trust:
    """Whether a search's walks are still worth trying. The counts are known
    one piece at a time: a search of several pieces (yy among 基层医疗机构)
    may match far fewer than each piece does. Once one of its walks has had
    to give way, the rest of its levels are looked up, where the index
    intersects the pieces' lists (q=yy&kind=primary walked five levels in
    vain: 226 ms). A one-piece search keeps walking: its counts are exact,
    and a walk that gave way met a bunch, not a rarity."""

    def __init__(self, search: Search) -> None:
        self.walks = True
        self._pieces = len(search.pieces)

    def walked(self, found: list[int] | None) -> None:
        if found is None and self._pieces > 1:
            self.walks = False


def first_ids(
    search: Search, wanted: int, *, on: dt.date | None = None, counts: PieceCounts | None = None
) -> list[int]:
    """The ids of the first `wanted` matches in rank order."""
    counts = counts if counts is not None else piece_counts()
    on = on or timezone.localdate()
    ids: list[int] = []
    share = counts.share(search.province)
    trust = Trust(search)
    for step in plan(search.pieces, search.levels, counts, wanted, share=share):
        still = wanted - len(ids)
        found = None
        if step.walk and trust.walks:
            found = _walk(on, search, step.levels[0], counts, still)
            trust.walked(found)
        if found is None:  # a lookup step, or a walk that went as far as a lookup reads
            found = _looked_up_ids(on, search, step.levels, counts, still, ranked=True)
        ids.extend(found[:still])
        if len(ids) >= wanted:
            break
    return ids


def count_upto(
    search: Search, cap: int, *, on: dt.date | None = None, counts: PieceCounts | None = None
) -> int:
    """How many match, counting no further than `cap` (order does not matter:
    the sparse levels in one gram-index query, the dense ones walked, or
    looked up when the walk goes as far as a lookup reads)."""
    counts = counts if counts is not None else piece_counts()
    on = on or timezone.localdate()
    sparse = [level for level in search.levels if not counts.is_dense(level, search.pieces, cap)]
    dense = [level for level in search.levels if level not in sparse]
    total = 0
    if sparse:
        total += len(_looked_up_ids(on, search, sparse, counts, cap, ranked=False))
    trust = Trust(search)
    for level in dense:
        still = cap - total
        if still <= 0:
            break
        walked = _walk(on, search, level, counts, still) if trust.walks else None
        trust.walked(walked)
        if walked is None:  # the walk went as far as a lookup reads, or is not trusted
            walked = _looked_up_ids(on, search, [level], counts, still, ranked=False)
        total += min(len(walked), still)
    return min(total, cap)
