"""The request every view receives, and the one rule for page or fragment.

As django-htmx's example project has one `HtmxHttpRequest`, the portal has one
typed request: `HtmxRequest` for the public pages, `PortalRequest` behind the
login (its `user` is the portal's `User`, and `subject` is the person whose
records the page shows: the user, or the relative they switched to, set by
`family.middleware.ActingForMiddleware`). The `Vary: HX-Request` header that
a fragment-or-page URL needs is set once, for every response, by
`portal.middleware.VaryOnHtmxMiddleware`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from portal.models import User


class HtmxRequest(HttpRequest):
    """Any request: `request.htmx` is set by django-htmx's middleware."""

    htmx: HtmxDetails


class PortalRequest(HtmxRequest):
    """A signed-in request (LoginRequiredMiddleware guarantees the user)."""

    user: User  # type: ignore[assignment]
    subject: User


def is_fragment(request: HtmxRequest) -> bool:
    """htmx asked for part of the page; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def partial(request: HtmxRequest, template: str, fragment: str) -> str:
    """The template to render: the named `{% partialdef %}` for htmx, else the page."""
    return f"{template}#{fragment}" if is_fragment(request) else template
