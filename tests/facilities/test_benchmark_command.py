"""The benchmark commands keep working (they print figures; nothing here
checks a speed)."""

from __future__ import annotations

import io

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
    assert len(lines) == 2 + len(SEARCHES) + 1
    assert lines[-1].startswith("Worst p95: page ")
    assert all(line.split()[-1].rstrip("+").isdigit() for line in lines[2:-1])
