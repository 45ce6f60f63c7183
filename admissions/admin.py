"""The hospitals' API clients in the agency admin: create (the credential is
shown once), rotate, revoke; and the audit of their calls. Region-scoped: an
agency sees the clients of facilities in the cities it serves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from admissions.models import Admission, ApiCall, HospitalClient, facilities_managed_by
from facilities.models import Facility


class HospitalClientForm(forms.ModelForm):
    class Meta:
        model = HospitalClient
        fields = ["facility", "name", "can_refer"]

    def __init__(self, *args: Any, user: object = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_facility(self) -> Facility:
        facility: Facility = self.cleaned_data["facility"]
        if not facilities_managed_by(self.user).filter(pk=facility.pk).exists():
            raise forms.ValidationError(_("这家机构不在您负责的地区。"))
        return facility


@admin.register(HospitalClient)
class HospitalClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "facility",
        "key_prefix",
        "can_refer",
        "active",
        "created_at",
        "rotated_at",
        "revoked_at",
    ]
    list_filter = ["can_refer", "revoked_at"]
    search_fields = ["name", "facility__name", "=facility__code", "=key_prefix"]
    list_select_related = ["facility"]
    raw_id_fields = ["facility"]
    readonly_fields = ["key_prefix", "created_at", "rotated_at", "revoked_at"]
    actions = ["rotate", "revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[HospitalClient]:
        return HospitalClient.objects.for_staff(request.user).select_related("facility")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, form=HospitalClientForm, **kwargs)
        user = request.user

        class ScopedForm(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=user, **inner)

        return ScopedForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = list(self.readonly_fields)
        return [*fixed, "facility"] if obj is not None else fixed

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit keeps pointing at the client

    @admin.display(description=_("有效"), boolean=True)
    def active(self, obj: HospitalClient) -> bool:
        return obj.is_active

    def save_model(
        self, request: HttpRequest, obj: HospitalClient, form: Any, change: bool
    ) -> None:
        if not change:
            request._new_credential = obj.new_secret()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: HospitalClient, post_url_continue: Any = None
    ) -> HttpResponse:
        credential = getattr(request, "_new_credential", None)
        if credential is None:
            return super().response_add(request, obj, post_url_continue)
        return self._show_credentials(request, [(obj, credential)])

    def _show_credentials(
        self, request: HttpRequest, issued: list[tuple[HospitalClient, str]]
    ) -> HttpResponse:
        """The credentials, this once: only their hashes are kept."""
        response = TemplateResponse(
            request,
            "admin/admissions/credential.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("接口密钥"),
                "issued": issued,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("更换密钥（旧密钥立即失效）"), permissions=["change"])
    def rotate(
        self, request: HttpRequest, queryset: QuerySet[HospitalClient]
    ) -> HttpResponse | None:
        issued = [(client, client.rotate()) for client in queryset.filter(revoked_at__isnull=True)]
        if not issued:
            self.message_user(request, _("已吊销的客户端不能更换密钥。"), messages.WARNING)
            return None
        return self._show_credentials(request, issued)

    @admin.action(description=_("吊销（不能恢复）"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[HospitalClient]) -> None:
        clients = list(queryset.filter(revoked_at__isnull=True))
        for client in clients:
            client.revoke()
        self.message_user(request, _("已吊销 %(count)d 个客户端。") % {"count": len(clients)})


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "facility", "method", "endpoint"]
    list_select_related = ["client__facility", "facility"]
    search_fields = ["=client__key_prefix", "endpoint"]
    date_hierarchy = "at"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiCall]:
        return ApiCall.objects.filter(client__in=HospitalClient.objects.for_staff(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Admission)
class AdmissionAdmin(admin.ModelAdmin):
    """入院登记 of people insured in the staff member's regions (read-only)."""

    list_display = ["admitted_on", "person", "facility", "admission_number", "direct", "filing"]
    list_select_related = ["person", "facility", "filing"]
    search_fields = ["=admission_number", "=person__id_number"]
    date_hierarchy = "admitted_on"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Admission]:
        return Admission.objects.for_staff(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
