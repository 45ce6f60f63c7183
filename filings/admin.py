from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Left, Right
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filings import rules, services
from filings.models import (
    EventAction,
    FiledBy,
    Filing,
    FilingDocument,
    FilingEvent,
    FilingSettings,
    Status,
)
from portal.admin_tools import (
    CappedCountPaginator,
    ExportableAdmin,
    region_choices,
    staff_regions,
)
from portal.audit import AuditedAdmin
from portal.idnumbers import validate_id_number
from portal.models import Region, User


class DestinationProvinceFilter(admin.SimpleListFilter):
    title = gettext_lazy("就医省份")
    parameter_name = "destination_province"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(r.code, r.name) for r in Region.objects.provinces()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Filing]) -> QuerySet[Filing]:
        value = self.value()
        if not value:
            return queryset
        # The province's cities as literal codes: with a subquery the planner
        # cannot use its statistics and sorts every matching row.
        codes = list(Region.objects.filter(parent_id=value).values_list("code", flat=True))
        return queryset.filter(destination_id__in=codes)


class InsuredRegionFilter(admin.SimpleListFilter):
    """Only the regions the staff member serves (a 合肥 reviewer is not
    offered 300 other cities)."""

    title = gettext_lazy("参保地")
    parameter_name = "insured_region"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(r.pk, str(r)) for r in region_choices(request).select_related("region__parent")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Filing]) -> QuerySet[Filing]:
        value = self.value()
        return queryset.filter(insured_region_id=value) if value else queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("办理时限")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("已超时（超过下一个工作日）"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Filing]) -> QuerySet[Filing]:
        if self.value() != "yes":
            return queryset
        return queryset.overdue()  # type: ignore[attr-defined]


class MaterialsFilter(admin.SimpleListFilter):
    """Commitment filings (个人承诺制): uploaded materials to confirm, or
    past the deadline with nothing uploaded."""

    title = gettext_lazy("个人承诺材料")
    parameter_name = "materials"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("review", _("材料待审")), ("overdue", _("逾期未补"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Filing]) -> QuerySet[Filing]:
        if self.value() == "review":
            return queryset.materials_to_review()  # type: ignore[attr-defined]
        if self.value() == "overdue":
            return queryset.materials_overdue()  # type: ignore[attr-defined]
        return queryset


class FilingEventInline(admin.TabularInline):
    model = FilingEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "note",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FilingDocumentInline(admin.TabularInline):
    model = FilingDocument
    extra = 0
    can_delete = False
    fields = readonly_fields = ("open", "kind", "content_type", "size", "uploaded_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("文件"))
    def open(self, obj: FilingDocument) -> str:
        """A link to the file itself (FilingAdmin.document_view, region-scoped)."""
        if obj.pk is None or obj.filing_id is None:
            return "—"
        url = reverse("admin:filings_filing_document", args=[obj.filing_id, obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, obj)


class CounterFilingForm(forms.ModelForm):
    """A filing entered by staff at the counter (地方平台), settled on the spot."""

    class Meta:
        model = Filing
        fields = [
            "person_id_number",
            "person_name",
            "insured_region",
            "category",
            "destination",
            "start_date",
            "contact_phone",
            "referring_hospital",
            "diagnosis",
            "referral_date",
            "treating_hospital",
            "admission_date",
            "commitment",
        ]

    def clean_person_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["person_id_number"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        region, destination = data.get("insured_region"), data.get("destination")
        category, start = data.get("category"), data.get("start_date")
        if (
            region
            and destination
            and not rules.is_cross_province(region.province_code, destination.province_code)
        ):
            self.add_error("destination", _("备案地与参保地在同一个省，不属于跨省备案。"))
        if region and category and start and data.get("person_id_number"):
            defaults = services.counter_filing_defaults(
                region_id=region.pk, category=category, start=start
            )
            existing = services.find_existing(
                data["person_id_number"], category, start, defaults["end_date"]
            )
            if existing:
                self.add_error(
                    None,
                    _(
                        "已有备案信息，无需再次备案：%(ref)s（%(city)s，%(state)s）。请变更那份备案。"
                    )
                    % {
                        "ref": existing.reference,
                        "city": existing.destination.full_name,
                        "state": existing.state_label(),
                    },
                )
            for key, value in defaults.items():
                setattr(self.instance, key, value)
        return data


def _id(obj: Filing, full: bool) -> str:
    return obj.person_id_number if full else obj.masked_id_number


MASKED_ID = re.compile(r"^(\d{4})\*{10}(\d{3}[\dX])$")
REFERENCE = re.compile(r"^BA\d{8,}$")
FULL_ID = re.compile(r"^\d{17}[\dX]$")


@admin.register(Filing)
class FilingAdmin(AuditedAdmin, ExportableAdmin):
    list_display = [
        "reference",
        "person_name",
        "masked_id",
        "category",
        "destination_name",
        "status",
        "channel",
        "submitted_at",
        "waited",
    ]
    list_filter = [
        "status",
        "category",
        "channel",
        OverdueFilter,
        MaterialsFilter,
        DestinationProvinceFilter,
        InsuredRegionFilter,
        ("submitted_at", admin.DateFieldListFilter),
    ]
    search_fields = ["reference"]  # shows the search box; get_search_results decides
    search_help_text = gettext_lazy("备案编号、身份证号码（完整或打码的）或姓名")
    list_select_related = ["destination__parent", "insured_region__region"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # a count per filter option is millions of rows read
    export_columns = [
        (gettext_lazy("备案编号"), lambda f, full: f.reference),
        (gettext_lazy("参保人"), lambda f, full: f.person_name),
        (gettext_lazy("身份证号码"), _id),
        (gettext_lazy("参保地"), lambda f, full: f.insured_region_id),
        (gettext_lazy("备案类型"), lambda f, full: f.get_category_display()),
        (gettext_lazy("就医地"), lambda f, full: f.destination.full_name),
        (gettext_lazy("开始日期"), lambda f, full: f.start_date.isoformat()),
        (gettext_lazy("截止日期"), lambda f, full: f.last_day.isoformat() if f.last_day else ""),
        (gettext_lazy("状态"), lambda f, full: f.state_label()),
        (gettext_lazy("渠道"), lambda f, full: f.get_channel_display()),
        (gettext_lazy("提交时间"), lambda f, full: f.submitted_at),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Filing], search_term: str
    ) -> tuple[QuerySet[Filing], bool]:
        """A reference, a full ID number, a masked one as printed on lists and
        forms (3401**********123X), or a name: each an equality on an index
        (the admin's own "=field" search is case-insensitive, which no index
        serves on two million rows)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        upper = term.upper()
        found = MASKED_ID.match(upper)
        if found:
            head, tail = found.groups()
            matches = queryset.alias(
                id_head=Left("person_id_number", 4), id_tail=Right("person_id_number", 4)
            ).filter(id_head=head, id_tail=tail)
            return matches, False
        if REFERENCE.match(upper):
            return queryset.filter(reference=upper), False
        if FULL_ID.match(upper):
            return queryset.filter(person_id_number=upper), False
        return queryset.filter(person_name=term), False

    ordering = ["-submitted_at"]
    actions = ["approve_selected", "reject_selected"]
    autocomplete_fields = ["destination", "insured_region"]
    inlines = [FilingDocumentInline, FilingEventInline]
    change_form_template = "admin/filings/filing/change_form.html"
    readonly_fields = [
        "reference",
        "person",
        "person_id_number",
        "person_name",
        "insured_region",
        "category",
        "group",
        "destination",
        "start_date",
        "end_date",
        "ended_on",
        "channel",
        "filed_by_role",
        "filed_by",
        "status",
        "contact_phone",
        "referring_hospital",
        "diagnosis",
        "referral_date",
        "treating_hospital",
        "admission_date",
        "commitment",
        "materials_due",
        "materials_received_on",
        "replaces",
        "submitted_at",
        "decided_at",
        "decided_by",
        "rejection_reason",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Filing]:
        return Filing.objects.for_staff(request.user).select_related(
            "destination__parent", "insured_region__region"
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = CounterFilingForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return CounterFilingForm.Meta.fields
        return self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "insured_region":
            kwargs["queryset"] = region_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Filing, form: Any, change: bool) -> None:
        if change:
            raise PermissionDenied  # an approved filing is never edited in place
        if not region_choices(request).filter(pk=obj.insured_region_id).exists():
            raise PermissionDenied
        services.lock_person(obj.person_id_number)
        if services.find_existing(obj.person_id_number, obj.category, obj.start_date, obj.end_date):
            raise PermissionDenied  # the form reported it; a race lost here changes nothing
        account = User.objects.filter(id_number=obj.person_id_number).first()
        obj.person = account
        obj.filed_by = request.user  # type: ignore[assignment]
        obj.filed_by_role = FiledBy.STAFF
        obj.reference = services.next_reference(obj.insured_region_id, timezone.localdate())
        obj.status = Status.EFFECTIVE  # a counter filing is settled on the spot
        obj.decided_at = timezone.now()
        obj.decided_by = request.user  # type: ignore[assignment]
        if obj.commitment:
            obj.materials_due = rules.add_months(timezone.localdate(), services.COMMITMENT_MONTHS)
        obj.save()
        actor = request.user if isinstance(request.user, User) else None
        services.record(
            obj,
            EventAction.SUBMITTED,
            by=actor,
            role=FiledBy.STAFF,
            to_status=Status.SUBMITTED,
            note=_("窗口办理"),
        )
        services.record(
            obj,
            EventAction.APPROVED,
            by=actor,
            role=FiledBy.STAFF,
            from_status=Status.SUBMITTED,
            to_status=Status.EFFECTIVE,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is kept

    @admin.display(description=gettext_lazy("身份证号码"))
    def masked_id(self, obj: Filing) -> str:
        return obj.masked_id_number

    @admin.display(description=gettext_lazy("就医地"), ordering="destination")
    def destination_name(self, obj: Filing) -> str:
        return obj.destination.full_name

    @admin.display(description=gettext_lazy("已等待"))
    def waited(self, obj: Filing) -> str:
        if obj.status != Status.SUBMITTED:
            return "—"
        delta = timezone.now() - obj.submitted_at
        hours = int(delta.total_seconds() // 3600)
        text = _("%(d)d天%(h)d小时") % {"d": hours // 24, "h": hours % 24}
        return f"⚠ {text}" if obj.is_overdue() else text

    # --- approve and reject ---------------------------------------------------

    def _actor(self, request: HttpRequest) -> User:
        user = request.user
        assert isinstance(user, User)
        return user

    @admin.action(description=gettext_lazy("审核通过所选备案"), permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Filing]) -> None:
        done = skipped = 0
        for filing in queryset.filter(status=Status.SUBMITTED):
            try:
                services.approve(filing, by=self._actor(request))
                done += 1
            except ValidationError:
                skipped += 1
        skipped += queryset.exclude(status=Status.SUBMITTED).count()
        self.message_user(request, _("已审核通过 %(n)d 份备案。") % {"n": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d 份不在审核中，已跳过。") % {"n": skipped}, messages.WARNING
            )

    @admin.action(description=gettext_lazy("不予备案（需填写原因）"), permissions=["change"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Filing]
    ) -> HttpResponse | None:
        pending = queryset.filter(status=Status.SUBMITTED)
        reason = (request.POST.get("reason") or "").strip()
        if "apply" in request.POST:
            if reason:
                for filing in pending:
                    services.reject(filing, by=self._actor(request), reason=reason)
                self.message_user(
                    request, _("已对 %(n)d 份备案作出不予备案决定。") % {"n": len(pending)}
                )
                return None
            error = _("请填写不予备案的原因，参保人会看到这段话。")
        else:
            error = ""
        return TemplateResponse(
            request,
            "admin/filings/filing/reject_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("不予备案"),
                "filings": pending,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "reason": reason,
                "error": error,
                "opts": self.model._meta,
            },
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="filings_filing_decide",
            ),
            path(
                "<int:pk>/materials/",
                self.admin_site.admin_view(self.materials_view),
                name="filings_filing_materials",
            ),
            path(
                "<int:pk>/documents/<int:document>/",
                self.admin_site.admin_view(self.document_view),
                name="filings_filing_document",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        filing = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, filing):
            raise PermissionDenied
        url = reverse("admin:filings_filing_change", args=[pk])
        try:
            if request.POST.get("decision") == "approve":
                services.approve(filing, by=self._actor(request))
                self.message_user(request, _("已审核通过。"), messages.SUCCESS)
            elif request.POST.get("decision") == "reject":
                services.reject(
                    filing, by=self._actor(request), reason=request.POST.get("reason", "")
                )
                self.message_user(request, _("已作出不予备案决定。"), messages.SUCCESS)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(url)

    def materials_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Confirm a commitment filing's materials are complete (材料补齐日期):
        through services.confirm_materials, recorded in the history and the
        audit trail. Another region's filing is a 404."""
        if request.method != "POST":
            return HttpResponse(status=405)
        filing = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, filing):
            raise PermissionDenied
        try:
            services.confirm_materials(filing, by=self._actor(request))
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(
                request, _("已确认材料补齐：参保人两地都可以享受待遇。"), messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:filings_filing_change", args=[pk]))

    def document_view(self, request: HttpRequest, pk: int, document: int) -> FileResponse:
        """The evidence file itself, for staff of the filing's insured region
        only (the queryset is region-scoped: anyone else gets a 404)."""
        filing = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, filing):
            raise PermissionDenied
        found = get_object_or_404(FilingDocument, filing=filing, pk=document)
        response = FileResponse(found.file.open("rb"), content_type=found.content_type)
        response["Content-Disposition"] = "inline"
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


@admin.register(FilingSettings)
class FilingSettingsAdmin(AuditedAdmin):
    list_display = [
        "region",
        "temporary_validity_months",
        "change_lock_months",
        "online_effective_at_once",
        "retroactive_days",
        "online_channel",
    ]
    autocomplete_fields = ["region"]
    search_fields = ["region__name", "region__code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FilingSettings]:
        queryset = super().get_queryset(request)
        regions = staff_regions(request)
        return queryset if regions is None else queryset.filter(region__in=regions)
