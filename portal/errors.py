"""Pages for when something goes wrong: the database is away, a form's
security token no longer matches, or the server fails.

None of them may touch the database: the outage page is shown precisely
when it cannot answer, so it is rendered without the request's context
processors (which would load the session and the user)."""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# What a re-posted form may carry: never a secret, never a huge page.
_DROPPED_FIELDS = ("csrfmiddlewaretoken",)
_MAX_KEPT_FIELDS = 100
_MAX_KEPT_LENGTH = 5000


def database_unavailable() -> HttpResponse:
    """A plain 503 page, rendered without the database."""
    body = render_to_string(
        "503.html",
        {"national_hotline": settings.NATIONAL_HOTLINE, "retry_after": RETRY_AFTER_SECONDS},
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_database_outage(error: BaseException | None) -> bool:
    """Whether the error is, or was raised while handling, a lost database."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400. When the database goes away just as the session is saved,
    Django reports "the session was deleted" (SessionInterrupted, a 400); that
    is an outage like any other and gets the 503 page."""
    if is_database_outage(exception):
        return database_unavailable()
    return defaults.bad_request(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage anywhere (also in middleware, where
    DatabaseUnavailableMiddleware cannot see it) is a 503, anything else a 500."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable()
    body = render_to_string("500.html", {"national_hotline": settings.NATIONAL_HOTLINE})
    return HttpResponse(body, status=500)


def _same_origin(request: HttpRequest) -> bool:
    """Whether the failed POST came from one of our own pages.

    Only then is the person offered to send the same input again: a form on
    another site that posts here must not be turned into a one-click
    "resubmit" of whatever that site chose."""
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not origin:
        return False
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    here = f"{request.scheme}://{request.get_host()}"
    return f"{parts.scheme}://{parts.netloc}" in {here, *settings.CSRF_TRUSTED_ORIGINS}


def kept_fields(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """The posted fields that can be sent again, and whether a password was dropped."""
    kept: list[tuple[str, str]] = []
    dropped_password = False
    for name, values in request.POST.lists():
        if name in _DROPPED_FIELDS:
            continue
        if "password" in name.lower():
            dropped_password = dropped_password or any(values)
            continue
        for value in values:
            if len(kept) < _MAX_KEPT_FIELDS:
                kept.append((name[:100], value[:_MAX_KEPT_LENGTH]))
    return kept, dropped_password


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say in plain words what happened and keep the input.

    The usual cause is an honest one (the page was open a long time, the
    person signed in again in another tab, cookies were cleared), so the page
    offers to send the same answers again with a fresh token; passwords and
    files are never kept."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    same_origin = _same_origin(request)
    fields, dropped_password = kept_fields(request) if same_origin else ([], False)
    user = getattr(request, "user", None)
    in_journey = request.path.startswith(reverse("filings:new"))
    context: dict[str, Any] = {
        "action": request.path,
        "fields": fields,
        "can_resend": same_origin and bool(fields) and not dropped_password,
        "dropped_password": dropped_password,
        "had_files": bool(request.FILES) if same_origin else False,
        "draft_saved": in_journey and user is not None and user.is_authenticated,
        "csrf_token": get_token(request),
    }
    return render(request, "portal/csrf_failure.html", context, status=403)
