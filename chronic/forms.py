from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from chronic.models import ChronicDisease, Scope
from portal.forms import PortalForm


class CheckerForm(PortalForm):
    """Pick a disease from the list, or type its name."""

    disease = forms.ChoiceField(
        label=_("从列表里选病种"),
        required=False,
        # With htmx, picking from the list asks about that disease alone
        # (whatever is typed is left out); without it, typed text wins.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("chronic:checker"),
                "hx-params": "disease",
                "hx-trigger": "change consume",
            }
        ),
    )
    q = forms.CharField(
        label=_("或者输入病名"),
        required=False,
        max_length=50,
        help_text=_("例如“2型糖尿病”“肺癌化疗”“冠心病”。"),
        error_messages={"max_length": _("最多输入 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )

    def __init__(self, data: Any, *, diseases: list[ChronicDisease], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for field in self.fields.values():
            # A search form: nothing is required, so nothing is marked 选填.
            field.conditional = True  # type: ignore[attr-defined]
        national = [(d.code, d.display_name) for d in diseases if d.scope == Scope.NATIONAL]
        regional = [(d.code, d.display_name) for d in diseases if d.scope == Scope.REGIONAL]
        self.fields["disease"].choices = [  # type: ignore[attr-defined]
            ("", _("请选择")),
            (_("全国跨省直接结算的 5 种"), national),
            (_("其他门诊慢特病"), regional),
        ]

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())
