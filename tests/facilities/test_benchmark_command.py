"""The benchmark commands keep working (they print figures; nothing here
checks a speed)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from facilities.management.commands.benchmark_facilities import SEARCHES

pytestmark = pytest.mark.django_db


def test_the_facility_benchmark_prints_a_line_for_every_search() -> None:
    call_command("generate_facilities", "--count", "1200", stdout=io.StringIO())
    out = io.StringIO()
    call_command("benchmark_facilities", "--runs", "1", "--naive-runs", "1", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("1200 facilities")
    assert len(lines) == 2 + len(SEARCHES) + 2
    assert lines[-2].startswith("Worst p95: page ")
    assert all(line.split()[-1].rstrip("+").isdigit() for line in lines[2:-2])
    assert re.fullmatch(r"Machine reference .*: [\d.]+ ms before, [\d.]+ ms after\.", lines[-1])


def test_a_large_generation_rebuilds_every_search_index_and_its_statistics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past REBUILD_FROM the GIN and GiST indexes are dropped and built again
    after the COPY; the level-scoped one must come back counting 10,000
    pieces (facilities.ranked), and the statistics must be fresh."""
    from django.db import connection

    from facilities import ranked, synthetic

    monkeypatch.setattr(synthetic, "REBUILD_FROM", 50)
    assert synthetic.generate_facilities(count=60) == 60
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'facilities_facility'")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'facility_level_pieces'::regclass"
        )
        (target,) = cursor.fetchone()
    assert set(synthetic.REBUILT_INDEXES) <= names
    assert target == 1000
    ranked.forget_piece_counts()
    assert ranked.piece_counts().counts  # ANALYZE ran: PostgreSQL lists the pieces


def physical_order() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM facilities_facility ORDER BY ctid")
        return [row[0] for row in cursor.fetchall()]


def rank_order() -> list[int]:
    from facilities.models import Facility

    return list(Facility.objects.ranked().values_list("pk", flat=True))


def test_a_large_generation_leaves_the_directory_in_rank_order_on_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from facilities import synthetic

    monkeypatch.setattr(synthetic, "REBUILD_FROM", 50)
    synthetic.generate_facilities(count=60)
    assert physical_order() == rank_order()


def test_cluster_facilities_puts_rows_changed_since_in_rank_order() -> None:
    from facilities.models import Facility

    call_command("generate_facilities", "--count", "40", stdout=io.StringIO())
    # Renamed and regraded: their new versions go to the end of the table.
    for facility in Facility.objects.order_by("pk")[:10]:
        facility.name = f"阿{facility.name}"
        facility.save()
    hospitals = Facility.objects.exclude(kind="pharmacy").order_by("-pk")
    Facility.objects.filter(pk__in=hospitals.values("pk")[:5]).update(tier=3, grade=3)
    assert physical_order() != rank_order()
    out = io.StringIO()
    call_command("cluster_facilities", stdout=out)
    assert physical_order() == rank_order()
    assert out.getvalue().startswith("Facility directory in rank order in ")


def test_the_made_up_searches_print_their_figures_and_the_slowest() -> None:
    call_command("generate_facilities", "--count", "1200", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "benchmark_facilities", "--mix", "30", "--seed", "3", "--slowest", "12", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("30 made-up searches (seed 3)") and "p95" in lines[0]
    assert len(lines) == 1 + 12 + 1
    assert all(line.split()[0].replace(".", "").isdigit() for line in lines[1:-1])
    assert lines[-1].startswith("Machine reference ")
