"""The portal over real HTTP: log in, walk the filing journey, submit.

Used by the tests that run against a live server (concurrency, outage) and by
the load benchmark (bench/locustfile.py). Works with a requests.Session or
locust's HttpSession (a subclass of it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import requests


def portal_today() -> dt.date:
    """The portal's day (Asia/Shanghai), which is not the machine's near midnight UTC."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


TOKEN_RE = re.compile(r'name="token" value="([0-9a-f-]{36})"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(session: requests.Session, base: str, path: str, **kwargs: Any) -> str:
    """GET a page and return the CSRF token of its form."""
    response = session.get(base + path, **kwargs)
    response.raise_for_status()
    found = CSRF_RE.search(response.text)
    if found is None:
        raise AssertionError(f"no CSRF token on {path}")
    return found.group(1)


def post_form(
    session: requests.Session,
    base: str,
    path: str,
    data: dict[str, Any],
    *,
    token: str,
    **kwargs: Any,
) -> requests.Response:
    kwargs.setdefault("allow_redirects", False)
    headers = {"Referer": base + path, "Origin": base, **kwargs.pop("headers", {})}
    return session.post(
        base + path, data={"csrfmiddlewaretoken": token, **data}, headers=headers, **kwargs
    )


def log_in(session: requests.Session, base: str, username: str, password: str) -> None:
    token = csrf_token(session, base, "/accounts/login/")
    response = post_form(
        session, base, "/accounts/login/", {"username": username, "password": password}, token=token
    )
    if response.status_code != 302:
        raise AssertionError(f"login failed: {response.status_code}")


def register(session: requests.Session, base: str, person: dict[str, str]) -> None:
    """Register (which also logs in) with full_name, id_number, mobile, password."""
    token = csrf_token(session, base, "/accounts/register/")
    data = {
        "full_name": person["full_name"],
        "id_number": person["id_number"],
        "mobile": person["mobile"],
        "email": "",
        "insured_region": person.get("insured_region", "340100"),
        "scheme": "employee",
        "member_status": "retired",
        "password1": person["password"],
        "password2": person["password"],
    }
    response = post_form(session, base, "/accounts/register/", data, token=token)
    if response.status_code != 302:
        raise AssertionError(f"registration failed: {response.status_code} {response.text[:500]}")


def walk_temporary_journey(
    session: requests.Session, base: str, *, phone: str, today: dt.date | None = None
) -> str:
    """Answer every step of a temporary ("other") filing to 上海; return the
    submission token shown on the check page."""
    today = today or portal_today()
    token = csrf_token(session, base, "/filings/new/category/")
    answers = [
        ("category", {"category": "other"}),
        ("destination", {"province": "310000", "destination": "310100"}),
        ("dates", {"start_date": today.isoformat()}),
        ("details", {"contact_phone": phone}),
        ("consent", {"accept": "on"}),
    ]
    for step, data in answers:
        response = post_form(session, base, f"/filings/new/{step}/", data, token=token)
        if response.status_code != 302:
            raise AssertionError(f"step {step}: {response.status_code} {response.text[:300]}")
    check = session.get(base + "/filings/new/check/")
    found = TOKEN_RE.search(check.text)
    if found is None:
        raise AssertionError(f"no submit form on the check page: {check.text[:500]}")
    return found.group(1)


def submit(session: requests.Session, base: str, draft_token: str, csrf: str) -> requests.Response:
    return post_form(session, base, "/filings/new/submit/", {"token": draft_token}, token=csrf)
