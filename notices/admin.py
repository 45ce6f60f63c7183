from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notices.models import AffectedPage, DowntimeNotice


class DowntimeNoticeForm(forms.ModelForm):
    pages = forms.MultipleChoiceField(
        label=_("影响的页面"),
        choices=AffectedPage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("在这些页面顶部显示提醒。"),
    )

    class Meta:
        model = DowntimeNotice
        fields = ["region", "starts_at", "ends_at", "message", "message_en", "pages"]


@admin.register(DowntimeNotice)
class DowntimeNoticeAdmin(admin.ModelAdmin):
    form = DowntimeNoticeForm
    list_display = ["__str__", "region", "starts_at", "ends_at", "created_by"]
    list_filter = ["starts_at", ("region", admin.EmptyFieldListFilter)]
    search_fields = ["message", "region__name"]
    list_select_related = ["region__parent", "created_by"]
    autocomplete_fields = ["region"]
    date_hierarchy = "starts_at"

    def save_model(
        self, request: HttpRequest, obj: DowntimeNotice, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
