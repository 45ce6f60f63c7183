"""National reference data shipped with the portal (portal/data/, see its README)."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"


def read_regions(path: Path = REGIONS_CSV) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "parent_id": row["parent"] or None,
                "latitude": Decimal(row["latitude"]) if row["latitude"] else None,
                "longitude": Decimal(row["longitude"]) if row["longitude"] else None,
            }
            for row in csv.DictReader(f)
        ]


def agency_name_for(name: str) -> str:
    return f"{name}医疗保障局"


def load_regions(region_model: Any, insurance_model: Any) -> tuple[int, int]:
    """Upsert every region, and a pooling region for each destination-level
    region and for 新疆生产建设兵团. Idempotent; keeps agency names and
    hotlines that staff have edited. Returns (regions, new pooling regions)."""
    rows = read_regions()
    # Parents first, so the foreign keys resolve.
    rows.sort(key=lambda r: (r["parent_id"] is not None, r["code"]))
    for row in rows:
        code = row.pop("code")
        region_model.objects.update_or_create(code=code, defaults=row)
        row["code"] = code
    created = 0
    for row in rows:
        pooling = row["level"] != "province" or row["code"] == "660000"
        if pooling:
            _, was_created = insurance_model.objects.get_or_create(
                region_id=row["code"], defaults={"agency_name": agency_name_for(row["name"])}
            )
            created += was_created
    return len(rows), created


HOTLINES_CSV = Path(__file__).resolve().parent / "data" / "hotlines.csv"


@dataclass(frozen=True)
class Hotline:
    """A number to call about a pooling region's insurance, as a caller in
    another city dials it. `confirmed` is False for a number derived from
    the national rule (area code + 12393, portal/data/hotlines.csv) that
    nobody has checked against the agency's own publication."""

    number: str
    confirmed: bool
    source: str = ""

    @property
    def dial(self) -> str:
        """For a tel: link: digits and separators ("0551-12393（演示）" → "0551-12393")."""
        return re.sub(r"[^0-9+\-]", "", self.number)


@functools.cache
def derived_hotlines(path: Path = HOTLINES_CSV) -> dict[str, Hotline]:
    """Region code → area code + 12393, from the data file (see its README)."""
    with path.open(encoding="utf-8") as f:
        return {
            row["code"]: Hotline(
                row["hotline"], confirmed=row["status"] == "confirmed", source=row["source"]
            )
            for row in csv.DictReader(f)
            if row["hotline"]
        }
