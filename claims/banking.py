"""Bank account numbers for reimbursement payments: plain functions, no ORM.

Reimbursements are paid to the applicant's own bank card (a UnionPay debit
card or the social security card's financial account): 16 to 19 digits with
a Luhn check digit. Once entered, the number is shown masked everywhere."""

from __future__ import annotations

import re
import unicodedata

from stdnum import luhn

MIN_DIGITS, MAX_DIGITS = 16, 19


class BankAccountError(ValueError):
    """What is wrong with a bank card number, as a code the form turns into words."""

    def __init__(self, code: str, digits: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.digits = digits


def normalise_bank_account(value: str) -> str:
    """Full-width digits become ASCII; spaces and hyphens people type are dropped."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value)


def check_bank_account(value: str) -> str:
    """Return the normalised number, or raise BankAccountError."""
    number = normalise_bank_account(value)
    if not number.isascii() or not number.isdigit():
        raise BankAccountError("digits")
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        raise BankAccountError("length", len(number))
    if not luhn.is_valid(number):
        raise BankAccountError("checksum")
    return number


def mask_bank_account(number: str) -> str:
    """'6222021234567891234' → '6222 **** **** 1234'."""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]} **** **** {number[-4:]}"


def validate_bank_account(value: str) -> None:
    """Model-level guard (full_clean): the stored number is a valid card number."""
    from django.core.exceptions import ValidationError

    try:
        if check_bank_account(value) != value:
            raise BankAccountError("digits")
    except BankAccountError as error:
        raise ValidationError("银行卡号不正确。", code=error.code) from error
