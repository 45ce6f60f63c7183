"""A trivial view for load balancers and for the benchmark's ceiling."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """ "ok", without touching the database or a template."""
    return HttpResponse("ok", content_type="text/plain")
