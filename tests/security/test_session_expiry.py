"""The session-expiry warning, the keep-alive endpoint, and drafts that outlive a session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings.models import FilingDraft
from portal.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
KEEP_ALIVE = "/accounts/session/keep-alive/"


def test_a_signed_in_page_carries_the_warning_dialog_and_its_script(
    client: Client, retiree: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 1800
    client.force_login(retiree)
    page = client.get(reverse("profile")).content.decode()
    assert 'id="session-expiry"' in page
    assert 'data-seconds="1800"' in page and 'data-warn="300"' in page
    assert f'data-keep-alive="{KEEP_ALIVE}"' in page
    assert "js/session-expiry.js" in page
    assert "已经填写的备案内容会自动保存" in page


def test_a_short_session_warns_a_third_of_its_length_before_the_end(
    client: Client, retiree: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 60
    client.force_login(retiree)
    page = client.get(reverse("profile")).content.decode()
    assert 'data-seconds="60"' in page and 'data-warn="20"' in page


def test_anonymous_pages_have_no_dialog(client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert "session-expiry" not in page


def test_keep_alive_answers_204_and_pushes_the_expiry_back(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=2))
    response = client.post(KEEP_ALIVE)
    assert response.status_code == 204
    assert "no-cache" in response["Cache-Control"]
    expiry = Session.objects.get(pk=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=25)


def test_keep_alive_after_the_session_ended_sends_to_login(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    Session.objects.all().update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(KEEP_ALIVE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_keep_alive_refuses_get_and_a_missing_csrf_token(retiree: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(retiree)
    assert client.get(KEEP_ALIVE).status_code == 405
    assert client.post(KEEP_ALIVE).status_code == 403


def test_the_filing_draft_outlives_an_expired_session(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    client.post(reverse("filings:step", args=["category"]), {"category": "retired"})
    client.post(
        reverse("filings:step", args=["destination"]),
        {"province": "310000", "destination": "310100"},
    )
    Session.objects.all().update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("filings:step", args=["dates"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.post(reverse("login"), {"username": retiree.mobile, "password": PASSWORD})
    draft = FilingDraft.objects.get(owner=retiree)
    assert draft.data["category"] == "retired" and draft.data["destination"] == "310100"
    page = client.get(reverse("filings:step", args=["dates"]))
    assert page.status_code == 200
