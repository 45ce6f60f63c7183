from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalForm
from portal.models import Region


class HotlineSearchForm(PortalForm):
    province = forms.ChoiceField(label=_("省份"), required=False)
    q = forms.CharField(
        label=_("城市名称"),
        required=False,
        max_length=20,
        help_text=_("例如“合肥”“上海”。"),
        error_messages={"max_length": _("最多输入 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, data: Any, *, provinces: list[Region], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for field in self.fields.values():
            # A search form: nothing is required, so nothing is marked 选填.
            field.conditional = True  # type: ignore[attr-defined]
        self.fields["province"].choices = [  # type: ignore[attr-defined]
            ("", _("全部省份")),
            *((p.code, p.display_name) for p in provinces),
        ]

    def clean_q(self) -> str:
        text = "".join(ch for ch in self.cleaned_data["q"] if ch.isprintable())
        return "".join(text.split())
