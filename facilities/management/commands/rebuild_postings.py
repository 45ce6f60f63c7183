"""Write every facility's position and every posting again (facilities.postings)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from facilities import postings


class Command(BaseCommand):
    help = (
        "Number the facilities in rank order and write the search postings again:"
        " after loading facilities by other means than import_facilities or the admin."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            postings.rebuild()
        self.stdout.write(f"Postings rebuilt in {time.perf_counter() - started:.1f} s.")
