"""Nationwide lookups level by level (facilities.ranked).

The plan is a pure function of PostgreSQL's piece counts; whatever it
chooses, the page must be exactly what one ranked query over all facilities
gives. The equivalence tests run each search under three sets of counts:
none (everything looked up in the gram index), every level dense (everything
walked), and PostgreSQL's own after ANALYZE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.db import connection

from facilities import ranked, services
from facilities import search as search_module
from facilities.models import Facility, FacilityKind
from facilities.ranked import LEVELS, Level, PieceCounts, Step, plan
from facilities.services import Criteria
from tests.facilities.conftest import make_facility

R33, R32, R00 = Level(False, 3, 3), Level(False, 3, 2), Level(False, 0, 0)
S33, S00 = Level(True, 3, 3), Level(True, 0, 0)


# ------------------------------------------------------------------ the plan


def test_the_levels_follow_the_rank_order_and_cover_every_level() -> None:
    assert LEVELS[0] == R33 and LEVELS[-1] == S00
    assert len(LEVELS) == len(set(LEVELS)) == 26
    ranks = [(lv.synthetic, -lv.tier, -lv.grade) for lv in LEVELS]
    assert ranks == sorted(ranks)


def test_without_statistics_every_level_is_looked_up_in_one_query() -> None:
    assert plan(["药房"], LEVELS, PieceCounts(), 20) == [Step(walk=False, levels=LEVELS)]


def test_a_level_full_of_matches_is_walked_and_the_rest_looked_up_around_it() -> None:
    # 76,000 of the 109,000 demo facilities without a level are 药房.
    counts = PieceCounts(counts={"s00:|": 109_000, "s00:药房": 76_000})
    steps = plan(["药房"], LEVELS, counts, 20)
    assert steps == [Step(walk=False, levels=LEVELS[:-1]), Step(walk=True, levels=(S00,))]


def test_a_few_matches_in_a_big_level_are_looked_up_not_walked() -> None:
    counts = PieceCounts(counts={"s00:|": 109_000, "s00:协和": 30})
    assert all(not step.walk for step in plan(["协和"], LEVELS, counts, 20))


def test_walking_needs_more_matches_the_more_rows_are_wanted() -> None:
    counts = PieceCounts(counts={"s00:|": 100_000, "s00:xh": 5_000})
    assert counts.is_dense(S00, ["xh"], 20)  # 20 rows: walk about 400
    assert not counts.is_dense(S00, ["xh"], 1001)  # counting 1001: look up 5,000


def test_the_rarest_piece_decides_and_an_unlisted_piece_counts_as_rare() -> None:
    counts = PieceCounts(counts={"r33:|": 6_000, "r33:医院": 5_800})
    assert counts.expected(R33, ["医院"]) == 5_800
    assert counts.expected(R33, ["医院", "协和"]) == 0
    assert counts.rarest(R33, ["医院", "协和"]) == "r33:协和"


def test_a_lookup_query_closes_once_it_should_hold_twice_what_is_wanted() -> None:
    counts = PieceCounts(counts={"r33:|": 50, "r33:yy": 30, "r32:|": 50, "r32:yy": 30})
    steps = plan(["yy"], [R33, R32, R00], counts, 20)
    assert steps == [Step(False, (R33, R32)), Step(False, (R00,))]


# ------------------------------------------------------------- equivalence


@pytest.fixture
def directory(db: None) -> list[Facility]:
    """Hospitals at several levels and a block of pharmacies and clinics
    with no level, real and demo: where 药房 sits at the very end."""
    made = []
    serial = 0

    def add(name: str, **fields: Any) -> None:
        nonlocal serial
        serial += 1
        spread = {"latitude": 20 + serial * 7 % 31, "longitude": 100 + serial * 11 % 31}
        made.append(make_facility(code=f"H{serial:011d}", name=name, **(spread | fields)))

    for i, (tier, grade) in enumerate([(3, 3), (3, 3), (3, 2), (2, 3), (2, 0), (1, 3), (1, 0)]):
        add(f"上海第{i + 1}人民医院", tier=tier, grade=grade)
        add(
            f"浦东{i + 1}中医医院", tier=tier, grade=grade, kind=FacilityKind.TCM, is_synthetic=True
        )
    for i in range(30):
        pharmacy = {
            "kind": FacilityKind.PHARMACY,
            "tier": 0,
            "grade": 0,
            "services": ["outpatient"],
        }
        add(f"国大药房第{i + 1}分店", **pharmacy, is_synthetic=i % 3 != 0)
        add(
            f"社区卫生服务站{i + 1}",
            kind=FacilityKind.PRIMARY,
            tier=0,
            grade=0,
            services=["outpatient", "hypertension"] if i % 2 else ["outpatient"],
            is_synthetic=i % 4 == 0,
        )
    add(
        "已停止的药房",
        kind=FacilityKind.PHARMACY,
        tier=0,
        grade=0,
        services=[],
        active_to=dt.date(2021, 1, 1),
    )
    add(
        "没有坐标的药房",
        kind=FacilityKind.PHARMACY,
        tier=0,
        grade=0,
        services=[],
        latitude=None,
        longitude=None,
    )
    return made


SEARCHES = [
    Criteria(text="药房"),
    Criteria(text="yf"),
    Criteria(text="国大药房"),
    Criteria(text="医院"),
    Criteria(text="人民医院", level="3a"),
    Criteria(text="中医", level="3"),
    Criteria(kind=FacilityKind.PHARMACY),
    Criteria(service="hypertension"),
    Criteria(text="社区", service="hypertension"),
    Criteria(text="药", kind=FacilityKind.PHARMACY),
    Criteria(text="没有这家"),
]


def pieces_of(criteria: Criteria) -> list[str]:
    text = search_module.normalise_query(criteria.text)
    grams = search_module.query_grams(text) if text else []
    return ranked.pieces_for(grams, criteria.kind, criteria.service)


def dense_everywhere(criteria: Criteria) -> PieceCounts:
    """Counts that make every level look full of matches: everything walked."""
    counts = {}
    for level in LEVELS:
        counts[f"{level.key}:|"] = 10
        for piece in pieces_of(criteria):
            counts[f"{level.key}:{piece}"] = 10_000
    return PieceCounts(counts=counts, shares={"310000": 0.8, "340000": 0.2})


def analysed() -> PieceCounts:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE facilities_facility")
    ranked.forget_piece_counts()
    return ranked.piece_counts()


def expected_page(criteria: Criteria, number: int, per_page: int) -> list[str]:
    found = services.find_facilities(criteria)  # one ranked query
    return [f.name for f in found[(number - 1) * per_page : number * per_page]]


@pytest.mark.parametrize("counts_kind", ["none", "dense", "dense-short-walks", "analysed"])
@pytest.mark.usefixtures("directory")
def test_every_plan_gives_the_page_one_ranked_query_gives(
    counts_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.models import Region

    base = analysed() if counts_kind == "analysed" else PieceCounts()
    if counts_kind == "dense-short-walks":  # walks read one row at a time
        monkeypatch.setattr(ranked, "FIRST_CHUNK", (1, 1))
        monkeypatch.setattr(ranked, "WALK_GROWTH", 1)
    monkeypatch.setattr(services, "PAGE_SIZE", 4)  # several pages from a small directory
    anhui, shanghai = Region.objects.get(code="340000"), Region.objects.get(code="310000")
    within = [
        Criteria(text="药房", province=anhui),
        Criteria(text="人民医院", province=anhui, level="3"),
        Criteria(kind=FacilityKind.PHARMACY, province=shanghai),
        Criteria(text="yy", province=shanghai),
        Criteria(text="药房", province=Region.objects.get(code="110000")),
    ]
    for criteria in [*SEARCHES, *within]:
        counts = dense_everywhere(criteria) if counts_kind.startswith("dense") else base
        monkeypatch.setattr(ranked, "piece_counts", lambda counts=counts: counts)
        total = services.find_facilities(criteria).count()
        for number in (1, 2, 5):
            page = services.lookup_page(criteria, number)
            shown = min(number, max(1, -(-total // 4)))
            assert page.number == shown, criteria
            assert [f.name for f in page.items] == expected_page(criteria, shown, 4), criteria
            assert page.count == total, criteria


@pytest.mark.usefixtures("directory")
def test_the_count_stops_at_the_cap_whatever_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    criteria = Criteria(text="药房")
    search = ranked.search_for(criteria)
    assert search is not None
    total = services.find_facilities(criteria).count()
    assert total == 31  # 30 branch pharmacies, one without coordinates (one closed)
    for counts in (PieceCounts(), dense_everywhere(criteria), analysed()):
        assert ranked.count_upto(search, 7, counts=counts) == 7
        assert ranked.count_upto(search, 1001, counts=counts) == total
    monkeypatch.setattr(ranked, "FIRST_CHUNK", (1, 1))  # one row at a time
    monkeypatch.setattr(ranked, "WALK_GROWTH", 1)
    assert ranked.count_upto(search, 1001, counts=dense_everywhere(criteria)) == total


@pytest.mark.parametrize("counts_kind", ["none", "dense", "analysed"])
@pytest.mark.usefixtures("directory")
def test_a_nationwide_page_past_the_cap_is_clamped_and_the_count_says_more(
    counts_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranked pages come from the first COUNT_CAP + 1 matches: the count
    stops there, and no page lies beyond it."""
    criteria = Criteria(text="药房")
    counts = {
        "none": PieceCounts(),
        "dense": dense_everywhere(criteria),
        "analysed": analysed(),
    }[counts_kind]
    monkeypatch.setattr(ranked, "piece_counts", lambda: counts)
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    monkeypatch.setattr(services, "COUNT_CAP", 5)
    assert services.find_facilities(criteria).count() > 6
    first = services.lookup_page(criteria, 1)
    assert (first.count, first.capped, first.num_pages) == (5, True, 3)
    assert [f.name for f in first.items] == expected_page(criteria, 1, 2)
    last = services.lookup_page(criteria, 9)
    assert last.number == 3
    assert [f.name for f in last.items] == expected_page(criteria, 3, 2)


@pytest.mark.usefixtures("directory")
def test_postgresql_counts_the_pieces_per_level_after_analyze() -> None:
    counts = analysed()
    assert counts.size(S00) == Facility.objects.filter(is_synthetic=True, tier=0).count()
    assert (
        counts.counts["s00:|k:pharmacy"]
        == Facility.objects.filter(is_synthetic=True, kind=FacilityKind.PHARMACY).count()
    )
    assert (
        counts.counts["s00:药房"]
        == Facility.objects.filter(is_synthetic=True, tier=0, name__contains="药房").count()
    )


def test_a_city_keeps_the_plain_query_a_province_goes_level_by_level_if_many_match(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.models import Region

    anhui = Region.objects.get(code="340000")
    hefei = Region.objects.get(code="340100")
    common = Criteria(text="药房", province=anhui)
    monkeypatch.setattr(ranked, "piece_counts", lambda: dense_everywhere(common))
    search = ranked.search_for(common)
    assert search is not None and search.province == "340000"
    assert ranked.search_for(Criteria(text="药房", city=hefei)) is None
    monkeypatch.setattr(ranked, "piece_counts", PieceCounts)  # few expected
    assert ranked.search_for(common) is None
    assert ranked.search_for(Criteria(kind="pharmacy", province=anhui)) is not None
    assert ranked.search_for(Criteria(level="3a")) is None  # the rank index alone
    assert ranked.search_for(Criteria(text="药房", level="0")) is not None


# ------------------------------------------------------------- nearest first


def test_walking_outward_gives_the_order_measuring_every_match_gives(
    directory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.models import Region

    hefei = Region.objects.get(code="340100")
    monkeypatch.setattr(ranked, "OUTWARD_BUDGET", (10_000, 10_000))  # the whole directory
    names = dict(Facility.objects.values_list("pk", "name"))
    for criteria in [*SEARCHES, Criteria(), Criteria(level="3a")]:
        nearest = dataclasses.replace(criteria, origin=hefei)
        measured = [f.name for f in services.find_facilities(nearest)]
        walked = ranked.nearest_ids(nearest, ranked.search_for(nearest), len(names))
        assert walked is not None
        assert [names[pk] for pk in walked] == measured, criteria
    everything = ranked.nearest_ids(Criteria(origin=hefei), None, len(names))
    assert everything is not None and names[everything[-1]] == "没有坐标的药房"  # last


@pytest.mark.usefixtures("directory")
def test_nearest_first_walks_outward_only_when_matches_are_common(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    from django.test.utils import CaptureQueriesContext

    from portal.models import Region

    hefei = Region.objects.get(code="340100")
    common = Criteria(text="药房", origin=hefei)
    search = ranked.search_for(common)
    assert search is not None
    monkeypatch.setattr(ranked, "piece_counts", lambda: dense_everywhere(common))
    assert ranked.walk_outward(common, search, 20)
    assert not ranked.walk_outward(
        Criteria(text="药房", origin=hefei, province=hefei.parent), search, 20
    )
    with CaptureQueriesContext(connection) as queries:
        page = services.lookup_page(common, 1)
    assert "<->" in queries[0]["sql"]
    expected = [f.name for f in services.find_facilities(common)[:20]]
    assert [f.name for f in page.items] == expected
    assert page.count == services.find_facilities(common).count()

    monkeypatch.setattr(ranked, "piece_counts", PieceCounts)  # no statistics: a rare name
    assert not ranked.walk_outward(common, search, 20)
    assert ranked.walk_outward(Criteria(origin=hefei), None, 20)  # nothing to search by


@pytest.mark.usefixtures("directory")
def test_walking_outward_within_a_budget_or_measuring_gives_the_same_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.models import Region

    hefei = Region.objects.get(code="340100")
    monkeypatch.setattr(services, "PAGE_SIZE", 4)
    several = [  # counted first: looked up (one gram), the plain query (several grams)
        Criteria(text="药房", kind=FacilityKind.PHARMACY),
        Criteria(text="大药房"),
    ]
    one = [Criteria(text="药房"), Criteria(kind=FacilityKind.PHARMACY), Criteria()]
    for criteria in [*one, *several]:
        nearest = dataclasses.replace(criteria, origin=hefei)
        monkeypatch.setattr(ranked, "piece_counts", lambda c=nearest: dense_everywhere(c))
        expected = [f.name for f in services.find_facilities(nearest)]
        for budget in ((500, 8000), (1, 1)):  # the walk reaches far enough; it gives up
            monkeypatch.setattr(ranked, "OUTWARD_BUDGET", budget)
            for number in (1, 3):
                page = services.lookup_page(nearest, number)
                start = (page.number - 1) * 4
                assert [f.name for f in page.items] == expected[start : start + 4], criteria
                assert page.count == len(expected), criteria
                assert all(f.distance_km is not None for f in page.items if f.latitude)
        search = ranked.search_for(nearest)
        assert ranked.nearest_ids(nearest, search, 4) is None  # budget (1, 1): not reached
    assert len(expected) > 4 and "大药房" in expected[0]


@pytest.mark.usefixtures("directory")
def test_nearest_first_for_several_pieces_counts_once_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Several pieces promise more together than they match: the count comes
    first, chooses the way, and is the page's count."""
    from portal.models import Region

    hefei = Region.objects.get(code="340100")
    monkeypatch.setattr(services, "PAGE_SIZE", 4)
    criteria = Criteria(text="大药房", origin=hefei)
    search = ranked.search_for(criteria)
    assert search is not None and ranked.count_first(criteria, search)
    one_piece = Criteria(text="药房", origin=hefei)
    assert not ranked.count_first(one_piece, ranked.search_for(one_piece))
    monkeypatch.setattr(ranked, "piece_counts", lambda: dense_everywhere(criteria))
    caps: list[int] = []
    counting = ranked.count_upto

    def count_upto(search: ranked.Search, cap: int, **kwargs: Any) -> int:
        caps.append(cap)
        return counting(search, cap, **kwargs)

    monkeypatch.setattr(ranked, "count_upto", count_upto)
    page = services.lookup_page(criteria, 2)
    total = services.find_facilities(criteria).count()
    assert caps == [services.COUNT_CAP + 1]
    assert page.count == total
    assert [f.name for f in page.items] == expected_page(criteria, 2, 4)


def test_a_count_below_the_cap_is_the_matches_at_the_cap_the_pieces_promise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    criteria = Criteria(text="大药房")
    search = ranked.search_for(criteria)
    assert search is not None
    counts = dense_everywhere(criteria)  # 10,000 a piece in each of 26 levels
    monkeypatch.setattr(ranked, "piece_counts", lambda: counts)
    assert ranked.matches_counted(search, 37, 1001) == 37
    assert ranked.matches_counted(search, 1001, 1001) == 10_000 * len(LEVELS)
    monkeypatch.setattr(ranked, "piece_counts", PieceCounts)  # nothing listed: rare
    assert ranked.matches_counted(search, 1001, 1001) == 1001
