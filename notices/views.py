from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from notices.forms import HotlineSearchForm
from notices.models import DowntimeNotice
from portal.http import HtmxRequest, partial
from portal.models import InsuranceRegion, Region


@login_not_required
@require_GET
def hotlines(request: HtmxRequest) -> HttpResponse:
    """The national 12393 line and each pooling region's agency hotline."""
    provinces = list(Region.objects.provinces())
    form = HotlineSearchForm(request.GET or None, provinces=provinces)
    agencies = InsuranceRegion.objects.select_related("region__parent").order_by("region_id")
    searched = False
    if form.is_bound and form.is_valid():
        if form.cleaned_data["province"]:
            code = form.cleaned_data["province"]
            agencies = agencies.filter(Q(region__parent_id=code) | Q(region_id=code))
            searched = True
        if form.cleaned_data["q"]:
            text = form.cleaned_data["q"]
            agencies = agencies.filter(
                Q(region__name__contains=text)
                | Q(region__parent__name__contains=text)
                | Q(agency_name__contains=text)
            )
            searched = True
    # A signed-in visitor sees the agency of the person whose records they
    # are looking at: the son acting for his mother needs her 合肥 agency.
    subject = request.subject if request.user.is_authenticated else None  # type: ignore[attr-defined]
    own = None
    if subject is not None and subject.insured_region_id:
        own = InsuranceRegion.objects.select_related("region__parent").get(
            pk=subject.insured_region_id
        )
    context = {
        "form": form,
        "agencies": agencies if searched else [],
        "searched": searched,
        "own": own,
    }
    return render(request, partial(request, "notices/hotlines.html", "agencies"), context)


@login_not_required
@require_GET
def notice_list(request: HtmxRequest) -> HttpResponse:
    """Downtime notices: current and upcoming, then those ended in the last 30 days."""
    now = timezone.now()
    base = DowntimeNotice.objects.select_related("region")
    return render(
        request,
        "notices/notice_list.html",
        {
            "showing": base.showing(now).order_by("starts_at", "pk"),
            "ended": base.ended(now)
            .filter(ends_at__gte=now - dt.timedelta(days=30))
            .order_by("-ends_at", "pk"),
            "now": now,
        },
    )
