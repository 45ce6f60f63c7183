from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from family.models import GUARDIAN_AGE_LIMIT, Relationship, Scope
from portal.forms import DateInput, PersonNameField, PortalForm, insurance_region_choices
from portal.idnumbers import birth_date, validate_id_number
from portal.models import Scheme, User
from portal.uploads import check_upload

MAX_GRANT_YEARS = 5


class GrantForm(PortalForm):
    grantee_name = PersonNameField(label=_("亲属姓名"))
    grantee_id_number = forms.CharField(
        label=_("亲属的身份证号码"),
        max_length=30,
        help_text=_("亲属需要先用本人身份证实名注册。姓名和证件号码都要与注册信息一致。"),
    )
    relationship = forms.ChoiceField(
        label=_("他/她是您的"), choices=Relationship.choices, widget=forms.RadioSelect
    )
    scope = forms.ChoiceField(
        label=_("授权范围"), choices=Scope.choices, widget=forms.RadioSelect, initial=Scope.ACT
    )
    valid_until = forms.DateField(
        label=_("授权截止日期"),
        widget=DateInput(),
        help_text=_("到期后自动失效，最长 5 年。您随时可以撤销。"),
        error_messages={"invalid": _("请按 年-月-日 填写日期，例如 2027-12-31。")},
    )

    def __init__(self, *args: Any, grantor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grantor = grantor
        self.grantee: User | None = None
        today = timezone.localdate()
        self.fields["valid_until"].initial = today.replace(year=today.year + 1)

    def clean_grantee_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["grantee_id_number"])

    def clean_valid_until(self) -> dt.date:
        day: dt.date = self.cleaned_data["valid_until"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("截止日期不能早于今天。"))
        if day > today.replace(year=today.year + MAX_GRANT_YEARS):
            raise forms.ValidationError(_("授权最长 5 年，到期后可以重新授权。"))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number, name = data.get("grantee_id_number"), (data.get("grantee_name") or "").strip()
        if number and name:
            if number == self.grantor.id_number:
                self.add_error("grantee_id_number", _("不能授权给自己。"))
                return data
            # Name and number must both match, and the message does not say which did not.
            self.grantee = User.objects.filter(id_number=number, full_name=name).first()
            if self.grantee is None:
                self.add_error(
                    "grantee_id_number",
                    _("没有找到姓名和证件号码都一致的注册账户。请核对，或请亲属先实名注册。"),
                )
        return data


class ChildForm(PortalForm):
    full_name = PersonNameField(label=_("子女姓名"))
    id_number = forms.CharField(label=_("子女的身份证号码"), max_length=30)
    insured_region = forms.ChoiceField(label=_("子女的参保地"))
    household_register = forms.FileField(
        label=_("户口簿照片"),
        help_text=_(
            "户主页和子女页，PDF、JPG 或 PNG，10 MB 以内。经办机构确认监护关系后即可代办。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["insured_region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("请选择")), *insurance_region_choices()]

    def clean_id_number(self) -> str:
        number = validate_id_number(self.cleaned_data["id_number"])
        born = birth_date(number)
        today = timezone.localdate()
        try:
            sixteenth = born.replace(year=born.year + GUARDIAN_AGE_LIMIT)
        except ValueError:
            sixteenth = dt.date(born.year + GUARDIAN_AGE_LIMIT, 3, 1)
        if today >= sixteenth:
            raise forms.ValidationError(
                _("年满 16 周岁的子女请自己实名注册，再把办理权限授权给您。")
            )
        return number

    def clean_household_register(self) -> Any:
        upload = self.cleaned_data["household_register"]
        self.content_type = check_upload(upload)
        return upload

    def child_defaults(self) -> dict[str, Any]:
        return {
            "full_name": self.cleaned_data["full_name"].strip(),
            "insured_region_id": self.cleaned_data["insured_region"],
            "scheme": Scheme.RESIDENT,
            "member_status": "",
            "mobile": None,
        }
