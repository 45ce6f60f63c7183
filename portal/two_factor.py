"""Second factor for agency staff (django-otp): a TOTP authenticator app,
enrolled on first use, and ten one-time recovery codes."""

from __future__ import annotations

import base64

import segno
from django import forms
from django.contrib.auth.decorators import user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.forms import PortalForm
from portal.http import PortalRequest

RECOVERY_CODES = 10
staff_only = user_passes_test(lambda u: u.is_authenticated and u.is_staff)


class TokenForm(PortalForm):
    token = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=16,
        help_text=gettext_lazy("身份验证器 App 上的 6 位数字；手机不在身边时，可输入一个恢复码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("admin:index")
    return target


@staff_only
@require_http_methods(["GET", "POST"])
def otp_verify(request: PortalRequest) -> HttpResponse:
    user = request.user
    if not any(d.confirmed for d in devices_for_user(user, confirmed=True)):
        return redirect(f"{reverse('otp_setup')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].replace(" ", "")
        for device in devices_for_user(user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        form.add_error("token", _("验证码不正确或已过期。请输入 App 上当前显示的数字。"))
    return render(request, "portal/otp_verify.html", {"form": form, "next": _next(request)})


@staff_only
@require_http_methods(["GET", "POST"])
def otp_setup(request: PortalRequest) -> HttpResponse:
    """Enrol an authenticator app; on success, show the recovery codes once."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(f"{reverse('otp_verify')}?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            recovery, _created = StaticDevice.objects.get_or_create(user=user, name=_("恢复码"))
            recovery.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            for code in codes:
                recovery.token_set.create(token=code)
            otp_login(request, device)
            return render(
                request, "portal/otp_recovery.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "token", _("验证码不正确。请确认手机时间准确，再输入 App 上当前显示的数字。")
        )
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("用身份验证器扫描"))
    manual = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "portal/otp_setup.html",
        {"form": form, "qr_svg": qr, "manual_key": manual, "next": _next(request)},
    )
