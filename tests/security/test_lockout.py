"""Login lockout: per account (however the identifier is typed) and per address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.idnumbers import make_id_number
from portal.models import User
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db


WRONG = "wrong-password"


def login(client: Client, username: str | None, password: str = WRONG, **extra: Any) -> Any:
    data = {"username": username or "", "password": password}
    return client.post(reverse("login"), data, **extra)


def person_whose_id_ends_in_x() -> User:
    for sequence in range(1, 1000):
        number = make_id_number("340102", dt.date(1961, 3, 9), sequence)
        if number.endswith("X"):
            return make_person(id_number=number)
    raise AssertionError("no sequence gives a check digit X")


def test_an_account_is_locked_after_five_wrong_passwords_and_the_page_says_when_to_retry(
    client: Client, retiree: User
) -> None:
    for _ in range(4):
        assert login(client, retiree.mobile).status_code == 200
    response = login(client, retiree.mobile)
    page = response.content.decode()
    assert response.status_code == 429
    assert "登录失败次数太多" in page
    until = timezone.localtime() + dt.timedelta(minutes=15)
    assert (
        until.strftime("%H:%M") in page
        or (until - dt.timedelta(minutes=1)).strftime("%H:%M") in page
    )
    assert reverse("password_reset") in page and "12393" in page
    assert int(response["Retry-After"]) <= 15 * 60


def test_the_right_password_is_refused_while_the_account_is_locked(
    client: Client, retiree: User
) -> None:
    for _ in range(5):
        login(client, retiree.mobile)
    response = login(client, retiree.mobile, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_id_number_in_any_case_and_with_spaces_counts_as_one_account(client: Client) -> None:
    person = person_whose_id_ends_in_x()
    number = person.id_number
    typed = [number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:].lower()}"]
    typed += [number.lower(), f" {number} "]
    statuses = [login(client, t).status_code for t in typed]
    assert statuses == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {number}


def test_the_mobile_number_and_the_id_number_count_as_one_account(
    client: Client, retiree: User
) -> None:
    statuses = [login(client, retiree.mobile).status_code for _ in range(3)]
    statuses += [login(client, retiree.id_number.lower()).status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 200, 429]


def test_an_address_is_locked_only_after_many_more_failures_than_an_account(
    client: Client, settings: Any
) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    people = [make_person() for _ in range(4)]
    statuses = [login(client, p.mobile).status_code for p in people for _ in range(3)]
    assert statuses[:11] == [200] * 11  # 3 per account: no account locked, address under 12
    assert statuses[11] == 429
    # Someone else behind the same address is now turned away too, even with the right password.
    other = make_person()
    assert login(client, other.mobile, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(
    client: Client, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    people = [make_person() for _ in range(3)]
    # The client forges a left-hand entry; only the one our proxy appended counts.
    for i, person in enumerate(people):
        forged = f"10.0.0.{i}, 198.51.100.7"
        login(client, person.mobile, HTTP_X_FORWARDED_FOR=forged)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    for person in people[:2]:
        login(client, person.mobile, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert login(client, make_person().mobile, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == (
        429
    )
    fresh = make_person()
    assert login(
        client, fresh.mobile, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9"
    ).status_code == (302)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client: Client) -> None:
    login(client, "13900000000", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_a_successful_login_clears_the_account_failures(client: Client, retiree: User) -> None:
    for _ in range(4):
        login(client, retiree.mobile)
    assert login(client, retiree.mobile, PASSWORD).status_code == 302
    client.logout()
    statuses = [login(client, retiree.mobile).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]


def test_the_lock_ends_after_the_cool_off(client: Client, retiree: User) -> None:
    for _ in range(5):
        login(client, retiree.mobile)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert login(client, retiree.mobile, PASSWORD).status_code == 302


def test_pressing_log_in_while_locked_does_not_move_the_end_of_the_lock(
    client: Client, retiree: User
) -> None:
    for _ in range(5):
        login(client, retiree.mobile)
    before = AccessAttempt.objects.get().attempt_time
    login(client, retiree.mobile)
    login(client, retiree.mobile, PASSWORD)
    assert AccessAttempt.objects.get().attempt_time == before


def test_the_lockout_page_is_in_english_after_the_switch(client: Client, retiree: User) -> None:
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = login(client, retiree.mobile)
    assert response.status_code == 429
    assert 'lang="en"' in response.content.decode()
