from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from family.access import can_act
from filings import journey, rules, services
from filings.forms import (
    CancelForm,
    CategoryForm,
    ChangeForm,
    ConsentForm,
    DestinationForm,
    DetailsForm,
    EvidenceForm,
    MaterialsForm,
    StartDateForm,
    WithdrawForm,
    category_groups,
)
from filings.models import (
    Channel,
    FiledBy,
    Filing,
    FilingCategory,
    FilingDocument,
    FilingDraft,
    Status,
    settings_for,
)
from filings.pdf import render_filing_pdf
from portal.forms import destination_choices
from portal.http import HtmxRequest, PortalRequest, partial
from portal.idnumbers import birth_date
from portal.models import Region, User

# --- my filings -----------------------------------------------------------

# Lazy: this list is built at import time, the language is chosen per request.
CHANNEL_TABS = [("", gettext_lazy("全部"))] + [(c.value, c.label) for c in Channel]


@require_GET
def filing_list(request: PortalRequest) -> HttpResponse:
    user = request.user
    subject = request.subject
    mine = Filing.objects.visible_to(user).filter(person=subject)
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    counts = dict(mine.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n"))
    filings = mine.select_related("destination__parent", "filed_by").order_by(
        "-start_date", "-submitted_at"
    )
    if channel:
        filings = filings.filter(channel=channel)
    tabs = [
        {
            "value": value,
            "label": label,
            "count": sum(counts.values()) if not value else counts.get(value, 0),
            "current": value == channel,
        }
        for value, label in CHANNEL_TABS
    ]
    today = timezone.localdate()
    return render(
        request,
        partial(request, "filings/filing_list.html", "results"),
        {"filings": filings, "tabs": tabs, "channel": channel, "today": today, "subject": subject},
    )


def _visible(request: PortalRequest, reference: str) -> Filing:
    return get_object_or_404(
        Filing.objects.visible_to(request.user).select_related(
            "destination__parent", "insured_region__region__parent", "filed_by", "replaces"
        ),
        reference=reference,
    )


def _actionable(request: PortalRequest, reference: str) -> Filing:
    """A filing the user may change or cancel: their own, or one of someone
    who lets them act on their behalf; anything else is a 404."""
    return get_object_or_404(
        Filing.objects.actionable_by(request.user).select_related(
            "destination__parent", "insured_region__region__parent", "filed_by", "person"
        ),
        reference=reference,
    )


def _may_act_on(request: PortalRequest, filing: Filing) -> bool:
    return Filing.objects.actionable_by(request.user).filter(pk=filing.pk).exists()


def _existing_context(request: PortalRequest, existing: Filing | None) -> dict[str, Any]:
    """What the "已有备案信息" notice offers for the filing found: wait for a
    decision, withdraw it while under review, or change it once effective."""
    if existing is None:
        return {"existing": None}
    may_act = _may_act_on(request, existing)
    today = timezone.localdate()
    return {
        "existing": existing,
        "can_withdraw": may_act and existing.status == Status.SUBMITTED,
        "can_change_existing": may_act
        and existing.status == Status.EFFECTIVE
        and existing.can_change(today),
        "existing_first_change_day": existing.first_change_day(),
        "today": today,
    }


def _role(request: PortalRequest, person: User | None) -> str:
    return FiledBy.SELF if person is not None and person.pk == request.user.pk else FiledBy.RELATIVE


@require_GET
def filing_detail(request: PortalRequest, reference: str) -> HttpResponse:
    return _detail(request, _visible(request, reference))


def _detail(
    request: PortalRequest, filing: Filing, materials_form: MaterialsForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    may_act = can_act(request.user, filing.person)
    documents = list(filing.documents.all())
    if materials_form is None and may_act and filing.asks_for_materials:
        materials_form = MaterialsForm()
    return render(
        request,
        "filings/filing_detail.html",
        {
            "filing": filing,
            "today": today,
            "events": filing.events.select_related("actor"),
            "documents": documents,
            "replacements": filing.replacements.all(),
            "can_change": filing.can_change(today) and may_act,
            "first_change_day": filing.first_change_day(),
            "materials_form": materials_form if may_act else None,
            "materials_overdue": filing.materials_overdue(today) and not documents,
        },
    )


@require_POST
def filing_materials(request: PortalRequest, reference: str) -> HttpResponse:
    """Upload what a commitment filing still owes (个人承诺制): the person, or
    a relative who may act for them."""
    filing = _actionable(request, reference)
    form = MaterialsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, filing, materials_form=form)
    try:
        document = services.submit_materials(
            filing,
            by=request.user,
            role=_role(request, filing.person),
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            content_type=form.content_type,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已上传 %(name)s。参保地医保经办机构确认材料齐全后，两地都可以享受待遇。")
            % {"name": document.original_name},
        )
    return redirect("filings:detail", reference=filing.reference)


@require_GET
def filing_document(request: PortalRequest, reference: str, pk: int) -> FileResponse:
    filing = _visible(request, reference)
    document = get_object_or_404(FilingDocument, filing=filing, pk=pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the journey ----------------------------------------------------------


class ViewOnly(Exception):
    """The user may see, but not act for, the person they switched to."""


def _draft(request: PortalRequest) -> FilingDraft:
    user, subject = request.user, request.subject
    if not can_act(user, subject):
        raise ViewOnly
    draft, _created = FilingDraft.objects.get_or_create(owner=user, person=subject)
    return draft


def _view_only(request: PortalRequest) -> HttpResponse:
    return render(request, "filings/view_only.html", {"subject": request.subject}, status=403)


def _earliest(data: dict[str, Any], user: User) -> dt.date:
    """`user` is the person filed for: their insured region sets the limit."""
    region_rules = settings_for(user.insured_region_id or "").as_rules()
    return rules.earliest_start(data.get("category", ""), timezone.localdate(), region_rules)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _step_form(step: str, request: PortalRequest, draft: FilingDraft, bound: bool) -> Any:
    data = draft.data
    post = request.POST if bound else None
    files = request.FILES if bound else None
    user = draft.person
    if step == "category":
        return CategoryForm(post, initial=data)
    if step == "destination":
        province = request.GET.get("province") if not bound else None
        initial = {**data, **({"province": province} if province else {})}
        return DestinationForm(
            post,
            initial=initial,
            province=province or data.get("province"),
            insured_region=user.insured_region,
        )
    if step == "dates":
        return StartDateForm(post, initial=data, earliest=_earliest(data, user))
    if step == "details":
        initial = {"contact_phone": user.mobile or request.user.mobile, **data}  # type: ignore[union-attr]
        return DetailsForm(
            post,
            initial=initial,
            category=data.get("category", ""),
            start=_date(data.get("start_date")),
            born=birth_date(user.id_number),
        )
    if step == "evidence":
        return EvidenceForm(post, files, initial=data, uploaded=draft.documents.count())
    if step == "consent":
        return ConsentForm(post, initial={"accept": data.get("consent", False)})
    raise Http404


STEP_TITLES = {
    "category": gettext_lazy("选择备案类型"),
    "destination": gettext_lazy("去哪里就医"),
    "dates": gettext_lazy("备案开始日期"),
    "details": gettext_lazy("就医信息"),
    "evidence": gettext_lazy("证明材料"),
    "consent": gettext_lazy("知情同意书"),
}


@require_GET
def filing_new(request: PortalRequest) -> HttpResponse:
    user, subject = request.user, request.subject
    if not can_act(user, subject):
        return _view_only(request)
    draft = FilingDraft.objects.filter(owner=user, person=subject).first()
    current = (
        Filing.objects.visible_to(user)
        .filter(person=subject)
        .current()
        .select_related("destination__parent")
        .order_by("start_date")
    )
    return render(
        request,
        "filings/filing_new.html",
        {"draft": draft if draft and draft.data else None, "current": current, "subject": subject},
    )


@require_POST
def journey_discard(request: PortalRequest) -> HttpResponse:
    user = request.user
    FilingDraft.objects.filter(owner=user, person=request.subject).delete()
    messages.info(request, _("已清空未提交的备案内容。"))
    return redirect("filings:new")


@require_http_methods(["GET", "POST"])
def journey_step(request: PortalRequest, step: str) -> HttpResponse:
    if step not in journey.STEPS:
        raise Http404
    try:
        draft = _draft(request)
    except ViewOnly:
        return _view_only(request)
    data = draft.data
    if step != "category" and not data.get("category"):
        return redirect("filings:step", step="category")
    if step not in journey.applicable(data):
        return redirect("filings:check")
    returning = request.GET.get("return") == "check" or request.POST.get("return") == "check"
    if request.method == "POST" and request.POST.get("_refresh"):
        # No JavaScript: the province was chosen; show its cities.
        url = reverse("filings:step", args=["destination"])
        province = request.POST.get("province", "")
        return redirect(f"{url}?province={province}" + ("&return=check" if returning else ""))
    form = _step_form(step, request, draft, bound=request.method == "POST")
    if request.method == "POST" and form.is_valid():
        # The upload and the answer are saved together, or neither is.
        with transaction.atomic():
            return _save_step(request, step, draft, form, returning=returning)
    steps = journey.applicable(data)
    context = {
        "step": step,
        "title": STEP_TITLES[step],
        "form": form,
        "number": steps.index(step) + 1,
        "total": len(steps) + 1,
        "returning": returning,
        "back": reverse("filings:step", args=[steps[steps.index(step) - 1]])
        if steps.index(step) > 0
        else reverse("filings:new"),
        "category_groups": category_groups() if step == "category" else [],
        "documents": draft.documents.all() if step == "evidence" else [],
        "data": data,
        "valid_until": _preview_valid_until(data, draft.person),
        "change_lock_months": _change_lock_months(data, draft.person),
        "subject": draft.person,
    }
    return render(request, f"filings/step_{step}.html", context)


def _save_step(
    request: PortalRequest, step: str, draft: FilingDraft, form: Any, *, returning: bool
) -> HttpResponse:
    """Store a valid step's answer (and its upload) and go on."""
    upload = form.cleaned_data.get("file") if step == "evidence" else None
    if upload:
        FilingDocument.objects.create(
            draft=draft,
            kind=form.cleaned_data["kind"],
            file=upload,
            original_name=upload.name[:200],
            content_type=form.content_type,
            size=upload.size,
            uploaded_by=request.user,
        )
    draft.data = journey.answer(draft.data, step, form.cleaned_data)
    draft.save()
    if upload and request.POST.get("another"):
        messages.success(request, _("已上传 %(name)s。") % {"name": upload.name})
        return redirect("filings:step", step="evidence")
    following = journey.next_step(step, draft.data)
    if returning or following is None:
        return redirect("filings:check")
    return redirect("filings:step", step=following)


def _preview_valid_until(data: dict[str, Any], user: User) -> dt.date | None:
    category = data.get("category")
    start = _date(data.get("start_date"))
    if not category or not start:
        return None
    return rules.valid_until(category, start, settings_for(user.insured_region_id or "").as_rules())


def _change_lock_months(data: dict[str, Any], person: User) -> int:
    """The insured region's lock on changing or cancelling a long-term
    filing once it takes effect (22号文: at most six months); 0 for a
    temporary filing or where there is none."""
    category = data.get("category")
    if not category or rules.group_of(category) is not rules.Group.LONG_TERM:
        return 0
    return settings_for(person.insured_region_id or "").change_lock_months


@login_not_required
@require_GET
def cities(request: HtmxRequest) -> HttpResponse:
    """The city <select> for a province (the htmx half of the cascade)."""
    province = request.GET.get("province", "")
    options = destination_choices(province) if province else []
    return render(
        request,
        "filings/_city_options.html",
        {"options": options, "name": request.GET.get("name", "destination")},
    )


def _summary(data: dict[str, Any], user: User) -> dict[str, Any]:
    destination = (
        Region.objects.filter(code=data.get("destination", "")).select_related("parent").first()
    )
    category = data.get("category", "")
    return {
        "category_label": FilingCategory(category).label
        if category in FilingCategory.values
        else "",
        "destination": destination,
        "start_date": _date(data.get("start_date")),
        "valid_until": _preview_valid_until(data, user),
        "long_term": category and rules.group_of(category) is rules.Group.LONG_TERM,
    }


@require_GET
def journey_check(request: PortalRequest) -> HttpResponse:
    try:
        draft = _draft(request)
    except ViewOnly:
        return _view_only(request)
    user = draft.person
    missing = journey.first_unanswered(draft.data)
    if missing:
        return redirect("filings:step", step=missing)
    try:
        req = services.FilingRequest.from_data(draft.data)
    except (KeyError, ValueError, ValidationError):
        return redirect("filings:step", step="category")
    summary = _summary(draft.data, user)
    existing = services.find_existing(
        user.id_number, req.category, req.start_date, summary["valid_until"]
    )
    problems = services.check_request(req, person=user, today=timezone.localdate())
    return render(
        request,
        "filings/journey_check.html",
        {
            **_existing_context(request, existing),
            "draft": draft,
            "data": draft.data,
            "summary": summary,
            "problems": problems,
            "documents": draft.documents.all(),
            "change_lock_months": _change_lock_months(draft.data, user),
            "subject": user,
        },
    )


@require_POST
def journey_submit(request: PortalRequest) -> HttpResponse:
    user = request.user
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return redirect("filings:check")
    done = Filing.objects.visible_to(user).filter(submission_token=token).first()
    if done is not None:  # a double click or a retried POST
        return redirect("filings:done", reference=done.reference)
    draft = FilingDraft.objects.filter(owner=user, token=token).select_related("person").first()
    if draft is None:
        # The same submit may have just finished in another request and removed the draft.
        done = Filing.objects.visible_to(user).filter(submission_token=token).first()
        if done is not None:
            return redirect("filings:done", reference=done.reference)
    if draft is None or journey.first_unanswered(draft.data):
        messages.warning(request, _("备案内容已过期或不完整，请检查后再提交。"))
        return redirect("filings:new")
    if not can_act(user, draft.person):  # the grant may have been revoked meanwhile
        return _view_only(request)
    try:
        filing = services.submit_filing(
            person=draft.person,
            request=services.FilingRequest.from_data(draft.data),
            by=user,
            role=_role(request, draft.person),
            token=token,
            documents=list(draft.documents.all()),
        )
    except services.DuplicateFiling as duplicate:
        return render(
            request,
            "filings/filing_duplicate.html",
            _existing_context(request, duplicate.existing),
            status=409,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("filings:check")
    FilingDraft.objects.filter(pk=draft.pk).delete()
    return redirect("filings:done", reference=filing.reference)


@require_GET
def filing_done(request: PortalRequest, reference: str) -> HttpResponse:
    filing = _visible(request, reference)
    return render(request, "filings/filing_done.html", {"filing": filing})


# --- change and cancel ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def filing_change(request: PortalRequest, reference: str) -> HttpResponse:
    filing = _actionable(request, reference)
    today = timezone.localdate()
    if not filing.can_change(today) or filing.status != Status.EFFECTIVE:
        return render(
            request,
            "filings/filing_locked.html",
            {"filing": filing, "first_change_day": filing.first_change_day(), "today": today},
        )
    initial = {
        "province": filing.destination.parent_id,
        "destination": filing.destination_id,
        "contact_phone": filing.contact_phone,
    }
    if request.method == "POST" and request.POST.get("_refresh"):
        form = ChangeForm(
            initial={**initial, "province": request.POST.get("province")},
            province=request.POST.get("province"),
            insured_region=filing.insured_region,
        )
    else:
        province = request.GET.get("province")
        form = ChangeForm(
            request.POST or None,
            initial={**initial, **({"province": province} if province else {})},
            province=province,
            insured_region=filing.insured_region,
        )
        if request.method == "POST" and form.is_valid():
            try:
                new = services.request_change(
                    filing,
                    by=request.user,
                    role=_role(request, filing.person),
                    destination_code=form.cleaned_data["destination"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    today=today,
                )
            except services.NotAllowedYet as locked:
                form.add_error(None, _("%(day)s 起才能变更。") % {"day": locked.first_day})
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                if new.status == Status.EFFECTIVE:
                    messages.success(request, _("变更已生效，原备案保留在记录中。"))
                else:
                    messages.success(
                        request, _("变更已提交，审核通过后生效；在此之前原备案继续有效。")
                    )
                return redirect("filings:detail", reference=new.reference)
    return render(request, "filings/filing_change.html", {"filing": filing, "form": form})


@require_http_methods(["GET", "POST"])
def filing_cancel(request: PortalRequest, reference: str) -> HttpResponse:
    filing = _actionable(request, reference)
    if filing.status == Status.SUBMITTED:  # never took effect: it is withdrawn
        return redirect("filings:withdraw", reference=filing.reference)
    today = timezone.localdate()
    if not filing.can_change(today):
        return render(
            request,
            "filings/filing_locked.html",
            {
                "filing": filing,
                "first_change_day": filing.first_change_day(),
                "today": today,
                "cancel": True,
            },
        )
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(
                filing,
                by=request.user,
                role=_role(request, filing.person),
                reason=form.cleaned_data["reason"],
                today=today,
            )
        except services.NotAllowedYet as locked:
            form.add_error(None, _("%(day)s 起才能取消。") % {"day": locked.first_day})
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("备案已取消。"))
            return redirect("filings:detail", reference=filing.reference)
    return render(request, "filings/filing_cancel.html", {"filing": filing, "form": form})


@require_http_methods(["GET", "POST"])
def filing_withdraw(request: PortalRequest, reference: str) -> HttpResponse:
    """撤回 a filing still under review (services.withdraw)."""
    filing = _actionable(request, reference)
    if filing.status != Status.SUBMITTED:
        messages.info(request, _("这份备案已不在审核中，不能撤回。"))
        return redirect("filings:detail", reference=filing.reference)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(
                filing,
                by=request.user,
                role=_role(request, filing.person),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            draft = FilingDraft.objects.filter(owner=request.user, person=filing.person).first()
            if draft is not None and not journey.first_unanswered(draft.data):
                # Withdrawn from the duplicate notice: the new filing can go in now.
                messages.success(request, _("备案已撤回。现在可以提交新的备案。"))
                return redirect("filings:check")
            messages.success(request, _("备案已撤回。"))
            return redirect("filings:detail", reference=filing.reference)
    return render(request, "filings/filing_withdraw.html", {"filing": filing, "form": form})


# --- the filing form (备案表) and its public check --------------------------


def verify_url(request: PortalRequest, filing: Filing) -> str:
    return request.build_absolute_uri(reverse("verify", args=[filing.reference]))


@require_GET
def filing_form(request: PortalRequest, reference: str) -> HttpResponse:
    filing = _visible(request, reference)
    import segno

    url = verify_url(request, filing)
    qr_svg = segno.make(url, error="m").svg_inline(scale=3, title=_("扫码核验备案"))
    return render(
        request,
        "filings/filing_form.html",
        {"filing": filing, "verify_url": url, "qr_svg": qr_svg, "today": timezone.localdate()},
    )


@require_GET
def filing_pdf(request: PortalRequest, reference: str) -> HttpResponse:
    filing = _visible(request, reference)
    pdf = render_filing_pdf(filing, verify_url(request, filing))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filing.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required
@require_GET
@ratelimit(key="ip", rate="30/m", block=False)
def verify(request: HtmxRequest, reference: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return render(request, "filings/verify_limited.html", status=429)
    filing = (
        Filing.objects.select_related("destination__parent", "insured_region__region__parent")
        .filter(reference=reference)
        .first()
    )
    return render(
        request,
        "filings/verify.html",
        {"filing": filing, "reference": reference, "today": timezone.localdate()},
        status=200 if filing else 404,
    )
