"""Login lockout (django-axes) and the client address behind trusted proxies.

Lockout counts failures per account and per address, each with its own
limit: an account is locked after a few wrong passwords, an address only
after many more, because a hospital, a community service centre or a mobile
carrier puts many honest people behind one address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.idnumbers import MOBILE_RE, normalise_id_number


def client_ip(request: HttpRequest) -> str:
    """The address of the person, not of our own proxy.

    With TRUSTED_PROXY_COUNT = N, the last N proxies in front of the app each
    appended the address they saw to X-Forwarded-For; the one the outermost
    trusted proxy appended is the client. Anything to its left was written by
    the client and can be forged, so it is never used. With N = 0 (no proxy)
    the header is ignored."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote  # not through all our proxies: trust only the socket
    return forwarded[-count]


def login_identifier(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt is aimed at, written one way.

    People log in with the ID number (any case of the final X, with spaces)
    or the mobile number; failures against one account must add up whichever
    they type, so a mobile number that belongs to an account counts as that
    account's ID number."""
    raw = ""
    if credentials:
        raw = str(credentials.get("username") or "")
    elif request is not None:
        raw = str(request.POST.get("username", ""))
    identifier = raw.strip()[:64]
    if MOBILE_RE.match(identifier):
        from portal.models import User

        owner = User.objects.filter(mobile=identifier).values_list("id_number", flat=True).first()
        return owner or identifier
    return normalise_id_number(identifier)


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout parameter.

    Axes compares one number of failures with one limit; this handler gives
    axes the failures scaled to the account limit, so an address reaches the
    account limit only when its own, larger limit is reached. A successful
    login clears the account's failures, never the address's (otherwise an
    attacker could reset an address by logging into their own account)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        account_limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        for parameter, attempts in zip(
            get_lockout_parameters(request, credentials),
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == "ip_address":
                failures = failures * account_limit // settings.LOGIN_ADDRESS_FAILURE_LIMIT
            worst = max(worst, failures)
        return worst

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        username = login_identifier(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def lockout_ends(request: HttpRequest, credentials: dict[str, Any] | None) -> dt.datetime | None:
    """When the lock that stopped this request runs out."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    username = login_identifier(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    last = None
    for kwargs in get_client_parameters(username, ip_address, "", request, credentials):
        found = AccessAttempt.objects.filter(**kwargs).aggregate(last=Max("attempt_time"))["last"]
        if found and (last is None or found > last):
            last = found
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a locked-out person sees: when to try again, and what else to do."""
    until = timezone.localtime(lockout_ends(request, credentials) or timezone.now())
    minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
    response = render(
        request,
        "portal/login_locked.html",
        {"until": until, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
