from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from facilities import services
from facilities.importing import LIST_SPLIT, ImportRejected, import_facilities, read_table
from facilities.models import Facility, Service

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class FacilityAdminForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("跨省联网服务"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    aliases = forms.CharField(
        label=_("别名"),
        required=False,
        help_text=_("多个别名用顿号“、”隔开。"),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = Facility
        fields = [
            "code",
            "name",
            "aliases",
            "kind",
            "tier",
            "grade",
            "province",
            "city",
            "county",
            "address",
            "phone",
            "latitude",
            "longitude",
            "services",
            "active_from",
            "active_to",
            "is_synthetic",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["aliases"] = "、".join(self.instance.aliases)

    def clean_aliases(self) -> list[str]:
        return [a.strip() for a in LIST_SPLIT.split(self.cleaned_data["aliases"]) if a.strip()]

    def clean_services(self) -> list[str]:
        chosen = set(self.cleaned_data["services"])
        return [s.value for s in Service if s in chosen]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        city, province = data.get("city"), data.get("province")
        if city and province and city.parent_id != province.code:
            self.add_error("city", _("这个城市不属于所选省份。"))
        return data


class ServiceFilter(admin.SimpleListFilter):
    title = _("跨省联网服务")
    parameter_name = "service"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Service.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in Service.values:
            return queryset.filter(services__contains=[self.value()])
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("名单文件"), help_text=_("CSV 或 Excel（.xlsx）文件，格式见说明。")
    )
    dry_run = forms.BooleanField(
        label=_("只检查，不导入"),
        required=False,
        help_text=_("先看看有哪些问题；确认无误后再取消勾选导入。"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件太大（最大 50 MB），请分成几个文件。"))
        return upload


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    form = FacilityAdminForm
    change_list_template = "admin/facilities/facility/change_list.html"
    list_display = ["code", "name", "city", "kind", "level_label", "is_active_now", "is_synthetic"]
    list_filter = ["kind", "tier", "grade", ServiceFilter, "is_synthetic", "province"]
    search_fields = ["=code", "name"]
    list_select_related = ["city__parent"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["province", "city"]
    readonly_fields = ["updated_at"]
    fieldsets = (
        (None, {"fields": ("code", "name", "aliases", "kind", ("tier", "grade"))}),
        (
            _("地点"),
            {
                "fields": (
                    "province",
                    "city",
                    "county",
                    "address",
                    "phone",
                    ("latitude", "longitude"),
                )
            },
        ),
        (_("跨省联网"), {"fields": ("services", ("active_from", "active_to"), "is_synthetic")}),
        (None, {"fields": ("updated_at",)}),
    )

    @admin.display(description=_("等级"))
    def level_label(self, obj: Facility) -> str:
        return obj.level_label

    @admin.display(description=_("联网中"), boolean=True)
    def is_active_now(self, obj: Facility) -> bool:
        return obj.is_active()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Names and pinyin through the lookup's indexes, not a slow icontains.
        if not search_term.strip():
            return queryset, False
        by_code = queryset.filter(code=search_term.strip().upper())
        return (queryset.matching(search_term) | by_code), False  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Facility, form: Any, change: bool) -> None:
        services.save_facility(obj)  # with its postings, in the admin's transaction

    def delete_model(self, request: HttpRequest, obj: Facility) -> None:
        services.delete_facilities(Facility.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        services.delete_facilities(queryset)

    def get_urls(self) -> list[URLPattern]:
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="facilities_facility_import",
            )
        ]
        return urls + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        rejected = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_facilities(
                    read_table(upload, upload.name), dry_run=form.cleaned_data["dry_run"]
                )
            except ImportRejected as error:
                rejected = str(error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入定点机构名单"),
            "form": form,
            "report": report,
            "problems": report.problems[:500] if report else [],
            "rejected": rejected,
        }
        return TemplateResponse(request, "admin/facilities/facility/import.html", context)
