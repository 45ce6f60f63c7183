from __future__ import annotations

import io

from django.core.management import call_command


def test_the_benchmark_prints_settlements_per_second_without_a_database() -> None:
    out = io.StringIO()
    call_command("bench_engine", "--count", "200", "--rounds", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("round 1: 200 settlements in ")
    assert lines[-1].startswith("best: ") and "settlements per second" in lines[-1]
