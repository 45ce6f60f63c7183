from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chronic import rules
from chronic.forms import CheckerForm
from chronic.models import ChronicDisease, Qualification
from portal.http import HtmxRequest, PortalRequest, partial


@login_not_required
@require_GET
def checker(request: HtmxRequest) -> HttpResponse:
    """Is this disease settled directly across provinces, and what comes first?"""
    diseases = list(ChronicDisease.objects.all())
    form = CheckerForm(request.GET or None, diseases=diseases)
    verdict = None
    chosen: ChronicDisease | None = None
    if form.is_bound and form.is_valid():
        typed = form.cleaned_data["q"]
        by_code = {d.code: d for d in diseases}
        if typed:
            facts = rules.match_disease(typed, [d.facts() for d in diseases])
            chosen = by_code[facts.code] if facts else None
        else:
            chosen = by_code.get(form.cleaned_data["disease"])
        if typed or chosen:
            verdict = rules.verdict_for(chosen.facts() if chosen else None, typed)
    own = None
    subject = request.subject if request.user.is_authenticated else None  # type: ignore[attr-defined]
    if chosen is not None and subject is not None:
        own = (
            Qualification.objects.visible_to(request.user)
            .filter(person=subject, disease=chosen)
            .select_related("insured_region__region__parent")
            .first()
        )
    context = {
        "form": form,
        "verdict": verdict,
        "disease": chosen,
        "own": own,
        "national": [d for d in diseases if d.is_national],
        "regional": [d for d in diseases if not d.is_national],
    }
    return render(request, partial(request, "chronic/checker.html", "verdict"), context)


@require_GET
def my_qualifications(request: PortalRequest) -> HttpResponse:
    """The subject's recognised chronic diseases (the person the signed-in
    user acts for, or the user)."""
    qualifications = (
        Qualification.objects.visible_to(request.user)
        .filter(person=request.subject)
        .select_related("disease", "insured_region__region__parent")
        .prefetch_related("designated_facilities__city__parent")
    )
    return render(
        request,
        "chronic/qualification_list.html",
        {"qualifications": qualifications, "today": timezone.localdate()},
    )


@require_GET
def qualification_detail(request: PortalRequest, pk: int) -> HttpResponse:
    qualification = get_object_or_404(
        Qualification.objects.visible_to(request.user)
        .filter(person=request.subject)
        .select_related("disease", "insured_region__region__parent"),
        pk=pk,
    )
    facilities = qualification.designated_facilities.select_related("city__parent")
    return render(
        request,
        "chronic/qualification_detail.html",
        {"qualification": qualification, "facilities": facilities},
    )


@login_not_required
@require_GET
def notice(request: HtmxRequest) -> HttpResponse:
    """告知书: what a person with an outpatient chronic disease must know
    before seeking treatment in another province."""
    national = ChronicDisease.objects.filter(scope="national")
    return render(request, "chronic/notice.html", {"national": national})
