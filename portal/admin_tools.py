"""Admin helpers for big, region-scoped lists: which regions a staff member
serves, a paginator that never counts millions of rows, and CSV/XLSX export
of exactly what a list shows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property

from portal.models import InsuranceRegion, User

EXACT_COUNT_LIMIT = 10_000
EXPORT_LIMIT = 100_000


def staff_regions(request: HttpRequest) -> QuerySet[InsuranceRegion] | None:
    """The pooling regions the signed-in staff member serves, or None for a
    national superuser (User.insured_regions_served)."""
    user = request.user
    if not isinstance(user, User):
        return InsuranceRegion.objects.none()
    return user.insured_regions_served()


def region_choices(request: HttpRequest) -> QuerySet[InsuranceRegion]:
    """The regions this staff member may pick in a form or a list filter."""
    regions = staff_regions(request)
    return InsuranceRegion.objects.all() if regions is None else regions


class CappedCountPaginator(Paginator):
    """Counts exactly up to 10,000 rows; beyond that takes PostgreSQL's
    planner estimate, so a list of two million rows costs no COUNT(*)."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        qs: Any = self.object_list
        capped = qs.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if capped <= EXACT_COUNT_LIMIT:
            return capped
        sql, params = qs.order_by().query.sql_with_params()
        with connections[qs.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return max(int(plan[0]["Plan"]["Plan Rows"]), capped)


class _Echo:
    def write(self, value: str) -> str:
        return value


class ExportableAdmin(admin.ModelAdmin):
    """Adds "export CSV / Excel" for the list as filtered and searched,
    through the same region-scoped queryset. `export_columns` lists
    (header, function of object and whether full ID numbers may be shown)."""

    export_columns: list[tuple[Any, Callable[[Any, bool], Any]]] = []
    change_list_template = "admin/exportable_change_list.html"

    def get_urls(self) -> list[Any]:
        opts = self.opts
        return [
            path(
                "export.<str:kind>",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, kind: str) -> HttpResponseBase:
        if kind not in ("csv", "xlsx") or not self.has_view_permission(request):
            return HttpResponse(status=404)
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request)[:EXPORT_LIMIT]
        full = request.user.has_perm("portal.view_full_id_number")
        headers = [h for h, _ in self.export_columns]
        name = f"{self.opts.model_name}-{timezone.localdate():%Y%m%d}"

        def lines() -> Iterator[list[Any]]:
            for obj in rows.iterator(chunk_size=2000):
                yield [fn(obj, full) for _, fn in self.export_columns]

        response: HttpResponseBase
        if kind == "csv":
            writer = csv.writer(_Echo())
            stream = (writer.writerow(line) for line in _with_header(headers, lines()))
            response = StreamingHttpResponse(_bom(stream), content_type="text/csv; charset=utf-8")
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet(title=str(self.opts.verbose_name_plural)[:31])
            for line in _with_header(headers, lines()):
                sheet.append([_cell(v) for v in line])
            buffer = io.BytesIO()
            book.save(buffer)
            response = HttpResponse(
                buffer.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
        return response


def _with_header(headers: list[str], lines: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield headers
    yield from lines


def _bom(stream: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"  # so that Excel reads the CSV as UTF-8
    yield from stream


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value if isinstance(value, int | float | str) or value is None else str(value)
