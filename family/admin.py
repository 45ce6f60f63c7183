from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from family.models import Grant, GrantStatus, Guardianship
from portal.admin_tools import staff_regions
from portal.audit import AuditedAdmin
from portal.idnumbers import validate_id_number
from portal.models import User
from portal.uploads import check_upload


class CounterGrantForm(forms.ModelForm):
    """A grant recorded at the counter from a signed paper authorisation."""

    class Meta:
        model = Grant
        fields = [
            "grantor_id_number",
            "grantor_name",
            "grantee_id_number",
            "grantee_name",
            "relationship",
            "scope",
            "valid_until",
            "paper",
        ]

    def clean_grantor_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["grantor_id_number"])

    def clean_grantee_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["grantee_id_number"])

    def clean_paper(self) -> Any:
        paper = self.cleaned_data.get("paper")
        if not paper:
            raise forms.ValidationError(_("请上传签字的授权书。"))
        check_upload(paper)
        return paper


@admin.register(Grant)
class GrantAdmin(AuditedAdmin):
    list_display = [
        "grantor_name",
        "masked_grantor_id",
        "grantee_name",
        "relationship",
        "scope",
        "status",
        "valid_until",
        "at_counter",
    ]
    list_filter = ["status", "scope", "relationship", "at_counter"]
    search_fields = ["=grantor_id_number", "=grantee_id_number"]
    list_select_related = ["grantor", "grantee"]
    form = CounterGrantForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grant]:
        qs = super().get_queryset(request)
        regions = staff_regions(request)
        if regions is None:
            return qs
        return qs.filter(Q(grantor__insured_region__in=regions) | Q(created_by=request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return [f.name for f in Grant._meta.fields]

    def save_model(self, request: HttpRequest, obj: Grant, form: Any, change: bool) -> None:
        if change:
            return
        obj.at_counter = True
        obj.status = GrantStatus.ACTIVE  # the signed paper is the consent of both sides
        obj.accepted_at = timezone.now()
        obj.created_by = request.user  # type: ignore[assignment]
        obj.grantor = User.objects.filter(id_number=obj.grantor_id_number).first()
        obj.grantee = User.objects.filter(id_number=obj.grantee_id_number).first()
        obj.save()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("授权人身份证号码"))
    def masked_grantor_id(self, obj: Grant) -> str:
        return obj.masked_grantor_id


@admin.register(Guardianship)
class GuardianshipAdmin(AuditedAdmin):
    list_display = ["guardian", "child", "created_at", "confirmed_at", "confirmed_by"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["guardian", "child", "confirmed_by"]
    readonly_fields = [
        "guardian",
        "child",
        "household_register",
        "created_at",
        "confirmed_at",
        "confirmed_by",
    ]
    actions = ["confirm"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Guardianship]:
        qs = super().get_queryset(request)
        regions = staff_regions(request)
        return qs if regions is None else qs.filter(child__insured_region__in=regions)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("确认监护关系（已核对户口簿）"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Guardianship]) -> None:
        count = queryset.filter(confirmed_at__isnull=True).update(
            confirmed_at=timezone.now(), confirmed_by=request.user
        )
        self.message_user(request, _("已确认 %(n)d 项监护关系。") % {"n": count}, messages.SUCCESS)
