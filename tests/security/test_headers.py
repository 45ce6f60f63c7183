"""Security headers, cookies and the Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal.models import User
from tests.conftest import PASSWORD, make_filing, make_person

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def csp(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part.strip()
    }


def inline_code(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, EVENT_HANDLER, STYLE_ELEMENT):
        found += [m.group() for m in pattern.finditer(html)]
    return found


def test_every_page_has_a_policy_without_unsafe_inline(client: Client) -> None:
    response = client.get(reverse("home"))
    policy = csp(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_style(client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page
    assert page.index('name="htmx-config"') < page.index("django_htmx/htmx-2.min.js")


@pytest.mark.parametrize(
    "name",
    ["home", "login", "register", "password_reset", "claims:estimate"],
)
def test_public_pages_carry_no_inline_script_or_style(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_pages_of_a_signed_in_person_carry_no_inline_script_or_style(
    client: Client, retiree: User
) -> None:
    filing = make_filing(retiree)
    client.force_login(retiree)
    urls = [
        reverse("profile"),
        reverse("filings:list"),
        reverse("filings:new"),
        reverse("filings:step", args=["category"]),
        reverse("filings:detail", args=[filing.reference]),
        reverse("filings:form", args=[filing.reference]),
        reverse("filings:change", args=[filing.reference]),
        reverse("filings:cancel", args=[filing.reference]),
    ]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


def test_the_admin_pages_carry_no_inline_script_or_style(client: Client, retiree: User) -> None:
    filing = make_filing(retiree, status="submitted")
    client.force_login(make_person(is_staff=True, is_superuser=True))
    for url in [
        reverse("admin:index"),
        reverse("admin:filings_filing_changelist"),
        reverse("admin:filings_filing_change", args=[filing.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response
        assert inline_code(response.content.decode()) == [], url


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    """The policy forbids them; a template that adds one breaks in the browser."""
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "var" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        if inline_code(text):
            offenders.append(f"{template.relative_to(ROOT)}: {inline_code(text)}")
    assert offenders == []


def test_hsts_nosniff_referrer_and_framing_headers_are_sent(client: Client) -> None:
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_secure_and_the_session_cookie_is_http_only(
    client: Client, retiree: User
) -> None:
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"), {"username": retiree.mobile, "password": PASSWORD}, secure=True
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_the_deployment_check_is_clean_under_production_settings(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["yidi.example.cn"]
    call_command("check", deploy=True, fail_level="WARNING")


def test_the_health_check_answers_ok_without_login_or_https_redirect(
    client: Client, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.content == b"ok"


@pytest.mark.parametrize("url", ["/verify/%00/", "/filings/BA%00/", "/%00"])
def test_a_nul_byte_in_the_address_is_a_plain_400(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/filings/new/destination/?province=%00", "/claims/estimate/?province=%00"]
)
def test_a_nul_byte_in_the_query_string_is_dropped_not_a_500(client: Client, url: str) -> None:
    client.force_login(make_person())
    client.post(reverse("filings:step", args=["category"]), {"category": "retired"})
    assert client.get(url).status_code == 200
