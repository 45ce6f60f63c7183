"""Contract tests by a third party: schemathesis generates requests from the
OpenAPI document the app serves (/api/v1/openapi.json) and sends them through
the WSGI application with a fixture credential: no response is a server
error, every response's status and body match the document, and every
operation refuses a request without the credential (ignored_auth)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks

from portal.models import User
from portal.wsgi import application
from tests.admissions.conftest import Credential
from tests.conftest import make_filing

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
]


# The document as the app serves it, read through the WSGI application when
# the tests are collected (schemathesis' lazy from_fixture loader does not
# run under pytest 9). Serving it reads no database.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _wsgi_calls_share_the_test_database(settings: Any) -> Iterator[None]:
    """As Django's test client does: a request keeps the test's database
    connection (and its transaction) open instead of closing it at the end."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis' WSGI client sends
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half the generated bodies name the fixture's person (the document's
    example) with recent dates, so that successful calls are checked too, not
    only refusals of random ID numbers and dates."""
    if not isinstance(body, dict):
        return st.just(body)
    return st.sampled_from([body, _about_her(body)])


def _about_her(body: dict[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    days = {
        "day": today,
        "referral_date": today,
        "admission_date": today - dt.timedelta(days=5),
        "discharge_date": today - dt.timedelta(days=1),
    }
    changed = {**body, "id_number": "340102195704181241", "name": "张桂兰"}
    changed.update({key: day.isoformat() for key, day in days.items() if key in body})
    if "lines" in body:
        changed["lines"] = [
            {"amount": "12345.60", "catalogue_class": "A"},
            {"amount": "800.00", "catalogue_class": "B", "first_self_pay_share": "10"},
        ]
    return changed


@pytest.fixture
def insured(retiree: User, inpatient_policy: Any, referrer: Credential) -> User:
    """张桂兰 with a filing to 上海: the generated requests may find her."""
    assert retiree.id_number == "340102195704181241"
    make_filing(retiree, start_date=timezone.localdate() - dt.timedelta(days=60))
    return retiree


@schema.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_contract(case: Any, credential: Credential, insured: User) -> None:
    case.call_and_validate(headers=credential.headers, checks=CHECKS)
