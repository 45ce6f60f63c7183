from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chronic.models import ChronicDisease, Qualification
from portal.admin_tools import region_choices
from portal.audit import AuditedAdmin


@admin.register(ChronicDisease)
class ChronicDiseaseAdmin(AuditedAdmin):
    list_display = ["name", "scope", "facility_service", "sort_order"]
    list_filter = ["scope"]
    search_fields = ["name", "code"]
    ordering = ["sort_order", "name"]


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = [
            "person",
            "disease",
            "insured_region",
            "recognised_on",
            "valid_until",
            "designated_facilities",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        person, region = data.get("person"), data.get("insured_region")
        if person and region and person.insured_region_id != region.pk:
            self.add_error(
                "insured_region",
                _("认定的参保地应当是这个人现在的参保地（%(region)s）。")
                % {"region": person.insured_region or "—"},
            )
        disease, facilities = data.get("disease"), data.get("designated_facilities")
        if disease is not None and facilities:
            service = disease.facility_service
            wrong = [f.name for f in facilities if not service or not f.offers(service)]
            if wrong:
                self.add_error(
                    "designated_facilities",
                    _("这些机构没有开通“%(disease)s”跨省结算：%(names)s")
                    % {"disease": disease.name, "names": "、".join(wrong)},
                )
        return data


@admin.register(Qualification)
class QualificationAdmin(AuditedAdmin):
    form = QualificationForm
    list_display = ["person", "disease", "insured_region", "recognised_on", "valid_until"]
    list_filter = ["disease__scope", "disease", "recognised_on"]
    search_fields = ["person__full_name", "=person__id_number", "=person__mobile"]
    list_select_related = ["person", "disease", "insured_region__region__parent"]
    autocomplete_fields = ["person", "insured_region", "designated_facilities"]
    date_hierarchy = "recognised_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Agency staff see the qualifications of their own pooling regions.
        return super().get_queryset(request).for_staff(request.user)  # type: ignore[attr-defined]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "insured_region":
            kwargs["queryset"] = region_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Qualification, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
