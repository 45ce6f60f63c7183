"""ID numbers, bank accounts and mobiles are masked in logs and error reports."""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

import pytest
from django.db import IntegrityError
from django.http import HttpRequest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_exception_reporter_class

from portal.redaction import (
    MaskPersonalNumbersFilter,
    PersonalDataReporterFilter,
    mask_personal_numbers,
)

ID_NUMBER = "34010219570418124X"
CARD = "6222021234567890123"
SECRET = "Typed-Secret-9"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id={ID_NUMBER}", "id=3401**********124X"),
        (f"id={ID_NUMBER.lower()}", "id=3401**********124X"),
        ("身份证340102195704181245已注册", "身份证3401**********1245已注册"),
        (f"卡号{CARD}", "卡号6222***********0123"),
        ("卡号 6222 0212 3456 7890", "卡号 6222********7890"),
        ("call 13955100001 now", "call 139****0001 now"),
    ],
)
def test_personal_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "filing BA340100202611220000012 submitted",
        f"token {uuid.UUID('550e8400-e29b-41d4-a716-446655440000')}",
        "took 1234 ms at 2026-11-22 20:11:34",
        "plain words",
    ],
)
def test_references_uuids_and_times_stay_readable(text: str) -> None:
    assert mask_personal_numbers(text) == text


def configured_handler() -> logging.Handler:
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskPersonalNumbersFilter) for f in h.filters)
    ]
    assert handlers, "the root logger's console handler has no masking filter"
    return handlers[0]


def test_the_root_log_handler_masks_messages_arguments_and_tracebacks() -> None:
    handler = configured_handler()
    try:
        raise IntegrityError(f"Key (id_number)=({ID_NUMBER}) already exists.")
    except IntegrityError:
        record = logging.getLogger("filings").makeRecord(
            "filings",
            logging.ERROR,
            __file__,
            1,
            "login for %s with card %s",
            (ID_NUMBER, CARD),
            sys.exc_info(),
        )
    assert handler.filter(record)
    text = handler.format(record)
    assert ID_NUMBER not in text and CARD not in text
    assert "3401**********124X" in text and "6222***********0123" in text
    assert "already exists" in text


def test_the_root_logger_itself_masks_what_is_logged_to_it() -> None:
    root = logging.getLogger()
    assert any(isinstance(f, MaskPersonalNumbersFilter) for f in root.filters)


def request_with_personal_data() -> HttpRequest:
    return RequestFactory().post(
        f"/filings/new/details/?id={ID_NUMBER}",
        {"id_number": ID_NUMBER, "bank_account": CARD, "password": SECRET},
    )


def fail_with(value: str) -> None:
    raise IntegrityError(f"duplicate key: Key (id_number)=({value}) already exists.")


def test_error_reports_mask_post_data_query_strings_and_the_exception_message() -> None:
    request = request_with_personal_data()
    assert get_exception_reporter_class(request) is not ExceptionReporter
    try:
        fail_with(str(request.POST["id_number"]))
    except IntegrityError:
        reporter_class: Any = get_exception_reporter_class(request)
        reporter = reporter_class(request, *sys.exc_info())
    for text in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert ID_NUMBER not in text and CARD not in text and SECRET not in text
        assert "3401**********124X" in text


def test_the_error_report_filter_masks_post_data_by_itself() -> None:
    request = request_with_personal_data()
    post = PersonalDataReporterFilter().get_post_parameters(request)
    assert post["id_number"] == "3401**********124X"
    assert post["bank_account"] == "6222***********0123"
    assert post["password"] == "********************"
