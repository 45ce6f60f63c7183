"""医保电子凭证码: a one-time code, valid five minutes, that a hospital can
check instead of an ID number and name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admissions.models import EVoucher
from family.models import Scope
from portal.models import User
from tests.admissions.conftest import Credential, post
from tests.conftest import make_filing, make_grant

pytestmark = pytest.mark.django_db
PAGE = reverse("admissions:voucher")
BY_VOUCHER = "/api/v1/admission-checks/by-voucher"
CODE = re.compile(r'class="voucher-code"><strong>([A-Z0-9-]{14})</strong>')


def issue(client: Client) -> str:
    response = client.post(PAGE)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    match = CODE.search(response.content.decode())
    assert match is not None
    return match.group(1)


def check(client: Client, credential: Credential | None, code: str) -> Any:
    body = {"voucher": code, "day": timezone.localdate().isoformat()}
    return post(client, BY_VOUCHER, body, credential)


def test_her_code_answers_once_for_the_hospital(
    client: Client, credential: Credential, retiree: User
) -> None:
    filing = make_filing(retiree, start_date=timezone.localdate() - dt.timedelta(days=30))
    client.force_login(retiree)
    code = issue(client)
    assert "<svg" in client.post(PAGE).content.decode()  # with its QR code
    api = Client()
    response = check(api, credential, code)
    assert response.status_code == 200
    assert response.json()["filing"]["reference"] == filing.reference
    assert check(api, credential, code).status_code == 404  # single use


def test_a_code_expires_after_five_minutes(
    client: Client, credential: Credential, retiree: User
) -> None:
    client.force_login(retiree)
    code = issue(client)
    EVoucher.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert check(Client(), credential, code).status_code == 404


def test_a_made_up_code_or_no_credential_gets_nothing(
    client: Client, credential: Credential, retiree: User
) -> None:
    client.force_login(retiree)
    code = issue(client)
    assert check(Client(), credential, "ABCD-EFGH-JKLM").status_code == 404
    assert check(Client(), None, code).status_code == 401
    assert EVoucher.objects.get().used_at is None


def test_only_the_code_is_shown_never_kept(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    code = issue(client)
    assert code.replace("-", "") not in EVoucher.objects.get().code_hash


def act_for(client: Client, person: User) -> None:
    session = client.session
    session["acting_for"] = person.pk
    session.save()


def test_a_son_who_may_act_for_her_makes_her_code(
    client: Client, retiree: User, relative: User
) -> None:
    make_grant(retiree, relative)
    client.force_login(relative)
    act_for(client, retiree)
    assert client.post(PAGE).status_code == 200
    assert EVoucher.objects.get().person == retiree


def test_a_relative_who_may_only_view_cannot_make_her_code(
    client: Client, retiree: User, relative: User
) -> None:
    make_grant(retiree, relative, scope=Scope.VIEW)
    client.force_login(relative)
    act_for(client, retiree)
    assert client.post(PAGE).status_code == 404
    assert not EVoucher.objects.exists()


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    assert client.post(PAGE).status_code == 302


def test_my_filings_link_to_the_code(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    assert f'href="{PAGE}"' in client.get(reverse("filings:list")).content.decode()
