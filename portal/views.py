from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import RegistrationForm
from portal.http import HtmxRequest, PortalRequest
from portal.signals import registered


@login_not_required
@require_GET
def home(request: HtmxRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def register(request: HtmxRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The account and everything linked to it, or none of it.
        with transaction.atomic():
            user = form.save()
            linked = registered.send(sender=type(user), user=user)
        login(request, user, backend="portal.backends.IdNumberOrMobileBackend")
        messages.success(request, _("注册成功，您已登录。"))
        for _receiver, message in linked:
            if message:
                messages.info(request, message)
        return redirect("profile")
    already_registered = form.has_error("id_number", code="registered")
    return render(
        request, "portal/register.html", {"form": form, "already_registered": already_registered}
    )


@require_GET
def profile(request: PortalRequest) -> HttpResponse:
    return render(request, "portal/profile.html")
