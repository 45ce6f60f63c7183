"""Filing work that spans objects or needs a transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings import rules
from filings.models import (
    CURRENT_STATUSES,
    Channel,
    EventAction,
    FiledBy,
    Filing,
    FilingDocument,
    FilingEvent,
    Status,
    settings_for,
)
from portal.models import InsuranceRegion, Region, User


class DuplicateFiling(Exception):
    """已有备案信息，无需再次备案: a current filing already covers the request."""

    def __init__(self, existing: Filing) -> None:
        super().__init__(existing.reference)
        self.existing = existing


class NotAllowedYet(Exception):
    def __init__(self, first_day: dt.date) -> None:
        super().__init__(first_day.isoformat())
        self.first_day = first_day


def next_reference(region_code: str, day: dt.date) -> str:
    """BA + insured region code + date + a number from one database sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('filings_reference_seq')")
        (number,) = cursor.fetchone()
    return f"BA{region_code}{day:%Y%m%d}{number:06d}"


def lock_person(id_number: str) -> None:
    """Serialise filing writes for one person until the transaction ends.

    The exclusion constraint is the final guard against overlapping filings,
    but concurrent inserts that collide on it can deadlock; taking this lock
    first makes the duplicate check and the insert one step per person."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"filing:{id_number}"])


def find_existing(
    person_id_number: str, category: str, start: dt.date, end: dt.date | None
) -> Filing | None:
    """A current filing of the same group whose period overlaps the request."""
    return (
        Filing.objects.filter(person_id_number=person_id_number, status__in=CURRENT_STATUSES)
        .overlapping(group=rules.group_of(category), start=start, end=end)
        .select_related("destination__parent", "filed_by")
        .order_by("start_date")
        .first()
    )


@dataclass(frozen=True)
class FilingRequest:
    """What a person asks for, as plain values (the journey's answers)."""

    category: str
    destination_code: str
    start_date: dt.date
    contact_phone: str
    referring_hospital: str = ""
    diagnosis: str = ""
    referral_date: dt.date | None = None
    treating_hospital: str = ""
    admission_date: dt.date | None = None
    commitment: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FilingRequest:
        def day(key: str) -> dt.date | None:
            return dt.date.fromisoformat(data[key]) if data.get(key) else None

        start = day("start_date")
        if start is None:
            raise ValidationError(_("请填写开始日期。"))
        return cls(
            category=data["category"],
            destination_code=data["destination"],
            start_date=start,
            contact_phone=data.get("contact_phone", ""),
            referring_hospital=data.get("referring_hospital", ""),
            diagnosis=data.get("diagnosis", ""),
            referral_date=day("referral_date"),
            treating_hospital=data.get("treating_hospital", ""),
            admission_date=day("admission_date"),
            commitment=data.get("evidence") == "commitment",
        )


def same_province_problem(province: Region, insured: InsuranceRegion) -> str:
    """Why a destination in the insured province is refused, in plain words:
    this service files care in another province (跨省); care elsewhere in the
    same province follows that province's own rules (rules.is_cross_province)."""
    return _(
        "%(province)s 与参保地 %(insured)s 在同一个省。跨省异地就医备案用于到外省就医；"
        "在%(province)s的其他城市就医，按本省省内异地就医的规定办理，请咨询参保地医保经办机构。"
    ) % {"province": province.name, "insured": insured}


COMMITMENT_MONTHS = 6  # materials owed within six months of a commitment filing


def check_request(req: FilingRequest, *, person: User, today: dt.date) -> list[str]:
    """Plain-language problems with a request; empty when it can be filed."""
    problems: list[str] = []
    region_rules = settings_for(person.insured_region_id or "").as_rules()
    destination = Region.objects.destinations().filter(code=req.destination_code).first()
    if destination is None:
        problems.append(_("请选择就医城市。"))
    elif person.insured_region and not rules.is_cross_province(
        person.insured_region.province_code, destination.province_code
    ):
        province = Region.objects.get(code=destination.province_code)
        problems.append(same_province_problem(province, person.insured_region))
    earliest = rules.earliest_start(req.category, today, region_rules)
    if req.start_date < earliest:
        problems.append(_("开始日期不能早于 %(day)s。") % {"day": earliest.isoformat()})
    return problems


@transaction.atomic
def submit_filing(
    *,
    person: User,
    request: FilingRequest,
    by: User | None,
    role: str,
    token: uuid.UUID,
    documents: list[FilingDocument] | None = None,
    today: dt.date | None = None,
) -> Filing:
    """File for `person`. Idempotent per `token`: a retried or doubled submit
    returns the filing the first one made. Raises DuplicateFiling when a
    current filing already covers the request, ValidationError when the request
    breaks a rule."""
    today = today or timezone.localdate()
    lock_person(person.id_number)
    already = Filing.objects.filter(submission_token=token).first()
    if already is not None:
        if already.person_id_number != person.id_number:
            # A token reused for someone else must not hand back their filing.
            raise ValidationError(_("这个提交令牌已经用于另一个人的备案。"))
        return already
    problems = check_request(request, person=person, today=today)
    if problems:
        raise ValidationError(problems)
    assert person.insured_region is not None
    region_settings = settings_for(person.insured_region.pk)
    region_rules = region_settings.as_rules()
    end = rules.valid_until(request.category, request.start_date, region_rules)
    existing = find_existing(person.id_number, request.category, request.start_date, end)
    if existing is not None:
        raise DuplicateFiling(existing)
    filing = Filing(
        reference=next_reference(person.insured_region.pk, today),
        person=person,
        person_id_number=person.id_number,
        person_name=person.full_name,
        insured_region=person.insured_region,
        category=request.category,
        group=rules.group_of(request.category),
        destination_id=request.destination_code,
        start_date=request.start_date,
        end_date=end,
        channel=region_settings.online_channel,
        filed_by_role=role,
        filed_by=by,
        contact_phone=request.contact_phone,
        referring_hospital=request.referring_hospital,
        diagnosis=request.diagnosis,
        referral_date=request.referral_date,
        treating_hospital=request.treating_hospital,
        admission_date=request.admission_date,
        commitment=request.commitment,
        materials_due=(rules.add_months(today, COMMITMENT_MONTHS) if request.commitment else None),
        submission_token=token,
    )
    filing.full_clean(exclude=["group"])
    try:
        with transaction.atomic():
            filing.save()
    except IntegrityError as error:
        # Lost a race: the token or the overlap guard fired in the database.
        again = Filing.objects.filter(submission_token=token).first()
        if again is not None:
            return again
        existing = find_existing(person.id_number, request.category, request.start_date, end)
        if existing is not None:
            raise DuplicateFiling(existing) from error
        raise
    for document in documents or []:
        document.filing = filing
        document.draft = None
        document.save(update_fields=["filing", "draft"])
    record(filing, EventAction.SUBMITTED, by=by, role=role, to_status=Status.SUBMITTED)
    if region_rules.online_effective_at_once:
        filing = approve(filing, by=None, note=_("参保地设定线上备案即时生效。"))
    return filing


def record(
    filing: Filing,
    action: str,
    *,
    by: User | None,
    role: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> FilingEvent:
    return FilingEvent.objects.create(
        filing=filing,
        action=action,
        actor=by,
        actor_role=role,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


@transaction.atomic
def approve(filing: Filing, *, by: User | None, note: str = "") -> Filing:
    """Approve a submitted filing; a change, when approved, ends its original
    the day before it starts and keeps the original in the history."""
    lock_person(filing.person_id_number)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.status != Status.SUBMITTED:
        raise ValidationError(_("只有审核中的备案可以审核通过。"))
    if filing.replaces_id is not None:
        original = Filing.objects.select_for_update().get(pk=filing.replaces_id)
        original.status = Status.REPLACED
        original.ended_on = filing.start_date - dt.timedelta(days=1)
        original.ended_at = timezone.now()
        original.save(update_fields=["status", "ended_on", "ended_at"])
        # The original's history names who changed it (the person or their
        # relative), not the reviewer or the system that approved the change.
        record(
            original,
            EventAction.REPLACED,
            by=filing.filed_by,
            role=filing.filed_by_role,
            from_status=Status.EFFECTIVE,
            to_status=Status.REPLACED,
            note=_("由 %(reference)s 变更") % {"reference": filing.reference},
        )
    filing.status = Status.EFFECTIVE
    filing.decided_at = timezone.now()
    filing.decided_by = by
    filing.save(update_fields=["status", "decided_at", "decided_by"])
    record(
        filing,
        EventAction.APPROVED,
        by=by,
        role=FiledBy.STAFF if by else "",
        from_status=Status.SUBMITTED,
        to_status=Status.EFFECTIVE,
        note=note,
    )
    return filing


@transaction.atomic
def reject(filing: Filing, *, by: User, reason: str) -> Filing:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("不予备案必须写明原因。"))
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.status != Status.SUBMITTED:
        raise ValidationError(_("只有审核中的备案可以不予备案。"))
    filing.status = Status.REJECTED
    filing.rejection_reason = reason
    filing.decided_at = timezone.now()
    filing.decided_by = by
    filing.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    record(
        filing,
        EventAction.REJECTED,
        by=by,
        role=FiledBy.STAFF,
        from_status=Status.SUBMITTED,
        to_status=Status.REJECTED,
        note=reason,
    )
    return filing


@transaction.atomic
def cancel(
    filing: Filing, *, by: User, role: str, reason: str = "", today: dt.date | None = None
) -> Filing:
    """Cancel a current filing. A long-term filing may be locked against
    cancellation for up to six months after it takes effect (22号文). One
    still under review never took effect: it is withdrawn (撤回) instead."""
    today = today or timezone.localdate()
    # The person's lock before the row's, in the order every other write takes them.
    lock_person(filing.person_id_number)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.status == Status.SUBMITTED:
        return withdraw(filing, by=by, role=role, reason=reason)
    if filing.status not in CURRENT_STATUSES:
        raise ValidationError(_("这份备案已经不能取消。"))
    first = filing.first_change_day()
    if filing.status == Status.EFFECTIVE and first is not None and today < first:
        raise NotAllowedYet(first)
    previous = filing.status
    filing.status = Status.CANCELLED
    # Valid up to the day before cancellation (never valid if not yet started).
    filing.ended_on = today - dt.timedelta(days=1)
    if filing.end_date is not None and filing.ended_on > filing.end_date:
        filing.ended_on = filing.end_date
    filing.ended_at = timezone.now()
    filing.save(update_fields=["status", "ended_on", "ended_at"])
    record(
        filing,
        EventAction.CANCELLED,
        by=by,
        role=role,
        from_status=previous,
        to_status=Status.CANCELLED,
        note=reason,
    )
    return filing


@transaction.atomic
def withdraw(filing: Filing, *, by: User, role: str, reason: str = "") -> Filing:
    """撤回: take back a filing still under review. It never took effect, so
    it covers no day and frees the period for a new filing; a change that is
    withdrawn leaves its original in force."""
    lock_person(filing.person_id_number)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.status != Status.SUBMITTED:
        raise ValidationError(_("只有审核中的备案可以撤回。"))
    filing.status = Status.WITHDRAWN
    filing.ended_at = timezone.now()
    filing.full_clean(exclude=["group"])
    filing.save(update_fields=["status", "ended_at"])
    record(
        filing,
        EventAction.WITHDRAWN,
        by=by,
        role=role,
        from_status=Status.SUBMITTED,
        to_status=Status.WITHDRAWN,
        note=reason,
    )
    return filing


@transaction.atomic
def request_change(
    filing: Filing,
    *,
    by: User,
    role: str,
    destination_code: str,
    contact_phone: str,
    today: dt.date | None = None,
) -> Filing:
    """Change destination or phone. The approved filing is never overwritten:
    a new filing replaces it from today and the original stays in the history
    (domain.md: changes keep the history)."""
    today = today or timezone.localdate()
    lock_person(filing.person_id_number)
    original = Filing.objects.select_for_update().get(pk=filing.pk)
    if original.status == Status.SUBMITTED and original.replaces_id is None:
        raise ValidationError(_("备案还在审核中，请等审核结果出来后再变更，或取消后重新备案。"))
    if original.status != Status.EFFECTIVE or original.state(today) == "expired":
        raise ValidationError(_("这份备案已经不能变更。"))
    first = original.first_change_day()
    if first is not None and today < first:
        raise NotAllowedYet(first)
    if original.replacements.filter(status=Status.SUBMITTED).exists():
        raise ValidationError(_("这份备案已有一项变更在审核中。"))
    person = original.person
    if person is None:
        raise ValidationError(_("窗口办理的备案请到窗口变更。"))
    problems = check_request(
        FilingRequest(
            category=original.category,
            destination_code=destination_code,
            start_date=max(today, original.start_date),
            contact_phone=contact_phone,
        ),
        person=person,
        today=today,
    )
    if problems:
        raise ValidationError(problems)
    if destination_code == original.destination_id and contact_phone == original.contact_phone:
        raise ValidationError(_("您没有修改任何内容。"))
    region_settings = settings_for(original.insured_region_id)
    new = Filing(
        reference=next_reference(original.insured_region_id, today),
        person=person,
        person_id_number=original.person_id_number,
        person_name=original.person_name,
        insured_region_id=original.insured_region_id,
        category=original.category,
        group=original.group,
        destination_id=destination_code,
        start_date=max(today, original.start_date),
        end_date=original.end_date,
        channel=region_settings.online_channel,
        filed_by_role=role,
        filed_by=by,
        contact_phone=contact_phone,
        referring_hospital=original.referring_hospital,
        diagnosis=original.diagnosis,
        referral_date=original.referral_date,
        treating_hospital=original.treating_hospital,
        admission_date=original.admission_date,
        commitment=original.commitment,
        materials_due=original.materials_due,
        materials_received_on=original.materials_received_on,
        replaces=original,
    )
    new.full_clean(exclude=["group"])
    new.save()
    record(
        new,
        EventAction.CHANGE_REQUESTED,
        by=by,
        role=role,
        to_status=Status.SUBMITTED,
        note=_("变更 %(reference)s") % {"reference": original.reference},
    )
    if region_settings.online_effective_at_once:
        new = approve(new, by=None, note=_("参保地设定线上备案即时生效。"))
    return new


@transaction.atomic
def submit_materials(
    filing: Filing, *, by: User, role: str, kind: str, upload: Any, content_type: str
) -> FilingDocument:
    """The proof a commitment filing (个人承诺制) still owes, uploaded after
    filing by the person or a relative acting for them; it waits for the
    agency to confirm receipt (confirm_materials). `upload` has passed the
    same checks as at filing (portal.uploads.check_upload)."""
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if not filing.asks_for_materials:
        raise ValidationError(_("这份备案不需要补交材料。"))
    document = FilingDocument(
        filing=filing,
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    document.full_clean(exclude=["file"])
    document.save()
    record(filing, EventAction.MATERIALS_SUBMITTED, by=by, role=role, note=document.original_name)
    return document


@transaction.atomic
def confirm_materials(filing: Filing, *, by: User, on: dt.date | None = None) -> Filing:
    """Staff record that a commitment filing's materials are complete (材料补齐
    日期). From then on the person enjoys benefits in both places, the filing
    place and the insured place (双向享受; domain.md, 个人承诺制). A change
    waiting for review carries the commitment, so it is completed too."""
    on = on or timezone.localdate()
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if not filing.asks_for_materials:
        raise ValidationError(_("这份备案没有待补的材料。"))
    pending = list(
        Filing.objects.select_for_update().filter(
            replaces=filing, status=Status.SUBMITTED, materials_received_on__isnull=True
        )
    )
    for target in [filing, *pending]:
        target.materials_received_on = on
        target.full_clean(exclude=["group"])
        target.save(update_fields=["materials_received_on"])
        record(
            target,
            EventAction.MATERIALS_RECEIVED,
            by=by,
            role=FiledBy.STAFF,
            note=_("备案地和参保地都可以享受待遇（双向享受）。"),
        )
    return filing


@transaction.atomic
def link_counter_filings(user: User) -> int:
    """Counter filings (地方平台) made for this ID number before the person had
    an account become theirs when they register."""
    filings = list(Filing.objects.filter(person__isnull=True, person_id_number=user.id_number))
    for filing in filings:
        filing.person = user
        filing.save(update_fields=["person"])
        record(filing, EventAction.LINKED, by=user, role=FiledBy.SELF)
    return len(filings)


def counter_filing_defaults(*, region_id: str, category: str, start: dt.date) -> dict[str, Any]:
    """Fields staff need not type for a counter filing."""
    region_rules = settings_for(region_id).as_rules()
    return {
        "group": rules.group_of(category),
        "end_date": rules.valid_until(category, start, region_rules),
        "channel": Channel.LOCAL,
        "filed_by_role": FiledBy.STAFF,
    }
