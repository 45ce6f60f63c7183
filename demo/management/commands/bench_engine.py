"""Settlements per second of the pure engine, on one core, no database.

Prints figures; nothing here asserts a speed (STYLE.md: benchmarks, not timed tests).
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claims.engine import (
    Band,
    BillLine,
    CareType,
    CatalogueClass,
    FacilityLevel,
    FilingSituation,
    PolicyTerms,
    YearToDate,
    settle,
)

# Shaped like a three-band inpatient policy (北京 in the demo data).
POLICY = PolicyTerms(
    care_type=CareType.INPATIENT,
    deductible=Decimal("1300.00"),
    later_admission_deductible=Decimal("650.00"),
    annual_cap=Decimal("500000.00"),
    bands=tuple(
        Band(
            up_to=Decimal(up_to) if up_to else None,
            ratios={
                FacilityLevel.LEVEL_1: Decimal(l1),
                FacilityLevel.LEVEL_2: Decimal(l2),
                FacilityLevel.LEVEL_3: Decimal(l3),
            },
        )
        for up_to, l1, l2, l3 in (
            ("30000", "90", "87", "85"),
            ("40000", "95", "92", "90"),
            ("", "97", "97", "95"),
        )
    ),
    referral_reduction=Decimal(5),
    emergency_reduction=Decimal(5),
    other_temporary_reduction=Decimal(15),
)


def random_case(rng: random.Random) -> dict[str, Any]:
    """One admission: a handful of lines of each class, a year's history."""
    lines = []
    for _ in range(rng.randint(3, 12)):
        catalogue_class = rng.choice(list(CatalogueClass))
        share = Decimal(rng.choice([5, 10, 20])) if catalogue_class == CatalogueClass.B else 0
        lines.append(
            BillLine(
                Decimal(rng.randint(100, 2_000_000)).scaleb(-2), catalogue_class, Decimal(share)
            )
        )
    return {
        "situation": rng.choice(list(FilingSituation)),
        "level": rng.choice(list(FacilityLevel)),
        "lines": lines,
        "year": YearToDate(
            fund_paid=Decimal(rng.randint(0, 60_000_000)).scaleb(-2),
            admissions=rng.randint(0, 3),
        ),
    }


class Command(BaseCommand):
    help = "Benchmark the settlement engine: prints settlements per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=50_000, help="settlements per round")
        parser.add_argument("--rounds", type=int, default=3, help="rounds; the best is reported")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, count: int, rounds: int, seed: int, **options: Any) -> None:
        rng = random.Random(seed)  # noqa: S311 - benchmark input, not secrets
        cases = [random_case(rng) for _ in range(count)]
        lines = sum(len(case["lines"]) for case in cases)
        best = 0.0
        for n in range(1, rounds + 1):
            start = time.perf_counter()
            for case in cases:
                settle(policy=POLICY, **case)
            elapsed = time.perf_counter() - start
            rate = count / elapsed if elapsed else float("inf")
            best = max(best, rate)
            self.stdout.write(f"round {n}: {count} settlements in {elapsed:.3f} s = {rate:,.0f}/s")
        self.stdout.write(
            f"best: {best:,.0f} settlements per second "
            f"({lines / count:.1f} bill lines each, one process)"
        )
