"""Keep ID numbers, bank accounts and mobile numbers out of logs and error reports.

A log line or an error report is read by people who may not see personal
data (developers, operators, a mail server). Whatever it contains, an
18-character resident ID number becomes `3401**********123X`, a long run of
digits (a bank card or account number) keeps only its first and last four,
and a mobile number its first three and last four.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from portal.idnumbers import mask_id_number, mask_mobile

# Not glued to other letters, digits or hyphens: a filing reference
# (BA3401002026…) or a UUID is not a personal number and stays readable.
_EDGE_BEFORE = r"(?<![0-9A-Za-z-])"
_EDGE_AFTER = r"(?![0-9A-Za-z-])"
ID_NUMBER_RE = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
# Bank cards are 16-19 digits; account numbers run to about 25. Spaces or
# hyphens in groups of four are common when people type them.
BANK_ACCOUNT_RE = re.compile(_EDGE_BEFORE + r"\d{4}(?:[ -]?\d){8,26}" + _EDGE_AFTER)
MOBILE_RE = re.compile(_EDGE_BEFORE + r"1[3-9]\d{9}" + _EDGE_AFTER)


def _mask_digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def mask_personal_numbers(text: str) -> str:
    """The text with ID numbers, bank-account-like digit runs and mobiles masked."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = ID_NUMBER_RE.sub(lambda m: mask_id_number(m.group().upper()), text)
    text = BANK_ACCOUNT_RE.sub(_mask_digits, text)
    return MOBILE_RE.sub(lambda m: mask_mobile(m.group()), text)


def mask_value(value: Any, depth: int = 0) -> Any:
    """Masked copies of strings, and of strings inside plain containers."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if depth > 3:
        return value
    if isinstance(value, dict):
        return {k: mask_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v, depth + 1) for v in value)
    return value


class MaskPersonalNumbersFilter(logging.Filter):
    """A logging filter (on the root logger's handlers) that masks the
    message, its arguments and any traceback before a handler writes them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log it as it is
            message = str(record.msg)
        record.msg = mask_personal_numbers(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info)
        return True


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Django's error-report filter, masking personal numbers too: in POST
    data, settings, request headers and local variables. Passwords and the
    other secrets Django already hides stay hidden."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL", flags=re.IGNORECASE
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        return mask_value(super().cleanse_setting(key, value))

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        post: Any = super().get_post_parameters(request)
        if request is None or not post:
            return post
        cleansed = QueryDict(mutable=True)
        for key, values in post.lists():
            if self.hidden_settings.search(str(key)):
                cleansed[key] = self.cleansed_substitute
            else:
                cleansed.setlist(key, [mask_value(v) for v in values])
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [
            (name, mask_value(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class PersonalDataExceptionReporter(ExceptionReporter):
    """The error report (the debug page, or the mail to ADMINS) masked as a
    whole: the exception message (a database error quotes the value that broke
    a constraint), the URL and its query string, the source lines, the user."""

    def get_traceback_html(self) -> SafeString:
        # The report escaped what it shows; masking only replaces digits with "*".
        return mark_safe(mask_personal_numbers(super().get_traceback_html()))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(mask_personal_numbers(super().get_traceback_text()))  # noqa: S308
