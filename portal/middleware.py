from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import patch_vary_headers

from portal.errors import database_unavailable, is_database_outage


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the person chose English with the language
    switch (a cookie). Unlike Django's LocaleMiddleware it ignores the
    browser's Accept-Language: this is a Chinese public service, and a page
    must not change language because of how a phone was set up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else ""
        except LookupError:
            language = ""
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response


class VaryOnHtmxMiddleware:
    """Every URL may answer htmx with a fragment and a browser with the page
    (portal.http.partial), so every response varies on HX-Request: a cache
    must never hand a fragment to a full page load."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class DatabaseUnavailableMiddleware:
    """A database outage during a view is a plain 503 page with Retry-After,
    not a 500. The view's transaction was rolled back by the database, so
    nothing was half written; the person is told to try again shortly.
    (Outages met outside a view, in other middleware, reach handler500,
    portal.errors.server_error, which answers the same.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logging.getLogger("portal.outage").error(
            "Database unavailable on %s %s: %s", request.method, request.path, exception
        )
        return database_unavailable()


class RejectNulBytesMiddleware:
    """A NUL byte in the path is a 400, before any view; one in the query
    string is dropped.

    No legitimate link contains one, and PostgreSQL cannot store or even
    compare text that does: a view that looks up a reference or a code taken
    from the address would fail with a 500. In the query string it is removed
    rather than refused, so that a garbled shared link still opens the page
    (its form then says what is missing). Form fields refuse NUL themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponseBadRequest("Bad request: NUL byte", content_type="text/plain")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            request.META["QUERY_STRING"] = query.replace("%00", "").replace("\x00", "")
        return self.get_response(request)
