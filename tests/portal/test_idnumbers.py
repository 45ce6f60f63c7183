from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from portal.idnumbers import make_id_number, mask_id_number, validate_id_number

VALID = make_id_number("340102", dt.date(1957, 4, 18), 124)


def error_code(number: str, **kwargs: object) -> str:
    with pytest.raises(ValidationError) as info:
        validate_id_number(number, **kwargs)  # type: ignore[arg-type]
    return str(info.value.code)


def test_a_valid_number_passes_and_is_normalised() -> None:
    assert validate_id_number(f" {VALID[:6]} {VALID[6:14]} {VALID[14:]} ") == VALID


def test_a_lower_case_x_check_digit_is_accepted_as_upper_case() -> None:
    number = next(
        n
        for seq in range(1000)
        if (n := make_id_number("110101", dt.date(1980, 1, 1), seq)).endswith("X")
    )
    assert validate_id_number(number.lower()) == number


def test_it_rejects_a_wrong_check_digit() -> None:
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    assert error_code(wrong) == "checksum"


def test_it_rejects_an_impossible_birth_date() -> None:
    # 1957-02-30 does not exist; the check digit is right for the digits given.
    body = "340102" + "19570230" + "124"
    assert error_code(body + ric.calc_check_digit(body + "0")) == "birth_date"


def test_it_rejects_a_birth_date_in_the_future() -> None:
    number = make_id_number("340102", dt.date(2030, 1, 1), 124)
    assert error_code(number, today=dt.date(2026, 11, 22)) == "birth_date"


def test_it_rejects_an_unknown_region_code() -> None:
    assert error_code(make_id_number("999999", dt.date(1980, 1, 1), 124)) == "region"
    assert error_code(make_id_number("340199", dt.date(1980, 1, 1), 124)) == "region"


def test_it_accepts_a_region_code_created_after_the_birth_year() -> None:
    # 340102 dates from 1983; people born earlier were issued numbers with it.
    assert validate_id_number(make_id_number("340102", dt.date(1950, 6, 1), 11))


@pytest.mark.parametrize(
    "number", ["34010219570418124", "3401021957041812412", "34010219570418A24X"]
)
def test_it_rejects_the_wrong_length_or_letters(number: str) -> None:
    assert error_code(number) in {"length", "format"}


def test_masking_keeps_only_the_first_and_last_four() -> None:
    assert mask_id_number("34010219570418123X") == "3401**********123X"
