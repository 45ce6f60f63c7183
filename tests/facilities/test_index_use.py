"""Which conditions of a lookup the GIN indexes answer.

A tiny test table never needs an index, so each test leaves PostgreSQL only
the GIN indexes (and the primary and unique keys) and bitmap scans, inside
the test's transaction (rolled back after it), and reads the plan: what
matters is which conditions PostgreSQL *can* hand to the index, not what it
prefers on 40 rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from facilities.models import Facility
from facilities.services import Criteria, find_facilities
from portal.models import Region

pytestmark = pytest.mark.usefixtures("beijing")


@pytest.fixture
def only_bitmap_scans(beijing: list[Facility]) -> Iterator[None]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            """SELECT indexname FROM pg_indexes i
               WHERE tablename = 'facilities_facility' AND indexdef NOT LIKE '%USING gin%'
               AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conname = i.indexname)"""
        )
        for (btree,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{btree}"')
        yield


def index_conditions(queryset: Any) -> dict[str, str]:
    """index name -> its Index Cond, for each index the count query scans."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        # `sql` is the ORM's own, its values in `params`.
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT count(*) FROM ({sql}) found", params)  # noqa: S608
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    found: dict[str, str] = {}

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node:
            found[node["Index Name"]] = node.get("Index Cond", "")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.mark.usefixtures("only_bitmap_scans")
def test_the_level_filter_is_answered_inside_the_name_index() -> None:
    """tier and grade are smallints in the index: compared with an integer
    they could not be used, and 医院 at 三级甲等 read every 医院 first."""
    conditions = index_conditions(find_facilities(Criteria(text="医院", level="3a")))
    answered = " ".join(conditions.values())
    assert "tier = '3'::smallint" in answered and "grade = '3'::smallint" in answered


@pytest.mark.usefixtures("only_bitmap_scans")
def test_the_level_filter_is_answered_inside_the_province_index() -> None:
    province = Region.objects.get(code="110000")
    conditions = index_conditions(
        find_facilities(Criteria(text="中医院", province=province, level="2"))
    )
    assert "tier = '2'::smallint" in " ".join(conditions.values())


def test_the_level_filter_still_finds_the_same_facilities() -> None:
    found = find_facilities(Criteria(level="3a"))
    assert set(found) == set(Facility.objects.filter(tier=3, grade=3))
    assert found.exists()
