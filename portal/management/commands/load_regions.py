from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.models import InsuranceRegion, Region
from portal.reference import load_regions


class Command(BaseCommand):
    help = "Load or refresh regions and pooling regions from portal/data/regions.csv (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        regions, created = load_regions(Region, InsuranceRegion)
        self.stdout.write(f"{regions} regions loaded; {created} new pooling regions.")
