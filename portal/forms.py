from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core import validators
from django.db.models import Q
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from portal.idnumbers import MOBILE_RE, normalise_id_number, validate_id_number
from portal.models import InsuranceRegion, MemberStatus, Region, Scheme, User
from portal.places import place_name


class PortalFormRenderer(TemplatesSetting):
    """Every form: an error summary on top linking to each field, then labelled
    fields with their hint and error next to them."""

    form_template_name = "portal/forms/form.html"
    field_template_name = "portal/forms/field.html"


# --- plain messages ---------------------------------------------------------
#
# Django's stock messages ("确保该变量包含不超过 50 字符", "不允许是用空字符串。"
# for a NUL character, "选择一个有效的选项。 110100 不在可用的选项中。") speak
# to programmers. Every form a person submits is a PortalForm (or has
# PlainMessages): before it is cleaned, every field still carrying a stock
# message gets the plain one below; a message a form set itself is kept.


def _stock_messages() -> set[int]:
    """The identities of Django's own error messages (fields and validators)."""
    stock: set[int] = set()
    for name in dir(forms):
        kind = getattr(forms, name)
        if isinstance(kind, type) and issubclass(kind, forms.Field):
            for klass in kind.__mro__:
                stock.update(id(m) for m in getattr(klass, "default_error_messages", {}).values())
    for validator in (
        validators.MaxLengthValidator,
        validators.MinLengthValidator,
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.ProhibitNullCharactersValidator,
        validators.EmailValidator,
        validators.URLValidator,
        validators.DecimalValidator,
    ):
        stock.add(id(getattr(validator, "message", None)))
        stock.update(id(m) for m in getattr(validator, "messages", {}).values())
    return stock


STOCK_MESSAGES = _stock_messages()
PLAIN_MESSAGES: dict[str, Any] = {
    "required": _("请填写这一项。"),
    "max_length": _("最多 %(limit_value)d 个字，您填了 %(show_value)d 个字。"),
    "min_length": _("至少 %(limit_value)d 个字，您填了 %(show_value)d 个字。"),
    "null_characters_not_allowed": _(
        "内容里有一个看不见的空字符（NUL），通常是复制粘贴带进来的，请删除后重新输入。"
    ),
    "invalid": _("格式不对，请核对后重新填写。"),
    "invalid_choice": _("请从列表中选择一项。"),
    "invalid_list": _("请从列表中选择。"),
    "invalid_pk_value": _("请从列表中选择。"),
    "min_value": _("不能小于 %(limit_value)s。"),
    "max_value": _("不能大于 %(limit_value)s。"),
    "max_digits": _("数字太长了，请核对。"),
    "max_whole_digits": _("数字太长了，请核对。"),
    "max_decimal_places": _("小数点后最多 %(max)s 位。"),
    "step_size": _("请填写 %(limit_value)s 的整数倍。"),
    "unique": _("已经有账户使用了这一项。请换一个，或者直接登录。"),
}
PLAIN_BY_KIND: list[tuple[type[forms.Field], dict[str, Any]]] = [
    (
        forms.FileField,
        {
            "required": _("请选择要上传的文件。"),
            "invalid": _("没有收到文件，请重新选择。"),
            "missing": _("没有收到文件，请重新选择。"),
            "empty": _("文件是空的，请重新选择。"),
            "max_length": _("文件名太长了（最多 %(max)d 个字），请改短后重新选择。"),
            "contradiction": _("请选择新文件或者勾选清除，不能两样都做。"),
            "invalid_image": _("这不是能打开的图片，请重新选择。"),
        },
    ),
    (forms.EmailField, {"invalid": _("请填写有效的电子邮箱地址，例如 name@example.com。")}),
    (
        forms.DateField,
        {
            "required": _("请填写日期。"),
            "invalid": _("请按 年-月-日 填写日期，例如 2026-03-15。"),
        },
    ),
    (forms.DateTimeField, {"invalid": _("请按 年-月-日 时:分 填写，例如 2026-03-15 09:30。")}),
    (forms.IntegerField, {"invalid": _("请填写整数，例如 3。")}),
    (forms.DecimalField, {"invalid": _("请填写数字，例如 12000 或 12000.50。")}),
    (forms.FloatField, {"invalid": _("请填写数字，例如 12000 或 12000.50。")}),
    (forms.BooleanField, {"required": _("请勾选这一项。")}),
    (forms.ChoiceField, {"required": _("请选择一项。")}),
    (forms.ModelChoiceField, {"required": _("请选择一项。")}),
]


def plain_for(field: forms.Field) -> dict[str, Any]:
    plain = dict(PLAIN_MESSAGES)
    for kind, messages in reversed(PLAIN_BY_KIND):
        if isinstance(field, kind):
            plain.update(messages)
    return plain


def plain_messages(field: forms.Field) -> None:
    """Replace every stock message of `field` (its own and its validators',
    which the field's messages override by code) with the plain one."""
    plain = plain_for(field)
    messages = field.error_messages
    stock = {code for code, message in messages.items() if id(message) in STOCK_MESSAGES}
    stock.update(
        getattr(v, "code", "")
        for v in field.validators
        if id(getattr(v, "message", None)) in STOCK_MESSAGES
        and getattr(v, "code", "") not in field.error_messages
    )
    for code in stock & plain.keys():
        field.error_messages[code] = plain[code]


class PlainMessages(forms.BaseForm):
    """Every field in plain words, and one message per field (the first
    problem found; the next shows once it is fixed)."""

    def full_clean(self) -> None:
        # Here, not in __init__: some forms add fields after super().__init__().
        for field in self.fields.values():
            plain_messages(field)
        super().full_clean()
        # A few stock messages are raised around the field's messages (a NUL
        # in a ModelChoiceField): put those into plain words by their code.
        for name, errors in self.errors.items():
            plain = plain_for(self.fields[name]) if name in self.fields else {}
            for error in errors.as_data():
                if id(error.message) in STOCK_MESSAGES and error.code in plain:
                    error.message = plain[error.code]


class PortalForm(PlainMessages, forms.Form):
    pass


class PortalModelForm(PlainMessages, forms.ModelForm):
    def full_clean(self) -> None:
        # A unique model field's message ("具有 手机号码 的 用户 已存在。") maps
        # onto the form field by its code.
        for field in self.fields.values():
            if id(field.error_messages.get("unique")) in STOCK_MESSAGES or (
                "unique" not in field.error_messages
            ):
                field.error_messages["unique"] = PLAIN_MESSAGES["unique"]
        super().full_clean()


# --- names, free text and dates -------------------------------------------

# Names as on the resident ID card (居民身份证法 第四条: 国家通用语言文字 and
# 公安部《姓名登记条例》draft rules): Chinese characters, joined by the middle
# dot of minority names (买买提·吐尔逊); foreign permanent residents' cards
# carry the name in Latin letters, words separated by spaces.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CHINESE_NAME = re.compile(f"[{HAN}]+(?:·[{HAN}]+)*")
LATIN_NAME = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
MIDDLE_DOTS = str.maketrans(dict.fromkeys("•・･‧∙⋅●", "·"))
NAME_LENGTH = (2, 50)


def is_invisible(ch: str) -> bool:
    """Control characters and format characters (bidi overrides such as
    U+202E, zero-width spaces, BOM): they change how text reads or prints."""
    return unicodedata.category(ch) in ("Cc", "Cf")


def normalise_name(value: str) -> str:
    """Full-width letters to ASCII, any look-alike dot to ·, spaces collapsed
    (and dropped between Chinese characters, which the card never spaces)."""
    text = unicodedata.normalize("NFKC", value or "").translate(MIDDLE_DOTS)
    text = " ".join(text.split())
    joined = re.sub(r"\s*·\s*", "·", text).replace(" ", "")
    return joined if CHINESE_NAME.fullmatch(joined) else text


def validate_person_name(name: str) -> None:
    """A person's name as on their ID card, 2–50 characters."""
    if any(is_invisible(ch) for ch in name):
        raise forms.ValidationError(
            _("姓名中有看不见的特殊字符，请删除后重新输入。"), code="invisible"
        )
    if len(name) > NAME_LENGTH[1]:
        raise forms.ValidationError(
            _("姓名最多 %(limit)d 个字，您填了 %(n)d 个字。"),
            code="max_length",
            params={"limit": NAME_LENGTH[1], "n": len(name)},
        )
    if not (CHINESE_NAME.fullmatch(name) or LATIN_NAME.fullmatch(name)):
        raise forms.ValidationError(
            _(
                "姓名请按身份证填写：汉字（少数民族姓名可用间隔号“·”），"
                "外国人永久居留身份证上的姓名用英文字母和空格。"
            ),
            code="characters",
        )
    if len(name) < NAME_LENGTH[0]:
        raise forms.ValidationError(_("姓名至少 2 个字。"), code="min_length")


class PersonNameField(forms.CharField):
    """Where a person's name is typed: registration, a relative, a child."""

    default_validators = [validate_person_name]
    default_error_messages = {"required": _("请填写姓名。")}

    def to_python(self, value: Any) -> str:
        return normalise_name(super().to_python(value) or "")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "autocomplete": "name", "spellcheck": "false"}


def validate_plain_line(value: str) -> None:
    """One line of free text (a hospital, a diagnosis): no control or bidi characters."""
    if any(is_invisible(ch) for ch in value or ""):
        raise forms.ValidationError(
            _("请不要输入看不见的特殊字符（例如从别处复制来的控制符）。"), code="control"
        )


def validate_plain_text(value: str) -> None:
    """Several lines of free text (a note, a reason): line breaks and tabs are fine."""
    validate_plain_line((value or "").replace("\r", "").replace("\n", "").replace("\t", ""))


class PlainTextField(forms.CharField):
    """Free text with a length limit and no control or bidi characters."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_plain_text if multiline else validate_plain_line)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No maxlength attribute: a longer paste is explained, not cut silently.
        return {}


EARLIEST_DAY = dt.date(1900, 1, 1)


def check_plausible_day(
    day: dt.date, *, born: dt.date | None = None, latest: dt.date | None = None
) -> dt.date:
    """A day a visit or a referral can have happened on: not before the
    person's birth (or 1900), not after `latest` (usually today)."""
    if day < EARLIEST_DAY:
        raise forms.ValidationError(_("这个日期太早了，请核对年份。"), code="too_early")
    if born is not None and day < born:
        raise forms.ValidationError(
            _("这个日期早于您的出生日期（%(born)s），请核对。"),
            code="before_birth",
            params={"born": born.isoformat()},
        )
    if latest is not None and day > latest:
        raise forms.ValidationError(
            _("这个日期不能晚于 %(day)s。"), code="future", params={"day": latest.isoformat()}
        )
    return day


class DateInput(forms.DateInput):
    """A native date picker (<input type="date">), which wants ISO dates."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def is_region_code(value: str | None) -> bool:
    """Six ASCII digits. Values come straight from the request: anything else
    (a NUL byte made PostgreSQL fail the page) names no region."""
    return value is not None and len(value) == 6 and value.isascii() and value.isdigit()


def province_choices() -> list[tuple[str, str]]:
    provinces = Region.objects.provinces().order_by("code").values_list("code", "name")
    return [(code, place_name(name)) for code, name in provinces]


def destination_choices(province: str | None) -> list[tuple[str, str]]:
    """The destination cities (备案地) of `province`; every one when None."""
    cities = Region.objects.destinations().order_by("code")
    if province is not None:
        if not is_region_code(province):
            return []
        cities = cities.filter(parent_id=province)
    return [(code, place_name(name)) for code, name in cities.values_list("code", "name")]


def pooling_region_choices(province: str | None) -> list[tuple[str, str]]:
    """The pooling regions (统筹地区) of `province`; 新疆生产建设兵团 is its own."""
    if not is_region_code(province):
        return []
    regions = (
        InsuranceRegion.objects.filter(Q(region__parent_id=province) | Q(region_id=province))
        .order_by("region_id")
        .values_list("region_id", "region__name")
    )
    return [(code, place_name(name)) for code, name in regions]


def province_then_city(
    form: forms.Form,
    *,
    city: str,
    cities: Callable[[str], list[tuple[str, str]]],
    htmx: dict[str, Any],
    province: str | None = None,
) -> list[tuple[str, str]]:
    """Fill a form's `province` <select> and the `city` <select> under it.

    With htmx, choosing a province fetches its cities (`htmx`: the province
    select's hx-* attributes); without JavaScript a button next to it posts
    the form again and the cities come from here. What was posted wins over
    `province` (a query string) and the initial answer. Returns the cities."""
    source = form.data if form.is_bound else form.initial
    chosen = str(source.get("province") or (province if not form.is_bound else "") or "")
    province_field = cast(forms.ChoiceField, form.fields["province"])
    province_field.choices = [("", _("请选择省份")), *province_choices()]
    province_field.widget.attrs.update(htmx)
    options = cities(chosen) if chosen else []
    city_field = cast(forms.ChoiceField, form.fields[city])
    city_field.choices = [("", _("请选择城市") if options else _("请先选择省份")), *options]
    return options


def clean_member_status(form: forms.BaseForm) -> None:
    """职工医保 members are 在职 or 退休 (their ratios differ, domain.md);
    居民医保 members have no such status."""
    data = form.cleaned_data
    scheme = data.get("scheme")
    if scheme == Scheme.EMPLOYEE and not data.get("member_status"):
        form.add_error("member_status", _("职工医保请选择在职或退休。"))
    elif scheme and scheme != Scheme.EMPLOYEE:
        data["member_status"] = ""


def insurance_region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Pooling regions grouped by province, for a <select> with <optgroup>s."""
    provinces = {r.code: r.display_name for r in Region.objects.provinces()}
    groups: dict[str, list[tuple[str, str]]] = {}
    for ir in InsuranceRegion.objects.select_related("region").order_by("region_id"):
        province = ir.region.province_code
        groups.setdefault(provinces.get(province, ""), []).append((ir.pk, ir.region.display_name))
    return list(groups.items())


class RegistrationForm(PortalModelForm):
    full_name = PersonNameField(label=_("姓名"), help_text=_("与身份证上的姓名一致。"))
    password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不要与姓名、证件号相近。"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = [
            "full_name",
            "id_number",
            "mobile",
            "email",
            "insured_region",
            "scheme",
            "member_status",
        ]
        labels = {"insured_region": _("参保地（统筹地区）")}
        help_texts = {
            "full_name": _("与身份证上的姓名一致。"),
            "id_number": _("18 位居民身份证号码，最后一位可能是 X。"),
            "mobile": _("可用手机号码登录。"),
            "email": _("忘记密码时，重置链接发送到这个邮箱。"),
            "insured_region": _("您缴纳医保的城市，即医保卡的发卡地。"),
            "member_status": _("职工医保必须选择；居民医保不用选。"),
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "id_number": forms.TextInput(
                attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
            ),
            "mobile": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "scheme": forms.RadioSelect,
            "member_status": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].required = True
        region = self.fields["insured_region"]
        region.required = True
        region.widget.choices = [("", _("请选择")), *insurance_region_choices()]
        scheme = cast(forms.ChoiceField, self.fields["scheme"])
        scheme.required = True
        scheme.choices = Scheme.choices
        member_status = cast(forms.ChoiceField, self.fields["member_status"])
        member_status.choices = MemberStatus.choices
        member_status.conditional = True  # type: ignore[attr-defined]  # required for employees only

    def clean_id_number(self) -> str:
        number = validate_id_number(self.cleaned_data["id_number"])
        if User.objects.filter(id_number=number).exists():
            # Say only that it is registered: nothing about the account.
            raise forms.ValidationError(
                _("该身份证号码已经注册过账户。请直接登录；如果忘记了密码，请使用“找回密码”。"),
                code="registered",
            )
        return number

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        clean_member_status(self)
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            # Judged against what the person typed: not close to their name or numbers.
            someone = User(
                full_name=data.get("full_name", ""),
                id_number=data.get("id_number", ""),
                mobile=data.get("mobile", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, someone)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class LoginForm(PlainMessages, auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("身份证号码或手机号码"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "证件号码/手机号码或密码不正确。请注意密码区分大小写；忘记密码可以找回。"
        ),
        "inactive": _("该账户已停用。请联系参保地医保经办机构。"),
    }


class SetPasswordForm(PlainMessages, auth_forms.SetPasswordForm):
    """The new password after a reset link, in plain words like every form."""


class PasswordResetForm(PortalForm):
    """Find the account by ID number or mobile; send the link to its email.
    The answer page is the same whether or not an account matched."""

    identifier = forms.CharField(
        label=_("身份证号码或手机号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )

    def get_user(self) -> User | None:
        identifier = self.cleaned_data["identifier"].strip()
        lookup = (
            {"mobile": identifier}
            if MOBILE_RE.match(identifier)
            else {"id_number": normalise_id_number(identifier)}
        )
        user = User.objects.filter(is_active=True, **lookup).exclude(email="").first()
        return user if user and user.has_usable_password() else None

    def save(
        self,
        *,
        request: HttpRequest,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: Any = default_token_generator,
        from_email: str | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, Any] | None = None,
        domain_override: str | None = None,
    ) -> None:
        user = self.get_user()
        if user is None:
            return
        site = get_current_site(request)
        context = {
            "email": user.email,
            "domain": domain_override or site.domain,
            "site_name": site.name,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": token_generator.make_token(user),
            "protocol": "https" if use_https else "http",
            **(extra_email_context or {}),
        }
        auth_forms.PasswordResetForm().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            user.email,
            html_email_template_name,
        )
