from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditedAdmin
from portal.models import InsuranceRegion, Region, User
from portal.reference import derived_hotlines


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(InsuranceRegion)
class InsuranceRegionAdmin(admin.ModelAdmin):
    list_display = ["region", "agency_name", "hotline", "derived_hotline"]
    search_fields = ["region__code", "region__name", "agency_name"]
    list_select_related = ["region__parent"]
    autocomplete_fields = ["region"]
    readonly_fields = ["derived_hotline"]
    fields = ["region", "agency_name", "hotline", "derived_hotline"]

    @admin.display(description=_("按区号推算的电话（未经核实）"))
    def derived_hotline(self, obj: InsuranceRegion) -> str:
        """What the site shows while 咨询电话 is blank; entering the agency's
        own published number in 咨询电话 replaces it."""
        phone = derived_hotlines().get(obj.region_id) if obj.region_id else None
        if phone is None:
            return str(_("无（两个来源都没有这个地区的区号）"))
        return f"{phone.number}（{phone.source}）"


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["full_name", "masked_id_number", "insured_region", "scheme", "is_staff"]
    list_filter = ["is_staff", "scheme", "member_status"]
    search_fields = ["full_name", "=id_number", "=mobile"]
    list_select_related = ["insured_region__region__parent"]
    autocomplete_fields = ["insured_region"]
    filter_horizontal = ["staff_regions", "staff_treatment_regions", "groups", "user_permissions"]
    fieldsets = (
        (None, {"fields": ("id_number", "password")}),
        (
            _("个人信息"),
            {
                "fields": (
                    "full_name",
                    "mobile",
                    "email",
                    "insured_region",
                    "scheme",
                    "member_status",
                )
            },
        ),
        (
            _("经办权限"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "staff_regions",
                    "staff_treatment_regions",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "id_number",
                    "full_name",
                    "mobile",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: User) -> str:
        return obj.masked_id_number
