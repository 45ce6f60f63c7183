from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from facilities import services
from facilities.forms import FacilitySearchForm, RegionChoices
from facilities.models import Facility


def _htmx(request: HttpRequest) -> HtmxDetails | None:
    return cast("HtmxDetails | None", getattr(request, "htmx", None))


def _is_fragment(request: HttpRequest) -> bool:
    """An htmx request for the results (not a history restore: that needs the page)."""
    htmx = _htmx(request)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


@login_not_required
@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    """The public lookup. One URL for the page and, for htmx, its results."""
    regions = RegionChoices.load()
    form = FacilitySearchForm(request.GET, regions=regions)
    criteria, needs_origin = form.criteria(default_origin=services.default_origin(request.user))
    page = services.lookup_page(
        criteria, services.page_number(request.GET.get("page")), cities=regions.cities
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "criteria": criteria,
        "page": page,
        "needs_origin": needs_origin,
        "unplaced_origin": form.unplaced_origin,
        "query_string": query.urlencode(),
        "searched": bool(request.GET),
        # The province changed: the city select comes along out of band.
        "swap_cities": _is_fragment(request) and _htmx(request).trigger_name == "province",  # type: ignore[union-attr]
    }
    template = "facilities/facility_list.html"
    if _is_fragment(request):
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_not_required
@require_GET
def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = get_object_or_404(
        Facility.objects.select_related("city__parent", "province"), code=code.upper()
    )
    return render(
        request,
        "facilities/facility_detail.html",
        {"facility": facility, "is_active": facility.is_active()},
    )
