from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from family.models import link_grants
from filings.services import link_counter_filings
from portal.forms import RegistrationForm


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The account and everything linked to it, or none of it.
        with transaction.atomic():
            user = form.save()
            linked = link_counter_filings(user)
            link_grants(user)
        login(request, user, backend="portal.backends.IdNumberOrMobileBackend")
        messages.success(request, _("注册成功，您已登录。"))
        if linked:
            messages.info(
                request,
                _("窗口为您办理过的 %(n)d 份备案已关联到您的账户。") % {"n": linked},
            )
        return redirect("profile")
    already_registered = form.has_error("id_number", code="registered")
    return render(
        request, "portal/register.html", {"form": form, "already_registered": already_registered}
    )


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/profile.html")
