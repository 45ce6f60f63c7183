from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chronic.models import ChronicDisease, Scope


class CheckerForm(forms.Form):
    """Pick a disease from the list, or type its name."""

    disease = forms.ChoiceField(
        label=_("从列表里选病种"),
        required=False,
        # Picking from the list replaces whatever was typed (typed text wins otherwise).
        widget=forms.Select(attrs={"hx-on:change": "this.form.q.value = ''"}),
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
        national = [(d.code, d.name) for d in diseases if d.scope == Scope.NATIONAL]
        regional = [(d.code, d.name) for d in diseases if d.scope == Scope.REGIONAL]
        self.fields["disease"].choices = [  # type: ignore[attr-defined]
            ("", _("请选择")),
            (_("全国跨省直接结算的 5 种"), national),
            (_("其他门诊慢特病"), regional),
        ]

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())
