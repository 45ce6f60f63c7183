from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims import rules, services
from claims.banking import BankAccountError, check_bank_account
from claims.choices import (
    CareType,
    CatalogueClass,
    FacilityLevel,
    FilingSituation,
    ReimbursementReason,
)
from claims.engine import BillLine, YearToDate
from claims.models import DocumentKind, Settlement
from filings import forms as filing_forms
from portal.forms import (
    PlainTextField,
    PortalForm,
    check_plausible_day,
    clean_member_status,
    destination_choices,
    pooling_region_choices,
    province_then_city,
)
from portal.idnumbers import birth_date
from portal.models import MemberStatus, Scheme, User
from portal.uploads import check_upload

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


AMOUNTS = ("amount_a", "amount_b", "amount_c")


def check_amounts(form: forms.Form) -> None:
    """A bill needs at least one amount, and 乙类 costs their first self-paid share."""
    data = form.cleaned_data
    if not any(field in form.errors for field in AMOUNTS) and not any(
        data.get(field) for field in AMOUNTS
    ):
        form.add_error("amount_a", _("请至少填写一项费用。"))
    if data.get("amount_b") and data.get("b_share") is None and "b_share" not in form.errors:
        form.add_error("b_share", _("填了乙类费用，请同时填写先行自付比例。"))


class EstimateForm(PortalForm):
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
        # The province swaps the whole city field (its label says which
        # pooling regions), through the estimator's own URL.
        cities = province_then_city(
            self,
            city="region",
            cities=pooling_region_choices,
            htmx={
                "hx-get": reverse_lazy("claims:estimate"),
                "hx-trigger": "change",
                "hx-target": "#region-field",
                "hx-swap": "outerHTML",
                "hx-include": "[name=province]",
                "hx-vals": '{"update_region": "1"}',
            },
        )
        if len(cities) == 1 and not self.is_bound:
            # A municipality is its own (and only) pooling region.
            self.initial["region"] = cities[0][0]
        self.fields["member_status"].conditional = True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_member_status(self)
        check_amounts(self)
        return self.cleaned_data

    def bill(self) -> list[BillLine]:
        return bill_lines(self.cleaned_data)

    def year_so_far(self) -> YearToDate:
        return year_to_date(self.cleaned_data)


def defaults_for(subject: Any) -> dict[str, Any]:
    """The subject's insured place and scheme (the person whose records a
    signed-in visitor is looking at; None for a visitor); sensible starting
    values for everyone."""
    initial: dict[str, Any] = {
        "care_type": CareType.INPATIENT,
        "level": FacilityLevel.LEVEL_3,
        "b_share": Decimal(10),
    }
    if isinstance(subject, User) and subject.insured_region_id:
        region = subject.insured_region
        assert region is not None
        initial.update(
            province=region.province_code,
            region=region.pk,
            scheme=subject.scheme,
            member_status=subject.member_status,
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


# --- manual reimbursement (手工报销) ---------------------------------------

MAX_FILES_PER_KIND = 10
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadsField(forms.FileField):
    """Several files under one label; each checked by content and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = UPLOAD_ACCEPT

    def clean(self, data: Any, initial: Any = None) -> list[tuple[UploadedFile, str]]:  # type: ignore[override]
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES_PER_KIND:
            raise forms.ValidationError(
                _("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_KIND}, code="too_many"
            )
        checked: list[tuple[UploadedFile, str]] = []
        problems: list[str] = []
        for upload in files:
            try:
                checked.append((upload, check_upload(upload)))
            except forms.ValidationError as error:
                name = (upload.name or "")[:60]
                problems.extend(f"{name}：{message}" for message in error.messages)
        if problems:
            raise forms.ValidationError(problems, code="upload")
        return checked


class ReimbursementForm(PortalForm):
    """A manual reimbursement claim: the visit, the bill by catalogue class,
    the invoices and itemised bills, and the account to pay into."""

    province = forms.ChoiceField(
        label=_("看病的省份"),
        error_messages={
            "required": _("请选择看病的省份。"),
            "invalid_choice": _("请从列表中选择省份。"),
        },
    )
    treatment_city = forms.ChoiceField(
        label=_("看病的城市"),
        error_messages={
            "required": _("请选择看病的城市。"),
            "invalid_choice": _("请从列表中选择所选省份的城市。"),
        },
    )
    facility_name = PlainTextField(
        label=_("医院名称"),
        max_length=100,
        help_text=_("按发票上的名称填写，例如：复旦大学附属中山医院。"),
    )
    facility_level = forms.ChoiceField(
        label=_("医院等级"),
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("不清楚可以问医院，或看医院门口的牌子。"),
        error_messages={
            "required": _("请选择医院等级。"),
            "invalid_choice": _("请选择医院等级。"),
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
    admission_date = forms.DateField(
        label=_("入院日期（门诊填看病那天）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写入院日期。"),
            "invalid": _("请按 年-月-日 填写日期，例如 2026-03-15。"),
        },
    )
    discharge_date = forms.DateField(
        label=_("出院日期（门诊填看病那天）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写出院日期。"),
            "invalid": _("请按 年-月-日 填写日期，例如 2026-03-20。"),
        },
    )
    reason = forms.ChoiceField(
        label=_("为什么没有在医院直接结算"),
        choices=ReimbursementReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择没有直接结算的原因。"),
            "invalid_choice": _("请选择没有直接结算的原因。"),
        },
    )
    note = PlainTextField(
        label=_("补充说明"),
        max_length=500,
        required=False,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：慢特病的病名，或者出院那天发生了什么。"),
    )
    amount_a = AmountField(
        label=_("甲类费用（元）"),
        help_text=_("看费用明细清单：医保目录内、全部纳入报销范围的药品和项目。"),
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
        label=_("丙类（自费）费用（元）"),
        help_text=_("医保目录外的药品和项目，医保不报销。"),
    )
    invoices = UploadsField(
        label=_("医疗收费票据（发票）"),
        help_text=_("拍照或扫描，PDF、JPG 或 PNG，每个 10 MB 以内，可以选多个。"),
    )
    itemised_bills = UploadsField(
        label=_("费用明细清单"),
        help_text=_("医院打印的每一项费用的清单，可以选多个文件。"),
    )
    bank_name = PlainTextField(
        label=_("开户银行"),
        max_length=50,
        help_text=_("例如：中国工商银行上海分行。"),
    )
    bank_account = forms.CharField(
        label=_("本人银行卡号"),
        required=False,
        max_length=60,
        help_text=_("报销款打到申请人本人的银行卡（或社会保障卡的金融账户）。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": _("银行卡号太长了，请核对。")},
    )

    def __init__(
        self,
        *args: Any,
        person: User,
        kept_account: str = "",
        pending_kinds: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.kept_account = kept_account
        self.pending_kinds = pending_kinds
        province_then_city(
            self,
            city="treatment_city",
            cities=destination_choices,
            htmx=filing_forms.cities_htmx("#id_treatment_city"),
        )
        today = timezone.localdate().isoformat()
        for name in ("admission_date", "discharge_date"):
            self.fields[name].widget.attrs["max"] = today
        for name in ("invoices", "itemised_bills", "bank_account"):
            self.fields[name].conditional = True  # type: ignore[attr-defined]
        self.account = ""

    def _born(self) -> dt.date | None:
        try:
            return birth_date(self.person.id_number)
        except ValueError:
            return None

    def clean_admission_date(self) -> dt.date:
        # Not before the person was born; claims/rules.py judges the rest.
        return check_plausible_day(self.cleaned_data["admission_date"], born=self._born())

    def clean_discharge_date(self) -> dt.date:
        return check_plausible_day(self.cleaned_data["discharge_date"], born=self._born())

    def clean_bank_account(self) -> str:
        raw = self.cleaned_data.get("bank_account") or ""
        if not raw.strip():
            if self.kept_account:
                return self.kept_account
            raise forms.ValidationError(_("请填写银行卡号。"), code="required")
        try:
            number = check_bank_account(raw)
        except BankAccountError as error:
            messages: dict[str, Any] = {
                "digits": _("银行卡号只能是数字，可以带空格。"),
                "length": _("银行卡号一般是 16 到 19 位，您填了 %(n)d 位，请核对。")
                % {"n": error.digits},
                "checksum": _("这个银行卡号的校验位不对，可能有一位填错了，请对照银行卡核对。"),
            }
            raise forms.ValidationError(messages[error.code], code=error.code) from error
        self.account = number
        return number

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for problem in rules.claim_problems(
            insured_region=self.person.insured_region_id or "",
            treatment_city=data.get("treatment_city"),
            admission=data.get("admission_date"),
            discharge=data.get("discharge_date"),
            reason=data.get("reason"),
            care_type=data.get("care_type"),
            note=data.get("note"),
            today=timezone.localdate(),
        ):
            self.add_error(problem.field, forms.ValidationError(problem.message, problem.code))
        check_amounts(self)
        if data.get("b_share") and not data.get("amount_b") and "b_share" not in self.errors:
            data["b_share"] = None  # a share without 乙类 costs means nothing
        self._check_documents()
        return data

    def _check_documents(self) -> None:
        """An invoice and an itemised bill, chosen now or kept from an earlier try."""
        missing = {
            "invoices": (DocumentKind.INVOICE, _("请上传医疗收费票据（发票）的照片或扫描件。")),
            "itemised_bills": (DocumentKind.ITEMISED_BILL, _("请上传费用明细清单的照片或扫描件。")),
        }
        for name, (kind, message) in missing.items():
            if (
                name not in self.errors
                and not self.cleaned_data.get(name)
                and kind not in self.pending_kinds
            ):
                self.add_error(name, message)

    def checked_uploads(self) -> list[tuple[str, UploadedFile, str]]:
        """Files that passed their checks, even when other fields did not: they
        are kept so that the person does not choose them again."""
        kept: list[tuple[str, UploadedFile, str]] = []
        for name, kind in (
            ("invoices", DocumentKind.INVOICE),
            ("itemised_bills", DocumentKind.ITEMISED_BILL),
        ):
            if name in self.errors:
                continue
            for upload, content_type in self.cleaned_data.get(name) or []:
                kept.append((kind, upload, content_type))
        return kept

    def bill(self) -> tuple[BillLine, ...]:
        return tuple(bill_lines(self.cleaned_data))

    def claim(self, *, settlement: Settlement | None) -> services.Claim:
        """The valid form as the plain values `services.submit_reimbursement` takes."""
        data = self.cleaned_data
        return services.Claim(
            visit=services.Visit(
                city_code=data["treatment_city"],
                facility_name=data["facility_name"],
                facility_level=FacilityLevel(data["facility_level"]),
                care_type=CareType(data["care_type"]),
                admission_date=data["admission_date"],
                discharge_date=data["discharge_date"],
            ),
            reason=data["reason"],
            note=data["note"],
            lines=self.bill(),
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
            settlement=settlement,
        )
