"""Counts for the agency dashboard, over the staff member's own regions."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

CACHE_SECONDS = 60


def _bars(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max((n for _, n in rows), default=0) or 1
    return [{"label": label, "count": n, "percent": round(100 * n / top)} for label, n in rows]


def dashboard_for(user: Any) -> dict[str, Any]:
    """Filings by status, category and destination province, and the queue's
    overdue count, for `user`'s regions; cached for a minute."""
    from filings.models import Filing, FilingCategory, Status
    from portal.models import Region

    regions = (
        "all"
        if user.is_superuser
        else ",".join(sorted(user.staff_regions.values_list("pk", flat=True)))
    )
    key = f"dashboard:{regions}"
    found = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    filings = Filing.objects.for_staff(user)
    by_status = dict(
        filings.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    by_category = dict(
        filings.values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    by_destination = list(
        filings.filter(status=Status.EFFECTIVE)
        .values_list("destination__parent_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )
    provinces = dict(Region.objects.provinces().values_list("code", "name"))
    overdue = filings.overdue().count()
    data = {
        "pending": by_status.get(Status.SUBMITTED, 0),
        "overdue": overdue,
        "today": filings.filter(submitted_at__date=timezone.localdate()).count(),
        "by_status": _bars([(str(s.label), by_status.get(s.value, 0)) for s in Status]),
        "by_category": _bars([(str(c.label), by_category.get(c.value, 0)) for c in FilingCategory]),
        "by_destination": _bars(
            [(provinces.get(code or "", code or "—"), n) for code, n in by_destination]
        ),
    }
    cache.set(key, data, CACHE_SECONDS)
    return data
