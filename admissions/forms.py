from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chronic.models import ChronicDisease
from facilities.models import Facility
from filings.coverage import Care
from filings.forms import cities_htmx
from portal.forms import DateInput, PortalForm, destination_choices, province_then_city
from portal.models import Region


def asked_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """The days one may ask about: two years back (bills that old are still
    claimed) to a year ahead. In days, so that 29 February has no trouble."""
    return today - dt.timedelta(days=730), today + dt.timedelta(days=366)


CARE_CHOICES = [
    (Care.INPATIENT.value, _("住院")),
    (Care.OUTPATIENT.value, _("普通门诊")),
    (Care.CHRONIC.value, _("门诊慢特病")),
]


class CoverageForm(PortalForm):
    """能直接结算吗: a day, a city (or one facility there), the kind of care."""

    day = forms.DateField(
        label=_("哪天入院或就诊"),
        widget=DateInput(),
        error_messages={"required": _("请选择日期。"), "invalid": _("请按 年-月-日 填写日期。")},
    )
    province = forms.ChoiceField(
        label=_("就医省份"),
        error_messages={
            "required": _("请选择就医的省份。"),
            "invalid_choice": _("请从列表中选择省份。"),
        },
    )
    city = forms.ChoiceField(
        label=_("就医城市"),
        error_messages={
            "required": _("请选择就医的城市。"),
            "invalid_choice": _("请从列表中选择所选省份的城市。"),
        },
    )
    facility = forms.CharField(
        label=_("医院或药店编码"),
        required=False,
        max_length=20,
        help_text=_(
            "从“查医院药店”的机构页面进来会自动填好；不填就按这个城市任意一家联网机构回答。"
        ),
    )
    care = forms.ChoiceField(
        label=_("看病方式"),
        choices=CARE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择看病方式。"), "invalid_choice": _("请选择看病方式。")},
    )
    disease = forms.ChoiceField(
        label=_("门诊慢特病病种"),
        required=False,
        help_text=_("选“门诊慢特病”时填写。"),
        error_messages={"invalid_choice": _("请从列表中选择病种。")},
    )

    def __init__(self, *args: Any, diseases: list[ChronicDisease], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.diseases = {d.code: d for d in diseases}
        province_then_city(
            self, city="city", cities=destination_choices, htmx=cities_htmx("#id_city")
        )
        disease_field = self.fields["disease"]
        assert isinstance(disease_field, forms.ChoiceField)
        disease_field.choices = [("", _("请选择病种")), *((d.code, d.name) for d in diseases)]
        disease_field.conditional = True  # type: ignore[attr-defined]  # needed for chronic care only
        self.facility_found: Facility | None = None

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        first, last = asked_days(timezone.localdate())
        if not first <= day <= last:
            raise forms.ValidationError(_("请选择两年前到一年后之间的日期。"))
        return day

    def clean_facility(self) -> str:
        code = self.cleaned_data["facility"].strip().upper()
        if code:
            self.facility_found = (
                Facility.objects.select_related("city__parent").filter(code=code).first()
            )
            if self.facility_found is None:
                raise forms.ValidationError(_("没有找到这个编码的机构，请核对，或者不填。"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        facility, city = self.facility_found, data.get("city")
        if facility is not None and city and facility.city_id != city:
            self.add_error("facility", _("这家机构不在所选的城市，请核对城市或编码。"))
        if data.get("care") == Care.CHRONIC and not data.get("disease"):
            self.add_error("disease", _("选了门诊慢特病，请再选是哪个病种。"))
        return data

    def city_region(self) -> Region:
        return Region.objects.select_related("parent").get(code=self.cleaned_data["city"])

    def disease_chosen(self) -> ChronicDisease | None:
        if self.cleaned_data.get("care") != Care.CHRONIC:
            return None
        return self.diseases.get(self.cleaned_data.get("disease") or "")
