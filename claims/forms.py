from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from claims.choices import CareType, CatalogueClass, FacilityLevel, FilingSituation
from claims.engine import BillLine, YearToDate
from portal.models import InsuranceRegion, MemberStatus, Region, Scheme, User

MAX_AMOUNT = Decimal(10_000_000)  # per catalogue class: far above any one bill
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

LEVEL_CHOICES = [
    (FacilityLevel.LEVEL_3.value, _("三级医院")),
    (FacilityLevel.LEVEL_2.value, _("二级医院")),
    (FacilityLevel.LEVEL_1.value, _("一级医院（社区卫生服务中心、乡镇卫生院等）")),
]


def plain_number(value: Any) -> Any:
    """What people type for money: full-width digits, 12,000, 12000元."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s,，元]", "", value)


class AmountField(forms.DecimalField):
    """A non-negative amount with at most two decimals and an upper bound;
    every error said in plain words next to the field."""

    def __init__(
        self,
        *,
        max_value: Decimal = MAX_AMOUNT,
        decimal_places: int = 2,
        messages: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(
            min_value=Decimal(0),
            max_value=max_value,
            max_digits=None,
            decimal_places=decimal_places,
            **kwargs,
        )
        self.error_messages.update(
            {
                "invalid": _("请填写数字，例如 12000 或 12000.50。"),
                "min_value": _("不能是负数。"),
                "max_value": _("数额太大了，请核对。每一项最多 1000 万元。"),
                "max_decimal_places": _("最多填到分（小数点后两位）。"),
                **(messages or {}),
            }
        )

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        value = plain_number(value)
        if value in self.empty_values:
            return None
        if not NUMBER.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(str(value))
        except InvalidOperation as error:  # pragma: no cover - the pattern rules it out
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Text input, not <input type=number>: what the person typed is kept
        # and explained, rather than silently dropped by the browser.
        return {}


def province_choices() -> list[tuple[str, str]]:
    return list(Region.objects.provinces().values_list("code", "name"))


def city_choices(province: str) -> list[tuple[str, str]]:
    """Pooling regions of a province (新疆生产建设兵团 is its own)."""
    if not province:
        return []
    return list(
        InsuranceRegion.objects.filter(Q(region__parent_id=province) | Q(region_id=province))
        .order_by("region_id")
        .values_list("region_id", "region__name")
    )


class EstimateForm(forms.Form):
    """What an estimate needs; every field travels in the URL (GET)."""

    province = forms.ChoiceField(
        label=_("参保省份"),
        error_messages={
            "required": _("请选择参保省份。"),
            "invalid_choice": _("请从列表中选择省份。"),
        },
    )
    region = forms.ChoiceField(
        label=_("参保城市（统筹地区）"),
        help_text=_("医保卡的发卡地，也就是缴纳医保的城市。"),
        error_messages={
            "required": _("请选择参保城市。"),
            "invalid_choice": _("请从列表中选择所选省份的城市。"),
        },
    )
    scheme = forms.ChoiceField(
        label=_("险种"),
        choices=Scheme.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择险种。"), "invalid_choice": _("请选择险种。")},
    )
    member_status = forms.ChoiceField(
        label=_("人员类别"),
        choices=MemberStatus.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("职工医保选在职或退休；居民医保不用选。"),
        error_messages={"invalid_choice": _("请选择在职或退休。")},
    )
    situation = forms.ChoiceField(
        label=_("备案情况"),
        choices=FilingSituation.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "长期备案的人在备案地看病，按参保地本地的标准报销；临时外出就医的，比例可能降低。"
        ),
        error_messages={
            "required": _("请选择备案情况。"),
            "invalid_choice": _("请选择备案情况。"),
        },
    )
    care_type = forms.ChoiceField(
        label=_("看病方式"),
        choices=CareType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择住院、普通门诊或门诊慢特病。"),
            "invalid_choice": _("请选择住院、普通门诊或门诊慢特病。"),
        },
    )
    level = forms.ChoiceField(
        label=_("医院等级"),
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("不清楚可以问医院，或看医院门口的牌子。"),
        error_messages={
            "required": _("请选择医院等级。"),
            "invalid_choice": _("请选择医院等级。"),
        },
    )
    amount_a = AmountField(
        label=_("甲类费用（元）"),
        help_text=_("医保目录内、全部纳入报销范围的药品和项目。"),
    )
    amount_b = AmountField(
        label=_("乙类费用（元）"),
        help_text=_("医保目录内、需要自己先付一部分的药品和项目。"),
    )
    b_share = AmountField(
        label=_("乙类先行自付比例（%）"),
        max_value=Decimal(100),
        help_text=_("常见为 5% 到 20%，以就医地规定为准。"),
        messages={"max_value": _("比例最多是 100。")},
    )
    amount_c = AmountField(
        label=_("丙类费用（元）"),
        help_text=_("医保目录外的药品和项目，医保不报销，全部自己付。"),
    )
    admissions = forms.IntegerField(
        label=_("今年已经住院几次"),
        required=False,
        min_value=0,
        max_value=99,
        help_text=_("只对住院有用：有的地方第二次住院起付线更低。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("请填写整数，例如 0、1、2。"),
            "min_value": _("不能是负数。"),
            "max_value": _("次数太多了，请核对。"),
        },
    )
    deductible_met = AmountField(
        label=_("今年门诊已经付过的起付线（元）"),
        help_text=_("只对门诊有用：门诊起付线一年只付一次。"),
    )
    fund_paid = AmountField(
        label=_("今年医保已经支付（元）"),
        help_text=_("用来计算年度最高支付限额还剩多少。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = cast(forms.ChoiceField, self.fields["province"])
        province_field.choices = [("", _("请选择省份")), *province_choices()]
        province_field.widget.attrs.update(
            {
                "hx-get": reverse_lazy("claims:estimate"),
                "hx-trigger": "change",
                "hx-target": "#region-field",
                "hx-swap": "outerHTML",
                "hx-include": "[name=province]",
                "hx-vals": '{"update_region": "1"}',
            }
        )
        source = self.data if self.is_bound else self.initial
        province = str(source.get("province") or "")
        cities = city_choices(province) if province.isdigit() and len(province) == 6 else []
        region_field = cast(forms.ChoiceField, self.fields["region"])
        placeholder = _("请选择城市") if cities else _("请先选择省份")
        region_field.choices = [("", placeholder), *cities]
        if len(cities) == 1 and not self.is_bound:
            # A municipality is its own (and only) pooling region.
            self.initial["region"] = cities[0][0]
        self.fields["member_status"].conditional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        scheme = data.get("scheme")
        if scheme == Scheme.EMPLOYEE and not data.get("member_status"):
            self.add_error("member_status", _("职工医保请选择在职或退休。"))
        elif scheme:
            data["member_status"] = "" if scheme != Scheme.EMPLOYEE else data["member_status"]
        amounts = ("amount_a", "amount_b", "amount_c")
        if not any(field in self.errors for field in amounts) and not any(
            data.get(field) for field in amounts
        ):
            self.add_error("amount_a", _("请至少填写一项费用。"))
        if data.get("amount_b") and data.get("b_share") is None and "b_share" not in self.errors:
            self.add_error("b_share", _("填了乙类费用，请同时填写先行自付比例。"))
        return data


def defaults_for(user: Any) -> dict[str, Any]:
    """A logged-in person's own insured place and scheme; sensible starting
    values for everyone."""
    initial: dict[str, Any] = {
        "care_type": CareType.INPATIENT,
        "level": FacilityLevel.LEVEL_3,
        "b_share": Decimal(10),
    }
    if isinstance(user, User) and user.insured_region_id:
        region = user.insured_region
        assert region is not None
        initial.update(
            province=region.province_code,
            region=region.pk,
            scheme=user.scheme,
            member_status=user.member_status,
        )
    return initial


def bill_lines(data: dict[str, Any]) -> list[BillLine]:
    """The bill as the engine takes it: one line per catalogue class."""
    lines = []
    if data.get("amount_a"):
        lines.append(BillLine(data["amount_a"], CatalogueClass.A))
    if data.get("amount_b"):
        lines.append(BillLine(data["amount_b"], CatalogueClass.B, data["b_share"]))
    if data.get("amount_c"):
        lines.append(BillLine(data["amount_c"], CatalogueClass.C))
    return lines


def year_to_date(data: dict[str, Any]) -> YearToDate:
    zero = Decimal("0.00")
    return YearToDate(
        deductible_met=data.get("deductible_met") or zero,
        fund_paid=data.get("fund_paid") or zero,
        admissions=data.get("admissions") or 0,
    )
