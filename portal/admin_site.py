"""The agency's admin site: a second factor before it opens, and a dashboard
of the staff member's own regions on its index page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("跨省异地就医 · 经办管理")
    site_title = _("经办管理")
    index_title = _("工作台")
    index_template = "admin/portal_index.html"
    # Room for the review queue's columns on a normal screen.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        return bool(user.is_active and user.is_staff and verified)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Staff sign in on the portal's own login page, then give the
        second factor (enrolling on first use) before the admin opens."""
        target = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': target})}")
        if not user.is_staff:
            return HttpResponseRedirect(reverse("home"))
        return HttpResponseRedirect(f"{reverse('otp_verify')}?{urlencode({'next': target})}")

    def index(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # The dashboard's counts belong to a feature app, which portal does not
        # import (pyproject.toml's contract): settings.ADMIN_DASHBOARD names it.
        dashboard_for = import_string(settings.ADMIN_DASHBOARD)
        return super().index(
            request, {"dashboard": dashboard_for(request.user), **(extra_context or {})}
        )
