"""Counts for the agency dashboard, over the staff member's own regions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from filings import rules
from filings.models import Filing, FilingCategory, Status
from portal.models import Region

CACHE_SECONDS = 60


def _bars(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max((n for _, n in rows), default=0) or 1
    return [{"label": label, "count": n, "percent": round(100 * n / top)} for label, n in rows]


def dashboard_for(user: Any) -> dict[str, Any]:
    """Filings by status, category and destination province, and the queue's
    overdue count, for `user`'s regions; cached for a minute.

    One grouped query gives all three charts: it reads only the columns of
    filing_queue_idx (region, status, then category and destination carried
    in the index), so PostgreSQL counts from the index without visiting the
    table — about a tenth of the time of three separate counts at 2,000,000
    filings (README, "Admin filing list")."""
    served = user.insured_regions_served()
    regions = "all" if served is None else ",".join(sorted(served.values_list("pk", flat=True)))
    key = f"dashboard:{regions}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    filings = Filing.objects.for_staff(user)
    by_status: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_destination: Counter[str] = Counter()
    province_of = dict(Region.objects.exclude(parent=None).values_list("code", "parent_id"))
    groups = (
        filings.order_by()
        .values_list("status", "category", "destination_id")
        .annotate(n=Count("*"))
        .values_list("status", "category", "destination_id", "n")
    )
    for status, category, destination, n in groups:
        by_status[status] += n
        by_category[category] += n
        if status == Status.EFFECTIVE:
            by_destination[province_of.get(destination, destination)] += n
    provinces = dict(Region.objects.provinces().values_list("code", "name"))
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    data = {
        # Without the year's holiday schedule, "overdue" skips weekends only.
        "holidays_known": rules.holidays_known_for(today.year),
        "pending": by_status[Status.SUBMITTED],
        "overdue": filings.overdue().count(),
        # A range on submitted_at (not its date): the index on it applies.
        "today": filings.filter(
            submitted_at__gte=midnight, submitted_at__lt=midnight + dt.timedelta(days=1)
        ).count(),
        "by_status": _bars([(str(s.label), by_status[s.value]) for s in Status]),
        "by_category": _bars([(str(c.label), by_category[c.value]) for c in FilingCategory]),
        "by_destination": _bars(
            [(provinces.get(code, code), n) for code, n in by_destination.most_common(10)]
        ),
    }
    cache.set(key, data, CACHE_SECONDS)
    return data
