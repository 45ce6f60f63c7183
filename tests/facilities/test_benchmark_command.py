"""The benchmark commands keep working (they print figures; nothing here
checks a speed)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from demo.management.commands.benchmark_facilities import SEARCHES

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
