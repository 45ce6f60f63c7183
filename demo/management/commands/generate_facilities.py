"""Synthetic facility directories for benchmarks and demos."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.synthetic_facilities import generate_facilities


class Command(BaseCommand):
    help = "Add N synthetic facilities (marked 演示数据, codes XH…/XP…) with PostgreSQL COPY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--replace", action="store_true", help="delete existing synthetic facilities first"
        )

    def handle(self, *args: Any, count: int, seed: int, replace: bool, **options: Any) -> None:
        started = time.perf_counter()
        added = generate_facilities(count=count, seed=seed, replace=replace)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{added} synthetic facilities added in {elapsed:.1f} s.")
