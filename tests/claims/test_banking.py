from __future__ import annotations

import pytest

from claims.banking import BankAccountError, check_bank_account, mask_bank_account

# 6222 0210 0112 2334 458: 19 digits with a valid Luhn check digit.
VALID = "6222021001122334458"


def test_a_card_number_typed_with_spaces_or_full_width_digits_is_accepted() -> None:
    assert check_bank_account("6222 0210 0112 2334 458") == VALID
    assert check_bank_account("６２２２０２１００１１２２３３４４５８") == VALID
    assert check_bank_account("6222-0210-0112-2334-458") == VALID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("6222021001122334459", "checksum"),  # last digit changed
        ("62220210011", "length"),
        ("62220210011223344581234", "length"),
        ("6222abcd01122334459", "digits"),
        ("٦٢٢٢٠٢١٠٠١١٢٢٣٣٤٤٥٩", "digits"),  # Arabic-Indic digits are not ASCII
        ("", "digits"),
    ],
)
def test_a_wrong_card_number_says_what_is_wrong(value: str, code: str) -> None:
    with pytest.raises(BankAccountError) as raised:
        check_bank_account(value)
    assert raised.value.code == code


def test_a_card_number_is_masked_to_its_first_and_last_four_digits() -> None:
    assert mask_bank_account(VALID) == "6222 **** **** 4458"
    assert mask_bank_account("6222021001122337") == "6222 **** **** 2337"
