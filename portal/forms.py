from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
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


class RegistrationForm(forms.ModelForm):
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

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("请填写姓名。"), code="required")
        # Invisible control and format characters (pasted or hostile) make a
        # name that cannot be read, searched or printed on the 备案表.
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
            raise forms.ValidationError(
                _("姓名中有看不见的特殊字符，请删除后重新输入。"), code="invisible"
            )
        return name

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


class LoginForm(auth_forms.AuthenticationForm):
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


class PasswordResetForm(forms.Form):
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
