"""The hospitals' API under /api/v1/ and its docs page at /api/docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from admissions.api import api

patterns, ninja_app, ninja_namespace = api.urls
for pattern in patterns:
    # The API authenticates by its own credential, not by a portal session
    # (LoginRequiredMiddleware would send a hospital to the login page).
    pattern.callback.login_required = False  # type: ignore[union-attr]

urlpatterns = [
    path("v1/", (patterns, ninja_app, ninja_namespace)),  # type: ignore[arg-type]
    path(
        "docs",
        login_not_required(RedirectView.as_view(url=reverse_lazy("api:openapi-view"))),
        name="api_docs",
    ),
]
