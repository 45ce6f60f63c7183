"""The audit trail: every change to a tracked row, recorded by database
triggers (django-pghistory), with who made it and what changed.

Shown on each object's admin "历史" page instead of Django's own log, and
exported as CSV. Access goes through the ModelAdmin's get_object, so a member
of staff sees the trail only of objects in their regions."""

from __future__ import annotations

import csv
from typing import Any

import pghistory.models
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.idnumbers import mask_id_number
from portal.models import User

SECRET_FIELDS = {"person_id_number", "grantor_id_number", "grantee_id_number", "id_number"}


def _masked(field: str, value: Any) -> Any:
    if field in SECRET_FIELDS and isinstance(value, str):
        return mask_id_number(value)
    return value


def trail(obj: Any) -> list[dict[str, Any]]:
    """Events for `obj`, oldest first, with the acting user's name and the
    before/after of each changed field (ID numbers masked)."""
    events = list(pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))
    user_ids = {
        (e.pgh_context or {}).get("user") for e in events if (e.pgh_context or {}).get("user")
    }
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}
    rows = []
    for event in events:
        context = event.pgh_context or {}
        diff = event.pgh_diff or {}
        changes = [
            {"field": field, "before": _masked(field, pair[0]), "after": _masked(field, pair[1])}
            for field, pair in sorted(diff.items())
        ]
        if not diff:
            # An insert, or the first change to a row older than the audit
            # trail: no earlier snapshot to compare with, so show what was recorded.
            changes = [
                {"field": field, "before": "", "after": _masked(field, value)}
                for field, value in sorted((event.pgh_data or {}).items())
                if not field.startswith("pgh_")
            ]
        rows.append(
            {
                "at": timezone.localtime(event.pgh_created_at),
                "label": {"insert": _("创建"), "update": _("修改")}.get(
                    event.pgh_label, event.pgh_label
                ),
                "who": _who(context, names),
                "url": context.get("url", ""),
                "changes": changes,
            }
        )
    return rows


def _who(context: dict[str, Any], names: dict[int, str]) -> str:
    user = context.get("user")
    if user is None:
        return _("系统")  # a migration, a command or a job: no request
    return names.get(user, str(user))


class AuditedAdmin(admin.ModelAdmin):
    """Replaces the admin's history page with the audit trail and adds a CSV export."""

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/history.csv",
                self.admin_site.admin_view(self.history_csv_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_history_csv",
            ),
            *super().get_urls(),
        ]

    def _audited_object(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        obj = self._audited_object(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("变更记录：%(obj)s") % {"obj": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "trail": trail(obj),
            "csv_url": f"{request.path.rstrip('/').rsplit('/', 1)[0]}/history.csv",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit_history.html", context)

    def history_csv_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._audited_object(request, object_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="history-{self.opts.model_name}-{obj.pk}.csv"'
        )
        response.write("\ufeff")  # Excel reads UTF-8 with a BOM
        writer = csv.writer(response)
        writer.writerow([_("时间"), _("操作"), _("操作人"), _("字段"), _("修改前"), _("修改后")])
        for row in trail(obj):
            for change in row["changes"] or [{"field": "", "before": "", "after": ""}]:
                writer.writerow(
                    [
                        row["at"].isoformat(),
                        row["label"],
                        row["who"],
                        change["field"],
                        change["before"],
                        change["after"],
                    ]
                )
        return response
