"""Every form a person can submit speaks plain Chinese (and English), one
message per field, never Django's stock messages (issue 16, items 10 and 11)."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from claims.forms import ReimbursementForm
from family.forms import ChildForm, GrantForm
from filings.forms import DetailsForm, StartDateForm
from portal.forms import (
    STOCK_MESSAGES,
    PlainMessages,
    check_plausible_day,
    normalise_name,
    validate_person_name,
    validate_plain_line,
)
from portal.models import User
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

# The modules whose forms people fill in (the admin's are staff pages with Django's own UI).
FORM_MODULES = [
    "portal.forms",
    "portal.two_factor",
    "filings.forms",
    "claims.forms",
    "family.forms",
    "chronic.forms",
    "notices.forms",
    "admissions.forms",
]


def person_forms() -> list[type[forms.BaseForm]]:
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == name
                and value not in (PlainMessages,)
                and value.__name__ not in ("PortalForm", "PortalModelForm")
            ):
                found.append(value)
    return found


def kwargs_for(form_class: type[forms.BaseForm], person: User) -> dict[str, Any]:
    extra: dict[str, Callable[[], dict[str, Any]]] = {
        "GrantForm": lambda: {"grantor": person},
        "ReimbursementForm": lambda: {"person": person},
        "DetailsForm": lambda: {"category": "referral", "start": None},
        "StartDateForm": lambda: {"earliest": dt.date(2026, 1, 1)},
        "CheckerForm": lambda: {"diseases": []},
        "CoverageForm": lambda: {"diseases": []},
        "HotlineSearchForm": lambda: {"provinces": []},
    }
    return extra.get(form_class.__name__, dict)()


def stock_patterns() -> list[re.Pattern[str]]:
    """Django's messages in the active language, placeholders as wildcards."""
    patterns = []
    for message in {id(m): m for m in gc_stock()}.values():
        text = re.escape(str(message))
        text = re.sub(r"%\\\(\w+\\\)[sd]", ".*", text)
        patterns.append(re.compile(text))
    return patterns


def gc_stock() -> Iterator[Any]:
    import gc

    for obj in gc.get_objects():
        if id(obj) in STOCK_MESSAGES:
            yield obj


HOSTILE_ROUNDS: list[Callable[[str], Any]] = [
    lambda name: "\x00",  # null characters
    lambda name: "A" * 20_000,  # max_length
    lambda name: "",  # required
    lambda name: "x@",  # invalid choice, email, date, number
    lambda name: "110100",  # a city code in a list it does not belong to
]


def hostile_payloads(form: forms.BaseForm) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for make in HOSTILE_ROUNDS:
        data: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                files[name] = SimpleUploadedFile("empty.pdf", b"")  # empty file
            else:
                data[name] = make(name)
        yield data, files


def build(form_class: type[forms.BaseForm], person: User, data: Any, files: Any) -> Any:
    kwargs = kwargs_for(form_class, person)
    if issubclass(form_class, auth_forms.SetPasswordForm):
        return form_class(person, data)
    if issubclass(form_class, auth_forms.AuthenticationForm):
        return form_class(RequestFactory().post("/"), data=data)
    if form_class.__name__ in ("CheckerForm", "HotlineSearchForm", "CoverageForm"):
        return form_class(data, **kwargs)
    return form_class(data, files, **kwargs)


def test_every_form_a_person_submits_has_plain_messages() -> None:
    names = {form.__name__ for form in person_forms()}
    assert {"RegistrationForm", "GrantForm", "ChildForm", "ReimbursementForm"} <= names
    assert [f.__name__ for f in person_forms() if not issubclass(f, PlainMessages)] == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_form_shows_a_stock_django_message(language: str) -> None:
    person = make_person()
    with translation.override(language):
        patterns = stock_patterns()
        assert any(p.fullmatch(str(forms.CharField().error_messages["required"])) for p in patterns)
        for form_class in person_forms():
            empty = build(form_class, person, None, None)
            for data, files in hostile_payloads(empty):
                form = build(form_class, person, data, files)
                form.is_valid()
                for field, errors in form.errors.items():
                    for error in errors:
                        stock = [p.pattern for p in patterns if p.fullmatch(error)]
                        assert not stock, (form_class.__name__, field, error)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "张" * 20_000}, "full_name", "姓名最多 50 个字"),
        ({"email": "x@"}, "email", "请填写有效的电子邮箱地址"),
        ({"insured_region": "110100x"}, "insured_region", "请从列表中选择一项"),
        ({"mobile": "\x00"}, "mobile", "空字符（NUL）"),
    ],
)
def test_registration_says_what_is_wrong_in_plain_words(
    client: Client, data: dict[str, str], field: str, message: str
) -> None:
    page = client.post(reverse("register"), data).content.decode()
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1), page[:200]


def test_an_empty_file_is_explained() -> None:
    form = ChildForm(
        {"full_name": "李小明", "id_number": "x", "insured_region": ""},
        {"household_register": SimpleUploadedFile("hukou.pdf", b"")},
    )
    assert form.errors["household_register"] == ["文件是空的，请重新选择。"]


def test_each_field_shows_one_message() -> None:
    """The phone field said "最多 11 个字" and "请输入 11 位手机号码" at once."""
    form = DetailsForm({"contact_phone": "9" * 40}, category="other", start=None)
    assert len(form.errors["contact_phone"]) == 2  # both are found…
    page = str(form)
    # …the first is shown, next to the field and in the summary on top.
    assert page.count("请输入 11 位手机号码") == 2
    assert "最多 11 个字" not in page


@pytest.mark.parametrize(
    "name",
    [
        "张桂兰",
        "李明",
        "买买提·吐尔逊",
        "阿依古丽·买买提明",
        "JOHN SMITH",
        "Anna Maria Lopez",
        "𠮷野家",
    ],
)
def test_names_as_on_the_id_card_are_accepted(name: str) -> None:
    validate_person_name(normalise_name(name))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张 桂兰", "张桂兰"),
        ("买买提•吐尔逊", "买买提·吐尔逊"),
        ("买买提・吐尔逊", "买买提·吐尔逊"),
        ("ＪＯＨＮ  ＳＭＩＴＨ", "JOHN SMITH"),
    ],
)
def test_names_are_written_as_on_the_card(typed: str, stored: str) -> None:
    assert normalise_name(typed) == stored


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ('<img src=x onerror="alert(1)">', "characters"),
        ("张\u202e兰", "invisible"),
        ("张\x07兰", "invisible"),
        ("张\u200b兰", "invisible"),
        ("张", "min_length"),
        ("张" * 51, "max_length"),
        ("Li Ming 李明", "characters"),
        ("·张三", "characters"),
        ("张三3", "characters"),
        ("O'Brien", "characters"),
    ],
)
def test_other_names_get_a_plain_message(name: str, code: str) -> None:
    with pytest.raises(forms.ValidationError) as caught:
        validate_person_name(normalise_name(name))
    assert caught.value.code == code
    assert "<" not in str(caught.value.messages[0])


@pytest.mark.parametrize("form_class", [GrantForm, ChildForm])
def test_the_family_forms_use_the_name_rules(form_class: type[forms.Form]) -> None:
    field = "grantee_name" if form_class is GrantForm else "full_name"
    data = {field: "<b>李明</b>"}
    form = GrantForm(data, grantor=make_person()) if form_class is GrantForm else ChildForm(data)
    assert "姓名请按身份证填写" in form.errors[field][0]


def test_registration_refuses_markup_in_a_name(client: Client) -> None:
    page = client.post(reverse("register"), {"full_name": "<img src=x>"}).content.decode()
    assert "姓名请按身份证填写" in page


@pytest.mark.parametrize("text", ["瑞金\u202e医院", "瑞金\x1b[31m", "a\u2066b", "\ufeff瑞金"])
def test_free_text_refuses_control_and_bidi_characters(text: str) -> None:
    with pytest.raises(forms.ValidationError):
        validate_plain_line(text)
    details = DetailsForm(
        {"referring_hospital": text, "diagnosis": text}, category="referral", start=None
    )
    assert "referring_hospital" in details.errors and "diagnosis" in details.errors


def test_a_note_may_have_line_breaks() -> None:
    form = ReimbursementForm({"note": "第一行\r\n第二行\t完"}, person=make_person())
    assert "note" not in form.errors


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_referral_date_must_be_plausible(day: str) -> None:
    form = DetailsForm({"referral_date": day}, category="referral", start=None)
    assert form.errors["referral_date"] == ["这个日期太早了，请核对年份。"]


def test_a_date_before_the_persons_birth_is_refused() -> None:
    born = dt.date(1957, 4, 18)
    form = DetailsForm({"referral_date": "1950-01-01"}, category="referral", start=None, born=born)
    assert "早于您的出生日期（1957-04-18）" in form.errors["referral_date"][0]
    with pytest.raises(forms.ValidationError):
        check_plausible_day(dt.date(2030, 1, 1), latest=dt.date(2026, 12, 4))


def test_a_claimed_visit_before_the_persons_birth_is_refused() -> None:
    person = make_person()  # born 1960 or later
    form = ReimbursementForm({"admission_date": "1959-12-31"}, person=person)
    assert "早于您的出生日期" in form.errors["admission_date"][0]


def test_the_start_date_form_keeps_its_own_messages() -> None:
    form = StartDateForm({"start_date": "x"}, earliest=dt.date(2026, 1, 1))
    assert form.errors["start_date"] == ["请按 年-月-日 填写日期，例如 2026-12-01。"]


def test_the_summary_reads_well_in_english() -> None:
    with translation.override("en"):
        form = DetailsForm({"contact_phone": ""}, category="other", start=None)
        page = str(form)
    assert '<a href="#id_contact_phone">Phone: Please fill in this field.</a>' in page
