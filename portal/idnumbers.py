"""Resident identity card numbers (居民身份证号码, GB 11643) and mobile numbers.

The checks come from python-stdnum (`stdnum.cn.ric`: MOD 11-2 check digit,
birth date; its table of GB/T 2260 codes for the first six digits); this
module turns them into plain messages for the person typing the number.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_SHAPE = r"^\d{17}[\dX]$"


def normalise_id_number(value: str) -> str:
    """Strip spaces and hyphens, and upper-case a trailing x."""
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised number, or raise ValidationError saying what is wrong."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位，您输入了 %(count)d 位。"),
            code="length",
            params={"count": len(number)},
        )
    if not re.match(ID_NUMBER_SHAPE, number):
        raise ValidationError(
            _("身份证号码前 17 位应为数字，最后一位为数字或字母 X。"), code="format"
        )
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(
            _("身份证号码的校验位（最后一位）不正确，请逐位核对后重新输入。"), code="checksum"
        )
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("身份证号码第 7 至 14 位的出生日期不存在，请核对。"), code="birth_date"
        ) from None
    if birth > (today or dt.date.today()) or birth.year < 1900:
        raise ValidationError(
            _("身份证号码第 7 至 14 位的出生日期不在有效范围内，请核对。"), code="birth_date"
        )
    if not is_known_region_code(number[:6]):
        raise ValidationError(_("身份证号码前 6 位不是有效的行政区划代码，请核对。"), code="region")
    return number


def is_known_region_code(code: str) -> bool:
    """Whether the code is in stdnum's GB/T 2260 table at any time.

    stdnum's own `get_birth_place` also demands that the code existed in the
    birth year, but numbers were first issued in the 1980s with the codes of
    that time: a 合肥 retiree born in 1957 carries 340102 (created later than
    1957), and must not be turned away."""
    from stdnum import numdb

    found = {k for _part, props in numdb.get("cn/loc").info(code) for k in props}
    return {"province", "county"} <= found


def check_id_number(value: str) -> None:
    """validate_id_number as a Django field validator."""
    validate_id_number(value)


def birth_date(number: str) -> dt.date:
    return ric.get_birth_date(number)


def mask_id_number(number: str) -> str:
    """`3401**********123X`: the first four and last four characters only."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_mobile(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else number


def make_id_number(region_code: str, born: dt.date, sequence: int) -> str:
    """A valid number for demo and test data: region, birth date, 3-digit
    sequence (odd for men, even for women), check digit."""
    body = f"{region_code}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("请输入 11 位手机号码，以 1 开头、第二位为 3 至 9，例如 13912345678。"),
            code="mobile",
        )
