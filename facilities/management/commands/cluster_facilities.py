"""Put the facility directory in rank order on disk, then refresh its statistics."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from facilities import ranked


class Command(BaseCommand):
    help = (
        "Rewrite the facility directory in rank order (CLUSTER) and refresh its statistics,"
        " after large imports. Locks the table while it runs: use a quiet hour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ranked.put_in_rank_order()
        ranked.refresh_statistics()
        self.stdout.write(
            f"Facility directory in rank order in {time.perf_counter() - started:.1f} s."
        )
