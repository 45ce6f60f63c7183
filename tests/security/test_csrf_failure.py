"""The CSRF failure page explains, and keeps the input so it can be sent again."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from filings.models import FilingDraft
from portal.models import User

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


def stale_client(user: User | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("home"))  # a CSRF cookie, as a real visit would leave
    return client


def post_with_a_stale_token(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, {"csrfmiddlewaretoken": "x" * 32, **data}, **extra)


def test_a_stale_form_explains_and_keeps_the_answers_for_one_more_try(retiree: User) -> None:
    client = stale_client(retiree)
    url = reverse("filings:step", args=["category"])
    response = post_with_a_stale_token(client, url, {"category": "retired"}, HTTP_ORIGIN=ORIGIN)
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，请重新提交" in page
    assert '<input type="hidden" name="category" value="retired">' in page
    assert f'action="{url}"' in page
    assert "之前各步已经填写的备案内容都已保存" in page
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    again = client.post(url, {"csrfmiddlewaretoken": token, "category": "retired"})
    assert again.status_code == 302
    assert FilingDraft.objects.get(owner=retiree).data["category"] == "retired"


def test_kept_input_is_escaped(retiree: User) -> None:
    client = stale_client(retiree)
    hostile = '"><script>alert(1)</script>'
    response = post_with_a_stale_token(
        client,
        reverse("filings:step", args=["details"]),
        {"contact_phone": hostile},
        HTTP_ORIGIN=ORIGIN,
    )
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert "&quot;&gt;&lt;script&gt;" in page


def test_passwords_are_never_kept(retiree: User) -> None:
    client = stale_client()
    response = post_with_a_stale_token(
        client,
        reverse("login"),
        {"username": retiree.mobile, "password": "Secret-Typed-1"},
        HTTP_ORIGIN=ORIGIN,
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert "Secret-Typed-1" not in page
    assert "密码不会被保留" in page


def test_a_post_from_another_site_is_not_offered_for_resubmission(retiree: User) -> None:
    client = stale_client(retiree)
    response = post_with_a_stale_token(
        client,
        reverse("filings:step", args=["category"]),
        {"category": "retired"},
        HTTP_ORIGIN="https://evil.example",
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert 'name="category"' not in page and "重新提交</button>" not in page


def test_the_failure_page_sets_a_fresh_csrf_cookie_when_there_was_none(retiree: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(retiree)
    response = client.post(
        reverse("filings:step", args=["category"]), {"category": "retired"}, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 403
    assert settings.CSRF_COOKIE_NAME in response.cookies
