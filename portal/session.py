"""Session expiry: the page warns a few minutes before the session ends
(static/js/session-expiry.js) and can keep it alive with one small request.

Sessions end after SESSION_COOKIE_AGE seconds without a request
(SESSION_SAVE_EVERY_REQUEST). The filing journey keeps its answers in the
database (FilingDraft), so an ended session loses nothing typed so far."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.http import PortalRequest

WARN_BEFORE_SECONDS = 5 * 60


@never_cache
@require_POST
def keep_alive(request: PortalRequest) -> HttpResponse:
    """Touch the session (saved on every request) and say nothing: 204.

    Login is required (LoginRequiredMiddleware): once the session has ended
    this answers with a redirect to the login page, which the script reads
    as "signed out"."""
    request.session.modified = True
    return HttpResponse(status=204)


def session_expiry(request: HttpRequest) -> dict[str, Any]:
    """Context for base.html: how long a session lasts, when to warn."""
    age = settings.SESSION_COOKIE_AGE
    return {
        "session_seconds": age,
        "session_warn_seconds": min(WARN_BEFORE_SECONDS, max(age // 3, 1)),
    }
