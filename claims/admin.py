from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ForeignKey, QuerySet, Sum
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from claims import reports, services
from claims.choices import FilingSituation
from claims.models import (
    LARGE_CASE_THRESHOLD,
    Policy,
    PolicyBand,
    Reimbursement,
    ReimbursementDocument,
    ReimbursementEvent,
    ReimbursementLine,
    ReimbursementStatus,
    Settlement,
    SettlementReport,
)
from claims.views import document_response
from portal.admin_tools import staff_regions
from portal.audit import AuditedAdmin
from portal.idnumbers import mask_id_number
from portal.models import InsuranceRegion, Region, User


class PolicyBandFormSet(forms.BaseInlineFormSet):
    """Bands run from 0 upwards, each to its limit; the top one has no limit,
    so every yuan of in-scope cost falls in exactly one band."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        open_bands = [data for data in kept if data.get("up_to") is None]
        if len(open_bands) != 1:
            raise forms.ValidationError(
                _("请设置且只设置一个不填上限的最高费用段，政策范围内的每一元费用才都有支付比例。")
            )
        limits = [data["up_to"] for data in kept if data.get("up_to") is not None]
        if len(limits) != len(set(limits)):
            raise forms.ValidationError(_("两个费用段不能有相同的上限。"))


class PolicyBandInline(admin.TabularInline):
    model = PolicyBand
    formset = PolicyBandFormSet
    extra = 0
    min_num = 1


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    list_display = [
        "insured_region",
        "scheme",
        "member_status",
        "care_type",
        "valid_from",
        "valid_until",
        "deductible",
        "annual_cap",
    ]
    list_filter = ["scheme", "member_status", "care_type", "valid_from"]
    search_fields = ["insured_region__region__name", "=insured_region__region__code", "note"]
    list_select_related = ["insured_region__region__parent"]
    autocomplete_fields = ["insured_region"]
    date_hierarchy = "valid_from"
    inlines = [PolicyBandInline]
    fieldsets = (
        (None, {"fields": ("insured_region", "scheme", "member_status", "care_type", "note")}),
        (_("有效期"), {"fields": ("valid_from", "valid_until")}),
        (
            _("起付线与最高支付限额"),
            {"fields": ("deductible", "later_admission_deductible", "annual_cap")},
        ),
        (
            _("临时外出就医人员的支付比例降低"),
            {
                "description": _(
                    "长期备案人员执行参保地本地待遇，不降低。转诊和急诊抢救人员最多降低 10 个"
                    "百分点，其他临时外出就医人员最多降低 20 个百分点（医保发〔2022〕22号）。"
                ),
                "fields": (
                    "referral_reduction",
                    "emergency_reduction",
                    "other_temporary_reduction",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Policy]:
        queryset = super().get_queryset(request)
        regions = staff_regions(request)
        return queryset if regions is None else queryset.filter(insured_region__in=regions)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        regions = staff_regions(request)
        if db_field.name == "insured_region" and regions is not None:
            kwargs["queryset"] = regions
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- settlement records ----------------------------------------------------


class LargeCaseFilter(admin.SimpleListFilter):
    """大额协查: cases of 30,000 yuan or more, which the treatment place's
    agency helps the insured place investigate."""

    title = _("大额协查（3 万元及以上）")
    parameter_name = "large"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("需要协查")), ("no", _("不需要"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(total__gte=LARGE_CASE_THRESHOLD)
        if self.value() == "no":
            return queryset.filter(total__lt=LARGE_CASE_THRESHOLD)
        return queryset


class TreatmentProvinceFilter(admin.SimpleListFilter):
    title = _("就医省份")
    parameter_name = "treatment_province"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(r.code, r.name) for r in Region.objects.provinces()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(treatment_city__parent_id=value) if value else queryset


@admin.register(Settlement)
class SettlementAdmin(AuditedAdmin):
    """Settlement records come from the national settlement system: staff read
    them here (and filter the large cases to assist), they never edit them."""

    list_display = [
        "number",
        "person_name",
        "discharge_date",
        "insured_region",
        "treatment_city_name",
        "facility_name",
        "care_type",
        "total",
        "fund",
        "direct",
        "large_case",
    ]
    list_filter = [
        LargeCaseFilter,
        "direct",
        "care_type",
        "situation",
        TreatmentProvinceFilter,
    ]
    search_fields = ["=number", "=person_id_number", "facility_name"]
    list_select_related = ["insured_region__region__parent", "treatment_city__parent"]
    date_hierarchy = "discharge_date"
    list_per_page = 50
    show_full_result_count = False
    exclude = ["person", "person_id_number", "breakdown"]
    readonly_fields = ["masked_id_number", "large_case"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Settlement]:
        return Settlement.objects.for_staff(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: Settlement) -> str:
        return mask_id_number(obj.person_id_number)

    @admin.display(description=_("就医地"), ordering="treatment_city")
    def treatment_city_name(self, obj: Settlement) -> str:
        return obj.treatment_city.full_name

    @admin.display(description=_("大额协查"), boolean=True)
    def large_case(self, obj: Settlement) -> bool:
        return obj.needs_assisted_review


# --- the money report ------------------------------------------------------


def _province_code(value: str | None) -> str:
    return value if value and value.isdigit() and len(value) == 6 else ""


def rate_chart(report: reports.Report) -> dict[str, Any]:
    """Geometry of an SVG column chart of the monthly inpatient direct-settlement
    rate with the 70% target as a line (no JavaScript, no library)."""
    # The right margin holds the target line's label.
    width, height, left, right, top, bottom = 660, 260, 40, 64, 16, 36
    plot = height - top - bottom
    step = (width - left - right) / 12
    bar = step * 0.62

    def y(percent: Decimal) -> float:
        return top + plot * (1 - float(percent) / 100)

    columns = []
    for month, figures in reports.monthly_rates(report):
        value = figures.direct_rate
        x = left + step * (month - 1) + (step - bar) / 2
        columns.append(
            {
                "month": month,
                "x": round(x, 1),
                "label_x": round(x + bar / 2, 1),
                "width": round(bar, 1),
                "y": round(y(value), 1) if value is not None else None,
                "height": round(plot * float(value) / 100, 1) if value is not None else 0,
                "rate": value,
                "ok": value is not None and value >= reports.DIRECT_RATE_TARGET,
                "cases": figures.inpatient,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "target_label_x": width - 4,
        "baseline": top + plot,
        "target_y": round(y(reports.DIRECT_RATE_TARGET), 1),
        "gridlines": [{"y": round(y(Decimal(p)), 1), "label": p} for p in (0, 25, 50, 75, 100)],
        "columns": columns,
        "label_y": top + plot + 20,
    }


@admin.register(SettlementReport)
class SettlementReportAdmin(admin.ModelAdmin):
    """跨省就医资金报表: an entry in the admin index whose list page is the
    report. Whoever may read settlement records may read the report on them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Settlement]:
        return Settlement.objects.for_staff(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("claims.view_settlement")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("claims.view_settlement")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        scoped = self.get_queryset(request)
        today = timezone.localdate()
        years = reports.years_with_data(scoped)
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = today.year
        if not 2000 <= year <= today.year + 1:
            year = today.year
        insured = _province_code(request.GET.get("insured"))
        treatment = _province_code(request.GET.get("treatment"))
        report = reports.build_report(
            scoped, year=year, insured_province=insured, treatment_province=treatment
        )
        if request.GET.get("format") == "csv":
            return csv_response(report)
        regions = staff_regions(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("跨省就医资金报表"),
            "opts": self.model._meta,
            "report": report,
            "year": year,
            "years": sorted({*years, today.year}, reverse=True),
            "provinces": list(Region.objects.provinces().values_list("code", "name")),
            "insured": insured,
            "treatment": treatment,
            "chart": rate_chart(report),
            "target": reports.DIRECT_RATE_TARGET,
            "scope": None if regions is None else _scope(request.user, regions),
            "query": request.GET.urlencode(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/claims/settlementreport/report.html", context)


def _scope(user: Any, regions: QuerySet[InsuranceRegion]) -> dict[str, str]:
    """The staff member's insured regions and treatment cities, in words."""
    return {
        "insured": "、".join(str(r) for r in regions.select_related("region__parent")),
        "treated": "、".join(
            r.full_name for r in user.staff_treatment_regions.select_related("parent")
        ),
    }


def csv_response(report: reports.Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cross-province-settlements-{report.year}.csv"'
    )
    response.write("\ufeff")  # so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    for row in reports.csv_rows(report):
        writer.writerow(row)
    return response


# --- manual reimbursement review -------------------------------------------


class ReimbursementPartInline(admin.TabularInline):
    """Lines, documents and history are parts of the application: whoever may
    see the application sees them; nobody edits them here."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("claims.view_reimbursement")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReimbursementLineInline(ReimbursementPartInline):
    model = ReimbursementLine
    fields = readonly_fields = ("catalogue_class", "amount", "first_self_pay_share")


class ReimbursementDocumentInline(ReimbursementPartInline):
    model = ReimbursementDocument
    fields = readonly_fields = ("kind", "open_link", "content_type", "size", "uploaded_at")

    @admin.display(description=_("文件"))
    def open_link(self, obj: ReimbursementDocument) -> str:
        url = reverse("admin:claims_reimbursement_document", args=[obj.reimbursement_id, obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', url, obj.original_name
        )


class ReimbursementEventInline(ReimbursementPartInline):
    model = ReimbursementEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "actor", "note")


class ReimbursementReviewForm(forms.ModelForm):
    """Only the filing situation may be corrected, and only before a decision."""

    class Meta:
        model = Reimbursement
        fields = ["situation"]


DECISIONS = {
    "start_review": ReimbursementStatus.UNDER_REVIEW,
    "approve": ReimbursementStatus.APPROVED,
    "reject": ReimbursementStatus.REJECTED,
    "pay": ReimbursementStatus.PAID,
}


@admin.register(Reimbursement)
class ReimbursementAdmin(AuditedAdmin):
    list_display = [
        "reference",
        "applicant",
        "submitted_at",
        "care_type",
        "treatment_city_name",
        "claimed_total",
        "approved_amount",
        "status",
    ]
    list_filter = ["status", "reason", "care_type", ("submitted_at", admin.DateFieldListFilter)]
    search_fields = ["=reference", "=person__id_number", "=person__full_name"]
    list_select_related = ["person", "treatment_city__parent"]
    list_per_page = 50
    show_full_result_count = False
    ordering = ["-submitted_at"]
    actions = ["start_review_selected", "mark_paid_selected"]
    inlines = [ReimbursementLineInline, ReimbursementDocumentInline, ReimbursementEventInline]
    form = ReimbursementReviewForm
    change_form_template = "admin/claims/reimbursement/change_form.html"
    readonly_fields = [
        "reference",
        "applicant",
        "insured_region",
        "scheme",
        "member_status",
        "settlement",
        "treatment_city_name",
        "facility_name",
        "facility_level",
        "care_type",
        "admission_date",
        "discharge_date",
        "reason",
        "note",
        "bank_name",
        "masked_account",
        "status",
        "submitted_at",
        "approved_amount",
        "rejection_reason",
        "decided_at",
        "decided_by",
        "paid_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reimbursement]:
        return (
            Reimbursement.objects.for_staff(request.user)
            .select_related("person", "treatment_city__parent", "insured_region__region__parent")
            .annotate(claimed=Sum("lines__amount"))
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["situation", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status in (
            ReimbursementStatus.SUBMITTED,
            ReimbursementStatus.UNDER_REVIEW,
        ):
            return self.readonly_fields
        return ["situation", *self.readonly_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history is kept

    def save_model(self, request: HttpRequest, obj: Reimbursement, form: Any, change: bool) -> None:
        if "situation" in form.changed_data:
            old = form.initial.get("situation", "")
            with transaction.atomic():
                obj.save(update_fields=["situation"])
                services.record(
                    obj,
                    by=_actor(request),
                    from_status=obj.status,
                    to_status=obj.status,
                    note=_("备案情况更正为：%(label)s") % {"label": obj.get_situation_display()}
                    + (f"（{FilingSituation(old).label}）" if old else ""),
                )

    @admin.display(description=_("申请人"), ordering="person__full_name")
    def applicant(self, obj: Reimbursement) -> str:
        return str(obj.person)

    @admin.display(description=_("就医地"))
    def treatment_city_name(self, obj: Reimbursement) -> str:
        return obj.treatment_city.full_name

    @admin.display(description=_("申请金额（元）"))
    def claimed_total(self, obj: Reimbursement) -> Decimal | None:
        return getattr(obj, "claimed", None)

    @admin.display(description=_("收款银行卡"))
    def masked_account(self, obj: Reimbursement) -> str:
        return obj.masked_bank_account

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id is not None and object_id.isdigit():
            obj = self.get_queryset(request).filter(pk=int(object_id)).first()
            if obj is not None and obj.status in (
                ReimbursementStatus.SUBMITTED,
                ReimbursementStatus.UNDER_REVIEW,
            ):
                extra_context["assessment"] = services.assess(obj)
                extra_context["assessed"] = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    # --- decisions ---------------------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="claims_reimbursement_decide",
            ),
            path(
                "<int:pk>/documents/<int:document>/",
                self.admin_site.admin_view(self.document_view),
                name="claims_reimbursement_document",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        reimbursement = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, reimbursement):
            raise PermissionDenied
        decision = request.POST.get("decision", "")
        note = (request.POST.get("note") or "").strip()[:500]
        actor = _actor(request)
        try:
            if decision == "start_review":
                services.start_review(reimbursement, by=actor)
                self.message_user(request, _("已开始审核。"), messages.SUCCESS)
            elif decision == "approve":
                done = services.approve(reimbursement, by=actor, note=note)
                self.message_user(
                    request,
                    _("已审核通过，核定报销 %(amount)s 元。")
                    % {"amount": f"{done.approved_amount:,.2f}"},
                    messages.SUCCESS,
                )
            elif decision == "reject":
                services.reject(reimbursement, by=actor, reason=request.POST.get("reason", ""))
                self.message_user(request, _("已作出不予报销决定。"), messages.SUCCESS)
            elif decision == "pay":
                services.mark_paid(reimbursement, by=actor, note=note)
                self.message_user(request, _("已记录为已支付。"), messages.SUCCESS)
            else:
                self.message_user(request, _("没有这个操作。"), messages.ERROR)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:claims_reimbursement_change", args=[pk]))

    def document_view(self, request: HttpRequest, pk: int, document: int) -> FileResponse:
        reimbursement = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, reimbursement):
            raise PermissionDenied
        found = get_object_or_404(reimbursement.documents, pk=document)
        return document_response(found)

    @admin.action(description=_("开始审核所选申请"), permissions=["change"])
    def start_review_selected(
        self, request: HttpRequest, queryset: QuerySet[Reimbursement]
    ) -> None:
        done, skipped = _step_each(
            queryset, ReimbursementStatus.SUBMITTED, services.start_review, by=_actor(request)
        )
        self.message_user(request, _("已开始审核 %(n)d 份申请。") % {"n": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d 份不是待审核状态，已跳过。") % {"n": skipped}, messages.WARNING
            )

    @admin.action(description=_("标记所选申请为已支付"), permissions=["change"])
    def mark_paid_selected(self, request: HttpRequest, queryset: QuerySet[Reimbursement]) -> None:
        done, skipped = _step_each(
            queryset, ReimbursementStatus.APPROVED, services.mark_paid, by=_actor(request)
        )
        self.message_user(request, _("已支付 %(n)d 份申请。") % {"n": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, _("%(n)d 份不是审核通过状态，已跳过。") % {"n": skipped}, messages.WARNING
            )


def _step_each(
    queryset: QuerySet[Reimbursement],
    status: str,
    step: Callable[..., object],
    *,
    by: User,
) -> tuple[int, int]:
    """Take each selected application in `status` one step on; how many
    were moved, and how many were skipped for being in another status."""
    done = 0
    for reimbursement in queryset.filter(status=status):
        step(reimbursement, by=by)
        done += 1
    return done, queryset.exclude(status=status).count()


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user
