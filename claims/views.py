"""Claims pages: the benefit estimator (public), a person's settlements and
manual reimbursement claims. Views orchestrate: the form validates and
converts, claims/services.py decides and writes, templates show."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from claims import services
from claims.banking import mask_bank_account
from claims.choices import FilingSituation
from claims.forms import EstimateForm, ReimbursementForm, defaults_for
from claims.models import Reimbursement, ReimbursementStatus, Settlement
from portal.http import HtmxRequest, PortalRequest, partial


@login_not_required
@require_GET
def estimate(request: HtmxRequest) -> HttpResponse:
    """The benefit estimator. Its inputs live in the URL so an estimate can be
    shared; a logged-in person starts from their own insured place and scheme."""
    template = "claims/estimate.html"
    if "update_region" in request.GET:
        # The province changed: offer its cities, keep every other input,
        # judge nothing yet (with htmx, only the city field is swapped).
        form = EstimateForm(initial=request.GET.dict())
        return render(request, partial(request, template, "region-field"), {"form": form})
    if not any(name in request.GET for name in EstimateForm.base_fields):
        # Signed in: start from the insured place of the person whose records
        # are shown (the mother, while her son acts for her).
        subject = request.subject if request.user.is_authenticated else None  # type: ignore[attr-defined]
        form = EstimateForm(initial=defaults_for(subject))
        return render(request, template, {"form": form})
    form = EstimateForm(request.GET)
    if not form.is_valid():
        return render(request, template, {"form": form})
    data = form.cleaned_data
    found = services.estimate(
        insured_region_id=data["region"],
        scheme=data["scheme"],
        member_status=data["member_status"],
        situation=data["situation"],
        care_type=data["care_type"],
        level=data["level"],
        lines=form.bill(),
        year=form.year_so_far(),
        on=timezone.localdate(),
    )
    return render(request, template, {"form": form, "estimate": found})


# --- my settlements -------------------------------------------------------


@require_GET
def settlement_list(request: PortalRequest) -> HttpResponse:
    """The person's cross-province settlements, a year at a time, with every
    year's totals and this year's annual caps used and left."""
    mine = Settlement.objects.visible_to(request.user).filter(person=request.subject)
    today = timezone.localdate()
    years = list(
        mine.standing()
        .annotate(year=ExtractYear("discharge_date"))
        .values("year")
        .annotate(
            cases=Count("pk"),
            total=Sum("total"),
            fund=Sum("fund"),
            personal=Sum("personal"),
        )
        .order_by("-year")
    )
    year = _chosen_year(request.GET.get("year", ""), [row["year"] for row in years], today.year)
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
        "caps": services.cap_use(request.subject, year=today.year, on=today),
        "this_year": today.year,
    }
    return render(request, partial(request, "claims/settlement_list.html", "results"), context)


def _chosen_year(value: str, known: list[int], this_year: int) -> int:
    """The year asked for if it has records; else the latest that has (this
    year when there are none)."""
    # Only ASCII digits, and only a year that has records: "²" and
    # 99999999999999999999 are no year (int() raised, the date overflowed).
    if value.isascii() and value.isdigit() and int(value) in known:
        return int(value)
    return known[0] if known else this_year


@require_GET
def settlement_detail(request: PortalRequest, pk: int) -> HttpResponse:
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
def reimbursement_list(request: PortalRequest) -> HttpResponse:
    applications = (
        Reimbursement.objects.visible_to(request.user)
        .filter(person=request.subject)
        .select_related("treatment_city__parent")
        .order_by("-submitted_at")
    )
    unclaimed = (
        services.visible_settlements_without_claim(request.user)
        .filter(person=request.subject)
        .select_related("treatment_city__parent")
        .order_by("-discharge_date")
    )
    return render(
        request,
        "claims/reimbursement_list.html",
        {"applications": applications, "unclaimed": unclaimed},
    )


@require_http_methods(["GET", "POST"])
def reimbursement_new(request: PortalRequest) -> HttpResponse:
    """The claim form. Its token makes submitting idempotent; files and the
    bank account that passed their checks are kept while the rest is fixed."""
    if request.subject.pk != request.user.pk:
        # The money goes to the insured person's own bank account: they apply themselves.
        return render(request, "claims/reimbursement_self_only.html", {"subject": request.subject})
    settlement = _claimed_settlement(request)
    if not request.user.insured_region_id or not request.user.scheme:
        return render(request, "claims/reimbursement_unavailable.html")
    if request.method == "POST":
        return _post_claim(request, settlement)
    form = ReimbursementForm(initial=_initial_from(settlement), person=request.user)
    return _render_form(request, form, token=uuid.uuid4(), settlement=settlement)


def _claimed_settlement(request: PortalRequest) -> Settlement | None:
    """The self-paid settlement the claim is for, when it came from one (a
    stranger's or an unknown number is a 404, like every other lookup)."""
    value = request.POST.get("settlement") if request.method == "POST" else None
    value = value or request.GET.get("settlement")
    if not value:
        return None
    # isascii: "²".isdigit() is true, and int("²") raises.
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Http404
    unclaimed = services.visible_settlements_without_claim(request.user)
    return get_object_or_404(unclaimed, pk=int(value))


def _initial_from(settlement: Settlement | None) -> dict[str, Any]:
    """The claim form filled in from a recorded self-paid stay."""
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
        "reason": settlement.fallback_reason
        or ("system_failure" if settlement.situation != FilingSituation.NONE else "no_filing"),
        **_amounts_from(settlement),
    }


def _amounts_from(settlement: Settlement) -> dict[str, Any]:
    """The claim's amounts from the bill the hospital uploaded with a stay it
    recorded paid in full (医保发〔2022〕22号 三(四): online manual
    reimbursement built on the facilities' uploaded cost data)."""
    by_class = settlement.bill_by_class()
    initial: dict[str, Any] = {}
    for kind, field in (("A", "amount_a"), ("B", "amount_b"), ("C", "amount_c")):
        if kind in by_class:
            initial[field] = by_class[kind][0]
    if "B" in by_class:
        initial["b_share"] = by_class["B"][1]
    return initial


def _token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        return None


def _post_claim(request: PortalRequest, settlement: Settlement | None) -> HttpResponse:
    """A posted claim form: an application already made with its token is
    shown; otherwise the form is checked, what passed is kept, and a valid
    claim is submitted."""
    posted = _token(request.POST.get("token"))  # None: missing or broken, the page expired
    token = posted or uuid.uuid4()
    done = Reimbursement.objects.visible_to(request.user).filter(submission_token=token).first()
    if done is not None:  # a double click or a retried POST
        return redirect("claims:reimbursement", reference=done.reference)
    remove = request.POST.get("remove", "")
    if remove.isascii() and remove.isdigit() and len(remove) <= 18:
        # "删除" next to a kept file: drop it, keep what was typed, judge nothing yet.
        services.discard_upload(owner=request.user, token=token, pk=int(remove))
        key = BANK_SESSION_KEY.format(token=token)
        form = ReimbursementForm(
            initial=request.POST.dict(),
            person=request.user,
            kept_account=str(request.session.get(key, "")),
        )
        return _render_form(request, form, token=token, settlement=settlement)
    form = _checked_form(request, token=token)
    if request.POST.get("_refresh"):
        # No JavaScript: the province was chosen; show its cities, judge nothing yet.
        form = ReimbursementForm(
            initial=request.POST.dict(),
            person=request.user,
            kept_account=form.account or form.kept_account,
        )
    elif form.is_valid() and posted is None:
        form.add_error(None, _("页面已过期，请核对后再提交一次。"))
    elif form.is_valid():
        return _submit(request, form, token=token, settlement=settlement)
    return _render_form(request, form, token=token, settlement=settlement)


def _checked_form(request: PortalRequest, *, token: uuid.UUID) -> ReimbursementForm:
    """The posted form, validated. Files and the bank account that passed
    their checks are kept under the token (the account in the session), so
    the person need not give them again while fixing the rest."""
    key = BANK_SESSION_KEY.format(token=token)
    pending = services.pending_documents(owner=request.user, token=token)
    form = ReimbursementForm(
        request.POST,
        request.FILES,
        person=request.user,
        kept_account=str(request.session.get(key, "")),
        pending_kinds=frozenset(pending.values_list("kind", flat=True)),
    )
    form.is_valid()  # each field is judged on its own: what passed is kept below
    for kind, upload, content_type in form.checked_uploads():
        services.store_upload(
            owner=request.user, token=token, kind=kind, upload=upload, content_type=content_type
        )
    if form.account:
        request.session[key] = form.account
    return form


def _submit(
    request: PortalRequest,
    form: ReimbursementForm,
    *,
    token: uuid.UUID,
    settlement: Settlement | None,
) -> HttpResponse:
    """Make the application; a refusal by the service is shown on the form."""
    claim = form.claim(settlement=settlement)
    try:
        reimbursement = services.submit_reimbursement(person=request.user, token=token, claim=claim)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _render_form(request, form, token=token, settlement=settlement)
    request.session.pop(BANK_SESSION_KEY.format(token=token), None)
    messages.success(request, _("申请已提交。审核进度会显示在这里。"))
    return redirect("claims:reimbursement", reference=reimbursement.reference)


def _render_form(
    request: PortalRequest,
    form: ReimbursementForm,
    *,
    token: uuid.UUID,
    settlement: Settlement | None,
) -> HttpResponse:
    kept = form.kept_account or form.account
    return render(
        request,
        "claims/reimbursement_form.html",
        {
            "form": form,
            "token": token,
            "settlement": settlement,
            "pending": services.pending_documents(owner=request.user, token=token),
            "kept_account": mask_bank_account(kept) if kept else "",
        },
    )


def _visible_reimbursement(request: PortalRequest, reference: str) -> Reimbursement:
    return get_object_or_404(
        Reimbursement.objects.visible_to(request.user).select_related(
            "treatment_city__parent", "insured_region__region__parent", "settlement"
        ),
        reference=reference,
    )


@require_GET
def reimbursement_detail(request: PortalRequest, reference: str) -> HttpResponse:
    reimbursement = _visible_reimbursement(request, reference)
    breakdown = reimbursement.breakdown or {}
    events = list(reimbursement.events.select_related("actor"))
    return render(
        request,
        "claims/reimbursement_detail.html",
        {
            "reimbursement": reimbursement,
            "lines": reimbursement.lines.all(),
            "claimed": sum((line.amount for line in reimbursement.lines.all()), Decimal(0)),
            "documents": reimbursement.documents.all(),
            "events": events,
            # The summary's payment date is the history's: one record of the fact.
            "paid": next((e for e in events if e.to_status == ReimbursementStatus.PAID), None),
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
def reimbursement_document(request: PortalRequest, reference: str, pk: int) -> FileResponse:
    reimbursement = _visible_reimbursement(request, reference)
    document = get_object_or_404(reimbursement.documents, pk=pk)
    return document_response(document)


def document_response(document: Any) -> FileResponse:
    """An uploaded file, inline, never cached by shared caches."""
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
