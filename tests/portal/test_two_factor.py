from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return (
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"
    )


def sign_in(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": user.mobile, "password": PASSWORD})
    assert response.status_code == 302


def test_staff_cannot_open_the_admin_with_a_password_alone(client: Client, reviewer: User) -> None:
    sign_in(client, reviewer)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_setup"))
    assert "设置两步验证" in response.content.decode()


def test_staff_enrol_an_authenticator_on_first_use_and_get_recovery_codes(
    client: Client, reviewer: User
) -> None:
    sign_in(client, reviewer)
    page = client.get(reverse("otp_setup")).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    wrong = client.post(
        reverse("otp_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes slow down guessing
    time.sleep(1.1)  # django-otp's first throttle delay is one second
    done = client.post(reverse("otp_setup"), {"token": code_for(device)})
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    # A new sign-in asks for the code again; a recovery code works once.
    client.logout()
    sign_in(client, reviewer)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.post(reverse("otp_verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    sign_in(client, reviewer)
    again = client.post(reverse("otp_verify"), {"token": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()


def test_a_current_authenticator_code_opens_the_admin(client: Client, reviewer: User) -> None:
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    sign_in(client, reviewer)
    response = client.post(
        reverse("otp_verify"), {"token": code_for(device), "next": reverse("admin:index")}
    )
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_residents_never_reach_the_second_factor_or_the_admin(
    client: Client, retiree: User
) -> None:
    sign_in(client, retiree)
    assert client.get(reverse("otp_verify")).status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and not response["Location"].startswith(
        reverse("otp_verify")
    )


def test_the_second_factor_redirect_refuses_foreign_urls(client: Client, reviewer: User) -> None:
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    sign_in(client, reviewer)
    response = client.post(
        reverse("otp_verify"), {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("admin:index")
