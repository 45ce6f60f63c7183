from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from claims.choices import CareType, FacilityLevel, FilingSituation
from claims.engine import settle
from claims.forms import EstimateForm, bill_lines, defaults_for, year_to_date
from claims.models import Policy
from portal.models import InsuranceRegion, MemberStatus, Scheme

logger = logging.getLogger(__name__)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def estimate(request: HtmxHttpRequest) -> HttpResponse:
    """The benefit estimator. Its inputs live in the URL so an estimate can be
    shared; a logged-in person starts from their own insured place and scheme."""
    template = "claims/estimate.html"
    if "update_region" in request.GET:
        # The province changed: offer its cities, keep every other input,
        # judge nothing yet (with htmx, only the city field is swapped).
        form = EstimateForm(initial=request.GET.dict())
        if request.htmx and not request.htmx.history_restore_request:
            template += "#region-field"
        return render(request, template, {"form": form})

    submitted = any(name in request.GET for name in EstimateForm.base_fields)
    if not submitted:
        form = EstimateForm(initial=defaults_for(request.user))
        return render(request, template, {"form": form})

    form = EstimateForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        context.update(estimate_for(form.cleaned_data, on=timezone.localdate()))
    return render(request, template, context)


def estimate_for(data: dict[str, Any], *, on: dt.date) -> dict[str, Any]:
    """Find the insured place's policy in force and settle the bill under it."""
    region = InsuranceRegion.objects.select_related("region__parent").get(pk=data["region"])
    policy = (
        Policy.objects.for_member(
            insured_region=region,
            scheme=data["scheme"],
            member_status=data["member_status"],
            care_type=data["care_type"],
        )
        .in_force(on)
        .prefetch_related("bands")
        .first()
    )
    situation = FilingSituation(data["situation"])
    context: dict[str, Any] = {
        "estimated": True,
        "on": on,
        "insured_region": region,
        "situation": situation,
        "care_type": CareType(data["care_type"]),
        "policy": policy,
        "member_kind": member_kind(data["scheme"], data["member_status"]),
    }
    if policy is None:
        return context
    try:
        terms = policy.terms()
    except ValueError:
        logger.warning("Policy %s is incomplete; the estimator cannot use it.", policy.pk)
        context["policy"] = None
        return context
    year = year_to_date(data)
    settlement = settle(
        policy=terms,
        situation=situation,
        level=FacilityLevel(data["level"]),
        lines=bill_lines(data),
        year=year,
    )
    context.update(
        terms=terms,
        settlement=settlement,
        reduction=terms.reduction_for(situation),
        cap_left=max(terms.annual_cap - year.fund_paid, Decimal(0)),
        paid_bands=[band for band in settlement.bands if band.amount],
    )
    return context


def member_kind(scheme: str, member_status: str) -> str:
    """'职工基本医疗保险（退休）', '城乡居民基本医疗保险'."""
    label = str(Scheme(scheme).label)
    if member_status:
        label += f"（{MemberStatus(member_status).label}）"
    return label
