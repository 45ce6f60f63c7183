from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings import rules, services
from filings.models import DocumentKind, FilingCategory, FilingGroup
from portal.forms import (
    DateInput,
    PlainTextField,
    PortalForm,
    check_plausible_day,
    destination_choices,
    province_then_city,
)
from portal.idnumbers import validate_mobile
from portal.models import InsuranceRegion, Region
from portal.uploads import check_upload

CATEGORY_HELP = {
    FilingCategory.RETIRED_RESETTLEMENT: _("退休后到外省定居，例如随子女生活。办好后长期有效。"),
    FilingCategory.LONG_TERM_RESIDENCE: _(
        "在外省长期居住（一般 3 个月以上），例如持有居住证。办好后长期有效。"
    ),
    FilingCategory.POSTED_WORK: _("单位派您到外省长期工作。办好后长期有效。"),
    FilingCategory.REFERRAL: _(
        "参保地的定点医院开具了转诊，到外省医院治疗。通常由转出医院替您上传，不用自己办。"
    ),
    FilingCategory.EMERGENCY: _("出差、旅游时在外省突发疾病急诊抢救。可以在出院结算前补办。"),
    FilingCategory.OTHER_TEMPORARY: _(
        "不属于转诊和急诊的其他临时外出就医，例如自行到外省看病。支付比例可能比转诊略低。"
    ),
}


def category_groups() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Categories under their two groups, each with a plain explanation."""
    groups = []
    for group in FilingGroup:
        members = [
            (c.value, str(c.label), str(CATEGORY_HELP[c]))
            for c in FilingCategory
            if rules.group_of(c.value) == group.value
        ]
        groups.append((str(group.label), members))
    return groups


class CategoryForm(PortalForm):
    category = forms.ChoiceField(
        label=_("您属于哪种情况？"),
        choices=FilingCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择一种备案类型。")},
    )


def cities_htmx(target: str) -> dict[str, Any]:
    """A province <select>'s attributes that swap `target`'s options for the
    province's destination cities (filings:cities)."""
    return {
        "hx-get": reverse_lazy("filings:cities"),
        "hx-target": target,
        "hx-swap": "innerHTML",
        "hx-trigger": "change",
    }


class DestinationForm(PortalForm):
    province = forms.ChoiceField(
        label=_("就医省份"),
        error_messages={"required": _("请选择就医的省份。")},
    )
    destination = forms.ChoiceField(
        label=_("就医城市"),
        help_text=_("备案到城市：在这个城市所有跨省联网的定点医院住院都可以直接结算。"),
        error_messages={"required": _("请选择就医的城市。")},
    )

    def __init__(
        self,
        *args: Any,
        province: str | None = None,
        insured_region: InsuranceRegion | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.insured_region = insured_region
        province_then_city(
            self,
            city="destination",
            cities=destination_choices,
            htmx=cities_htmx("#id_destination"),
            province=province,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        province, city = data.get("province"), data.get("destination")
        insured = self.insured_region
        if province and insured and not rules.is_cross_province(insured.province_code, province):
            # Refused here, at the city step, not only on the check page.
            chosen = Region.objects.get(code=province)
            self.add_error("province", services.same_province_problem(chosen, insured))
        elif (
            province and city and not Region.objects.filter(code=city, parent_id=province).exists()
        ):
            self.add_error("destination", _("这个城市不在所选省份，请重新选择。"))
        return data


class StartDateForm(PortalForm):
    start_date = forms.DateField(
        label=_("从哪天开始"),
        widget=DateInput(),
        error_messages={
            "required": _("请填写开始日期。"),
            "invalid": _("请按 年-月-日 填写日期，例如 2026-12-01。"),
        },
    )

    def __init__(self, *args: Any, earliest: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        self.fields["start_date"].widget.attrs["min"] = earliest.isoformat()

    def clean_start_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["start_date"]
        if day < self.earliest:
            raise forms.ValidationError(
                _("开始日期最早可以是 %(day)s。") % {"day": self.earliest.isoformat()}
            )
        if day > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError(_("开始日期不能在一年以后。"))
        return day


class DetailsForm(PortalForm):
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=11,
        help_text=_("就医期间能联系到您的手机号码。"),
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )

    def __init__(
        self,
        *args: Any,
        category: str,
        start: dt.date | None,
        born: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category, self.start, self.born = category, start, born
        today = timezone.localdate()
        if category == rules.Category.REFERRAL:
            self.fields["referring_hospital"] = PlainTextField(
                label=_("转出医院"), max_length=100, help_text=_("开具转诊的参保地定点医院。")
            )
            self.fields["diagnosis"] = PlainTextField(label=_("转诊诊断"), max_length=200)
            self.fields["referral_date"] = forms.DateField(
                label=_("转诊日期"), widget=DateInput(attrs={"max": today.isoformat()})
            )
        elif category == rules.Category.EMERGENCY:
            self.fields["treating_hospital"] = PlainTextField(
                label=_("急诊就医的医院"), max_length=100
            )
            self.fields["admission_date"] = forms.DateField(
                label=_("急诊入院日期"), widget=DateInput(attrs={"max": today.isoformat()})
            )
        for name in ("referring_hospital", "diagnosis", "treating_hospital"):
            if name in self.fields:
                self.fields[name].error_messages["required"] = _("请填写这一项。")

    def clean_referral_date(self) -> dt.date:
        day: dt.date = check_plausible_day(self.cleaned_data["referral_date"], born=self.born)
        if day > timezone.localdate():
            raise forms.ValidationError(_("转诊日期不能晚于今天。"))
        return day

    def clean_admission_date(self) -> dt.date:
        day: dt.date = check_plausible_day(self.cleaned_data["admission_date"], born=self.born)
        if day > timezone.localdate():
            raise forms.ValidationError(_("入院日期不能晚于今天。"))
        if self.start and day < self.start:
            raise forms.ValidationError(
                _(
                    "入院日期早于备案开始日期（%(start)s），这次住院不在备案范围内。请把开始日期改为入院当天或更早。"
                )
                % {"start": self.start.isoformat()}
            )
        return day


class EvidenceForm(PortalForm):
    evidence = forms.ChoiceField(
        label=_("证明材料"),
        choices=[
            ("documents", _("上传证明材料")),
            ("commitment", _("暂时没有材料，先以个人承诺办理")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择上传材料或个人承诺。")},
        help_text=_(
            "个人承诺办理后，补齐材料前只能在备案地享受待遇；补齐后备案地和参保地两边都能享受。"
        ),
    )
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices, required=False)
    file = forms.FileField(
        label=_("选择文件"),
        required=False,
        help_text=_("PDF、JPG 或 PNG，10 MB 以内。可以多次上传。"),
    )

    def __init__(self, *args: Any, uploaded: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploaded = uploaded
        for name in ("kind", "file"):
            self.fields[name].conditional = True  # type: ignore[attr-defined]  # when uploading
        self.content_type = ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload:
            self.content_type = check_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("file") and not data.get("kind"):
            self.add_error("kind", _("请选择材料类型。"))
        if (
            data.get("evidence") == "documents"
            and not data.get("file")
            and not self.uploaded
            and "file" not in self.errors
        ):
            self.add_error("file", _("请选择要上传的文件，或者改选个人承诺。"))
        return data


class MaterialsForm(PortalForm):
    """Materials a commitment filing still owes, uploaded on its page: the
    same checks as at filing (portal.uploads.check_upload)."""

    kind = forms.ChoiceField(
        label=_("材料类型"),
        choices=DocumentKind.choices,
        error_messages={"required": _("请选择材料类型。")},
    )
    file = forms.FileField(
        label=_("选择文件"),
        help_text=_("PDF、JPG 或 PNG，10 MB 以内。可以多次上传。"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "empty": _("文件是空的，请重新选择。"),
            "invalid": _("没有收到文件，请重新选择。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content_type = ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        self.content_type = check_upload(upload)
        return upload


class ConsentForm(PortalForm):
    accept = forms.BooleanField(
        label=_("我已阅读并同意以上告知内容"),
        error_messages={"required": _("请阅读告知书并勾选同意后再继续。")},
    )


class ChangeForm(DestinationForm):
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )


class CancelForm(PortalForm):
    reason = PlainTextField(
        label=_("取消原因"),
        max_length=200,
        multiline=True,
        required=False,
        help_text=_("选填，例如：已回参保地居住。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=200,
        required=False,
        help_text=_("选填，例如：就医城市填错了。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
