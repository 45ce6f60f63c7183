from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from claims.models import Policy, PolicyBand
from portal.models import InsuranceRegion, User


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


def staff_regions(request: HttpRequest) -> QuerySet[InsuranceRegion] | None:
    """The pooling regions this staff member may see, or None for all."""
    user = request.user
    if not isinstance(user, User) or user.is_superuser:
        return None
    return user.staff_regions.all()


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
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
