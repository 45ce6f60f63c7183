from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from admissions import services
from admissions.forms import CoverageForm
from admissions.models import VOUCHER_MINUTES, Admission, EVoucher
from chronic.models import ChronicDisease
from facilities.models import Facility
from family.access import can_act
from filings.coverage import Action, Care, Coverage
from filings.models import Filing
from portal.forms import is_region_code
from portal.http import HtmxRequest, PortalRequest, partial
from portal.models import Region, User


@require_http_methods(["GET", "POST"])
def voucher(request: PortalRequest) -> HttpResponse:
    """医保电子凭证码 for the person shown (or a relative one may act for): a
    one-time code, valid five minutes, with its QR code, to show at the
    hospital's admission desk instead of reading out an ID number. The code
    is on the page only once (no-store); only its hash is kept."""
    subject = request.subject
    if not can_act(request.user, subject):
        raise Http404
    context: dict[str, Any] = {"subject": subject, "minutes": VOUCHER_MINUTES}
    if request.method == "POST":
        issued, code = EVoucher.issue(subject)
        context.update(
            code=code,
            expires_at=issued.expires_at,
            qr_svg=segno.make(code, error="m").svg_inline(scale=5, title=_("医保电子凭证码")),
        )
    response = render(request, "admissions/voucher.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_GET
def coverage_page(request: HtmxRequest) -> HttpResponse:
    """能直接结算吗: for the person whose records are shown (signed in, or
    acting for a relative), or in general for anyone. The answer alone is
    the fragment htmx asks for, and what the facility page embeds."""
    person = _subject(request)
    diseases = list(ChronicDisease.objects.order_by("-scope", "name"))
    data = _filled_in(request.GET)
    form = CoverageForm(
        data if data is not None else None, diseases=diseases, initial=_initial(person)
    )
    result: Coverage | None = None
    asked: services.Asked | None = None
    if form.is_bound and form.is_valid():
        asked = services.Asked(
            day=form.cleaned_data["day"],
            care=Care(form.cleaned_data["care"]),
            city=form.city_region(),
            facility=form.facility_found,
            disease=form.disease_chosen(),
            paid_in_full=request.GET.get("paid") == "1",
        )
        result = services.answer(asked, person=person)
    context = {
        "form": form,
        "asked": asked,
        "result": result,
        "person": person,
        "next_step": _next_step(result, asked, settlement=request.GET.get("settlement", ""))
        if result
        else None,
        "embedded": request.GET.get("embedded") == "1",
        "admissions": _admissions_of(request, person),
    }
    response = render(request, partial(request, "admissions/coverage.html", "answer"), context)
    if person is not None:  # an answer from someone's own filings: no shared cache keeps it
        patch_cache_control(response, private=True, no_store=True)
    return response


def _admissions_of(request: HtmxRequest, person: User | None) -> list[Admission]:
    """The person's latest admissions registered by hospitals (入院登记)."""
    if person is None:
        return []
    return list(
        Admission.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("facility", "filing")
        .order_by("-admitted_on", "-pk")[:5]
    )


def _subject(request: HtmxRequest) -> User | None:
    if not request.user.is_authenticated:
        return None
    subject = getattr(request, "subject", None)
    return subject if subject is not None else request.user  # type: ignore[return-value]


def _filled_in(query: QueryDict) -> dict[str, Any] | None:
    """The question as asked, completed from a facility code (the facility
    page links here with its code alone) and today's date."""
    if not query:
        return None
    data: dict[str, Any] = query.dict()
    code = str(data.get("facility") or "").strip().upper()
    if code and not data.get("city"):
        facility = Facility.objects.filter(code=code).select_related("city").first()
        if facility is not None:
            data.setdefault("province", facility.city.province_code)
            data["city"] = facility.city_id
    city = str(data.get("city") or "")
    if city and not data.get("province"):
        region = Region.objects.filter(code=city).first() if is_region_code(city) else None
        data["province"] = region.province_code if region else ""
    data.setdefault("day", timezone.localdate().isoformat())
    data.setdefault("care", Care.INPATIENT.value)
    return data


def _initial(person: User | None) -> dict[str, Any]:
    """Today, an inpatient stay, and the city of the person's current filing."""
    initial: dict[str, Any] = {"day": timezone.localdate(), "care": Care.INPATIENT.value}
    if person is not None:
        filing = (
            Filing.objects.filter(person=person)
            .current()
            .select_related("destination")
            .order_by("group", "-start_date")
            .first()
        )
        if filing is not None:
            initial.update(province=filing.destination.province_code, city=filing.destination_id)
    return initial


def _next_step(
    result: Coverage, asked: services.Asked | None, *, settlement: str = ""
) -> dict[str, str | Promise] | None:
    """The one button for the fix: where it goes and what it says. Asked
    about a recorded stay (its settlement page), the claim starts from it,
    filled in from the bill (the claim form checks whose stay it is)."""
    reference = result.filing.reference if result.filing else ""
    city = asked.city.code if asked else ""
    claim = reverse("claims:reimbursement_new")
    if settlement.isascii() and settlement.isdigit() and len(settlement) <= 18:
        claim = f"{claim}?settlement={settlement}"
    targets: dict[Action, tuple[str, str | Promise]] = {
        Action.FILE: (reverse("filings:new"), _("现在去备案")),
        Action.FILE_THEN_CLAIM: (reverse("filings:new"), _("先补办备案")),
        Action.CLAIM: (claim, _("申请手工报销")),
        Action.QUALIFY: (reverse("chronic:notice"), _("看门诊慢特病的办理要求")),
        Action.CHOOSE_FACILITY: (
            f"{reverse('facilities:list')}?city={city}",
            _("找这个城市的联网机构"),
        ),
        Action.SIGN_IN: (
            f"{reverse('login')}?next={reverse('admissions:coverage')}",
            _("登录后按我的备案回答"),
        ),
    }
    if reference:
        targets[Action.CHANGE_DESTINATION] = (
            reverse("filings:change", args=[reference]),
            _("变更备案地"),
        )
        targets[Action.WAIT] = (reverse("filings:detail", args=[reference]), _("查看备案进度"))
        targets[Action.SUPPLY_MATERIALS] = (
            reverse("filings:detail", args=[reference]),
            _("补交证明材料"),
        )
    found = targets.get(result.action)
    if found is None:
        return None
    return {"url": found[0], "label": found[1]}
