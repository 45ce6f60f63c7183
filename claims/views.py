from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from claims import services
from claims.banking import mask_bank_account
from claims.choices import CareType, FacilityLevel, FilingSituation
from claims.engine import settle
from claims.forms import (
    EstimateForm,
    ReimbursementForm,
    bill_lines,
    defaults_for,
    year_to_date,
)
from claims.models import Policy, Reimbursement, ReimbursementStatus, Settlement
from family.middleware import subject_of
from portal.models import InsuranceRegion, MemberStatus, Scheme, User

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


# --- my settlements -------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _partial(request: HtmxHttpRequest, template: str, fragment: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{fragment}"
    return template


@require_GET
@vary_on_headers("HX-Request")
def settlement_list(request: HtmxHttpRequest) -> HttpResponse:
    """The person's cross-province settlements, a year at a time, with every
    year's totals and this year's annual caps used and left."""
    user = _user(request)
    mine = Settlement.objects.visible_to(user).filter(person=subject_of(request))
    today = timezone.localdate()
    years = list(
        mine.annotate(year=ExtractYear("discharge_date"))
        .values("year")
        .annotate(
            cases=Count("pk"),
            total=Sum("total"),
            fund=Sum("fund"),
            personal=Sum("personal"),
        )
        .order_by("-year")
    )
    known = [row["year"] for row in years]
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = known[0] if known else today.year
    if year not in known and known:
        year = known[0]
    settlements = (
        mine.in_year(year)
        .select_related("treatment_city__parent")
        .prefetch_related("reimbursements")
        .order_by("-discharge_date", "-pk")
    )
    context = {
        "years": years,
        "year": year,
        "settlements": settlements,
        "caps": services.cap_use(user, year=today.year, on=today),
        "this_year": today.year,
    }
    return render(request, _partial(request, "claims/settlement_list.html", "results"), context)


@require_GET
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    settlement = get_object_or_404(
        Settlement.objects.visible_to(request.user).select_related(
            "treatment_city__parent", "insured_region__region__parent"
        ),
        pk=pk,
    )
    open_claim = settlement.open_claim
    return render(
        request,
        "claims/settlement_detail.html",
        {
            "settlement": settlement,
            "bands": paid_bands(settlement.breakdown),
            "policy": settlement.breakdown.get("policy"),
            "open_claim": open_claim,
            "can_claim": not settlement.direct and open_claim is None,
        },
    )


def paid_bands(breakdown: dict[str, Any]) -> list[dict[str, Any]]:
    """The cost bands a stored breakdown paid anything on, with the person's
    co-payment in each."""
    bands = []
    for band in breakdown.get("bands", []):
        amount, fund = Decimal(band["amount"]), Decimal(band["fund"])
        if amount:
            bands.append({**band, "co_payment": amount - fund})
    return bands


# --- manual reimbursement (手工报销) ---------------------------------------

BANK_SESSION_KEY = "claims:bank:{token}"


@require_GET
def reimbursement_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    applications = (
        Reimbursement.objects.visible_to(user)
        .filter(person=subject_of(request))
        .select_related("treatment_city__parent")
        .order_by("-submitted_at")
    )
    return render(
        request,
        "claims/reimbursement_list.html",
        {
            "applications": applications,
            "unclaimed": services.visible_settlements_without_claim(user)
            .select_related("treatment_city__parent")
            .order_by("-discharge_date"),
        },
    )


def _token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


def _claimed_settlement(request: HttpRequest, user: User) -> Settlement | None:
    """The self-paid settlement the claim is for, when it came from one (a
    stranger's or an unknown number is a 404, like every other lookup)."""
    value = request.POST.get("settlement") if request.method == "POST" else None
    value = value or request.GET.get("settlement")
    if not value:
        return None
    if not str(value).isdigit() or len(str(value)) > 18:
        raise Http404
    return get_object_or_404(services.visible_settlements_without_claim(user), pk=int(value))


def _initial_from(settlement: Settlement | None) -> dict[str, Any]:
    if settlement is None:
        return {}
    return {
        "province": settlement.treatment_city.parent_id,
        "treatment_city": settlement.treatment_city_id,
        "facility_name": settlement.facility_name,
        "facility_level": settlement.facility_level,
        "care_type": settlement.care_type,
        "admission_date": settlement.admission_date,
        "discharge_date": settlement.discharge_date,
        "reason": "system_failure" if settlement.situation != FilingSituation.NONE else "no_filing",
    }


@require_http_methods(["GET", "POST"])
def reimbursement_new(request: HttpRequest) -> HttpResponse:
    if subject_of(request).pk != request.user.pk:
        # The money goes to the insured person's own bank account: they apply themselves.
        return render(
            request, "claims/reimbursement_self_only.html", {"subject": subject_of(request)}
        )
    """The claim form. Its token makes submitting idempotent; files and the
    bank account that passed their checks are kept while the rest is fixed."""
    user = _user(request)
    settlement = _claimed_settlement(request, user)
    if not user.insured_region_id or not user.scheme:
        return render(request, "claims/reimbursement_unavailable.html")
    if request.method == "GET":
        token = uuid.uuid4()
        form = ReimbursementForm(initial=_initial_from(settlement), person=user)
        return _render_form(request, form, token=token, settlement=settlement)

    posted = _token(request.POST.get("token"))
    expired = posted is None
    token = posted or uuid.uuid4()
    done = Reimbursement.objects.visible_to(user).filter(submission_token=token).first()
    if done is not None:  # a double click or a retried POST
        return redirect("claims:reimbursement", reference=done.reference)
    key = BANK_SESSION_KEY.format(token=token)
    kept_account = str(request.session.get(key, ""))
    pending = services.pending_documents(owner=user, token=token)
    form = ReimbursementForm(
        request.POST,
        request.FILES,
        person=user,
        kept_account=kept_account,
        pending_kinds=frozenset(pending.values_list("kind", flat=True)),
    )
    valid = form.is_valid()
    for kind, upload, content_type in form.checked_uploads():
        services.store_upload(
            owner=user, token=token, kind=kind, upload=upload, content_type=content_type
        )
    if form.account:
        request.session[key] = form.account
    if request.POST.get("_refresh"):
        # No JavaScript: the province was chosen; show its cities, judge nothing yet.
        form = ReimbursementForm(
            initial=request.POST.dict(), person=user, kept_account=form.account or kept_account
        )
        return _render_form(request, form, token=token, settlement=settlement)
    if valid and expired:
        form.add_error(None, _("页面已过期，请核对后再提交一次。"))
    elif valid:
        data = form.cleaned_data
        claim = services.Claim(
            visit=services.Visit(
                city_code=data["treatment_city"],
                facility_name=data["facility_name"],
                facility_level=FacilityLevel(data["facility_level"]),
                care_type=CareType(data["care_type"]),
                admission_date=data["admission_date"],
                discharge_date=data["discharge_date"],
            ),
            reason=data["reason"],
            note=data["note"],
            lines=form.bill(),
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
            settlement=settlement,
        )
        try:
            reimbursement = services.submit_reimbursement(person=user, token=token, claim=claim)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            request.session.pop(key, None)
            messages.success(request, _("申请已提交。审核进度会显示在这里。"))
            return redirect("claims:reimbursement", reference=reimbursement.reference)
    return _render_form(request, form, token=token, settlement=settlement)


def _render_form(
    request: HttpRequest,
    form: ReimbursementForm,
    *,
    token: uuid.UUID,
    settlement: Settlement | None,
) -> HttpResponse:
    user = _user(request)
    kept = form.kept_account or form.account
    return render(
        request,
        "claims/reimbursement_form.html",
        {
            "form": form,
            "token": token,
            "settlement": settlement,
            "pending": services.pending_documents(owner=user, token=token),
            "kept_account": mask_bank_account(kept) if kept else "",
        },
    )


def _visible_reimbursement(request: HttpRequest, reference: str) -> Reimbursement:
    return get_object_or_404(
        Reimbursement.objects.visible_to(request.user).select_related(
            "treatment_city__parent", "insured_region__region__parent", "settlement"
        ),
        reference=reference,
    )


@require_GET
def reimbursement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    reimbursement = _visible_reimbursement(request, reference)
    breakdown = reimbursement.breakdown or {}
    return render(
        request,
        "claims/reimbursement_detail.html",
        {
            "reimbursement": reimbursement,
            "lines": reimbursement.lines.all(),
            "claimed": sum((line.amount for line in reimbursement.lines.all()), Decimal(0)),
            "documents": reimbursement.documents.all(),
            "events": reimbursement.events.select_related("actor"),
            "breakdown": breakdown,
            "bands": paid_bands(breakdown),
            "steps": _progress(reimbursement),
        },
    )


def _progress(reimbursement: Reimbursement) -> list[dict[str, Any]]:
    """The four steps of a claim, for a simple progress list."""
    order = [
        ReimbursementStatus.SUBMITTED,
        ReimbursementStatus.UNDER_REVIEW,
        ReimbursementStatus.APPROVED,
        ReimbursementStatus.PAID,
    ]
    labels = {
        ReimbursementStatus.SUBMITTED: _("提交申请"),
        ReimbursementStatus.UNDER_REVIEW: _("经办机构审核"),
        ReimbursementStatus.APPROVED: _("核定报销金额"),
        ReimbursementStatus.PAID: _("打款到银行卡"),
    }
    status = reimbursement.status
    reached = (
        order.index(ReimbursementStatus.UNDER_REVIEW)
        if status == ReimbursementStatus.REJECTED
        else order.index(ReimbursementStatus(status))
    )
    return [
        {"label": labels[step], "done": i <= reached, "current": i == reached}
        for i, step in enumerate(order)
    ]


@require_GET
def reimbursement_document(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    reimbursement = _visible_reimbursement(request, reference)
    document = get_object_or_404(reimbursement.documents, pk=pk)
    return document_response(document)


def document_response(document: Any) -> FileResponse:
    """An uploaded file, inline, never cached by shared caches."""
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
