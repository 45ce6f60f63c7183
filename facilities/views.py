from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from facilities import services
from facilities.forms import FacilitySearchForm, RegionChoices
from facilities.models import Facility
from portal.http import HtmxRequest, is_fragment, partial


@login_not_required
@require_GET
def facility_list(request: HtmxRequest) -> HttpResponse:
    """The public lookup. One URL for the page and, for htmx, its results."""
    regions = RegionChoices.load()
    form = FacilitySearchForm(request.GET, regions=regions)
    # Nearest first starts from the filing of the person whose records are shown.
    shown = request.subject if request.user.is_authenticated else None  # type: ignore[attr-defined]
    criteria, needs_origin = form.criteria(default_origin=services.default_origin(shown))
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
        "swap_cities": is_fragment(request) and request.htmx.trigger_name == "province",
    }
    return render(request, partial(request, "facilities/facility_list.html", "results"), context)


@login_not_required
@require_GET
def facility_detail(request: HtmxRequest, code: str) -> HttpResponse:
    facility = get_object_or_404(
        Facility.objects.select_related("city__parent", "province"), code=code.upper()
    )
    return render(
        request,
        "facilities/facility_detail.html",
        {"facility": facility, "is_active": facility.is_active()},
    )
