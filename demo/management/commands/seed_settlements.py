"""Settlements for the synthetic people of `seed_demo --scale N`: one each,
under their filing, settled by the engine (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Settlement
from demo.claims import seed_bulk_settlements
from portal.models import User


class Command(BaseCommand):
    help = "One settlement for each synthetic person (seed_demo --scale) who has a filing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_settlements writes demo data; it runs only with DEBUG=1.")
        added, last = 0, 0
        while True:  # in primary-key order, 20,000 people at a time
            chunk = list(
                User.objects.filter(mobile__startswith="170", pk__gt=last).order_by("pk")[:20000]
            )
            if not chunk:
                break
            added += seed_bulk_settlements(chunk)
            last = chunk[-1].pk
        self.stdout.write(f"{added} settlements added; {Settlement.objects.count()} in all.")
