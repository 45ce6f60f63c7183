"""Claims work that spans models or needs a transaction: the benefit estimate,
recording settlements, manual reimbursement from application to payment. The
money itself is always computed by the pure engine (claims/engine.py), and a
claim's rules are the pure functions of claims/rules.py."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import engine, rules
from claims.choices import CareType, FacilityLevel, FilingSituation
from claims.models import (
    DocumentKind,
    Policy,
    Reimbursement,
    ReimbursementDocument,
    ReimbursementEvent,
    ReimbursementLine,
    ReimbursementStatus,
    Settlement,
)
from filings import rules as filing_rules
from filings.models import Filing
from portal.models import InsuranceRegion, MemberStatus, Scheme, User

ZERO = Decimal("0.00")
logger = logging.getLogger(__name__)


# --- the filing situation and the year so far ------------------------------


def situation_for(category: str) -> FilingSituation:
    """How a filing category counts for money: the three long-term categories
    get the local terms; referral, emergency and other temporary filers may get
    lower ratios (医保发〔2022〕22号 二(五)(六))."""
    if category in filing_rules.LONG_TERM_CATEGORIES:
        return FilingSituation.LONG_TERM
    return {
        filing_rules.Category.REFERRAL: FilingSituation.REFERRAL,
        filing_rules.Category.EMERGENCY: FilingSituation.EMERGENCY,
        filing_rules.Category.OTHER_TEMPORARY: FilingSituation.OTHER_TEMPORARY,
    }[filing_rules.Category(category)]


def filing_situation(*, person_id_number: str, city_code: str, day: dt.date) -> FilingSituation:
    """The person's situation for an admission in `city_code` on `day`: the
    filing that covers it (an admission inside validity counts even when the
    discharge falls after it), or none."""
    filing = Filing.objects.covering(
        person_id_number=person_id_number, city_code=city_code, day=day
    ).first()
    return situation_for(filing.category) if filing is not None else FilingSituation.NONE


def policy_for(
    *, insured_region_id: str, scheme: str, member_status: str, care_type: str, on: dt.date
) -> Policy | None:
    """The insured place's policy in force on `on` for this kind of member and
    care type (参保地政策), with its cost bands; None when there is none."""
    return (
        Policy.objects.for_member(
            insured_region=insured_region_id,
            scheme=scheme,
            member_status=member_status,
            care_type=care_type,
        )
        .in_force(on)
        .prefetch_related("bands")
        .first()
    )


def usable_terms(policy: Policy | None) -> engine.PolicyTerms | None:
    """A policy's terms for the engine; None without a policy, or when staff
    left it incomplete (logged: nothing can be computed from it)."""
    if policy is None:
        return None
    try:
        return policy.terms()
    except ValueError:
        logger.warning("Policy %s is incomplete; nothing can be settled under it.", policy.pk)
        return None


def year_to_date(
    *,
    person_id_number: str,
    care_type: str,
    before: dt.date,
    exclude_settlement: int | None = None,
    exclude_reimbursement: int | None = None,
    whole_year: bool = False,
) -> engine.YearToDate:
    """What the person used earlier in `before`'s calendar year under the same
    cap: the fund's payments in direct settlements and approved manual
    reimbursements, the outpatient deductible met, inpatient admissions.
    `whole_year`: everything recorded in that year so far, whatever the date
    (a hospital's upload settles against the cap left at the time)."""
    start = dt.date(before.year, 1, 1)
    if whole_year:
        before = dt.date(before.year + 1, 1, 1)
    settlements = Settlement.objects.standing().filter(
        person_id_number=person_id_number,
        care_type=care_type,
        discharge_date__gte=start,
        discharge_date__lt=before,
    )
    if exclude_settlement is not None:
        settlements = settlements.exclude(pk=exclude_settlement)
    totals = settlements.aggregate(
        fund=Sum("fund", default=ZERO), deductible=Sum("deductible", default=ZERO)
    )
    admissions = settlements.count() if care_type == CareType.INPATIENT else 0
    reimbursed = Reimbursement.objects.filter(
        person__id_number=person_id_number,
        care_type=care_type,
        status__in=[ReimbursementStatus.APPROVED, ReimbursementStatus.PAID],
        discharge_date__gte=start,
        discharge_date__lt=before,
    )
    if exclude_reimbursement is not None:
        reimbursed = reimbursed.exclude(pk=exclude_reimbursement)
    fund, deductible = totals["fund"], totals["deductible"]
    for amount, breakdown, settlement_id in reimbursed.values_list(
        "approved_amount", "breakdown", "settlement_id"
    ):
        fund += amount or ZERO
        deductible += Decimal(breakdown.get("deductible", "0"))
        # A claim for a recorded self-paid stay is that same admission.
        if care_type == CareType.INPATIENT and settlement_id is None:
            admissions += 1
    return engine.YearToDate(deductible_met=deductible, fund_paid=fund, admissions=admissions)


def breakdown_json(
    result: engine.Settlement,
    *,
    terms: engine.PolicyTerms | None,
    year: engine.YearToDate,
    policy: Policy | None,
) -> dict[str, Any]:
    """The engine's breakdown as JSON, kept with the record for its detail page."""
    data: dict[str, Any] = {
        "situation": str(result.situation),
        "total": str(result.total),
        "deductible": str(result.deductible),
        "bands": [
            {
                "lower": str(band.lower),
                "upper": str(band.upper) if band.upper is not None else None,
                "ratio": str(band.ratio),
                "amount": str(band.amount),
                "fund": str(band.fund),
            }
            for band in result.bands
        ],
        "year_to_date": {
            "fund_paid": str(year.fund_paid),
            "deductible_met": str(year.deductible_met),
            "admissions": year.admissions,
        },
    }
    if terms is not None and policy is not None:
        data["policy"] = {
            "id": policy.pk,
            "valid_from": policy.valid_from.isoformat(),
            "deductible": str(terms.deductible),
            "annual_cap": str(terms.annual_cap),
            "reduction": str(terms.reduction_for(result.situation)),
        }
        data["cap_left_before"] = str(max(ZERO, terms.annual_cap - year.fund_paid))
    return data


# --- the benefit estimate --------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """What the estimator found and computed. Without a complete policy in
    force, `policy` is None and so is everything computed from it."""

    on: dt.date
    insured_region: InsuranceRegion
    scheme: Scheme
    member_status: str
    situation: FilingSituation
    care_type: CareType
    policy: Policy | None = None
    terms: engine.PolicyTerms | None = None
    settlement: engine.Settlement | None = None
    reduction: Decimal = ZERO  # percentage points off the ratios for this situation
    cap_left: Decimal = ZERO  # of the annual cap, before this bill
    paid_bands: tuple[engine.BandShare, ...] = ()  # the cost bands this bill reaches

    @property
    def member_kind(self) -> str:
        """'职工基本医疗保险（退休）', '城乡居民基本医疗保险'."""
        label = str(self.scheme.label)
        if self.member_status:
            label += f"（{MemberStatus(self.member_status).label}）"
        return label


def estimate(
    *,
    insured_region_id: str,
    scheme: str,
    member_status: str,
    situation: str,
    care_type: str,
    level: str,
    lines: Sequence[engine.BillLine],
    year: engine.YearToDate,
    on: dt.date,
) -> Estimate:
    """Settle a bill as the insured place would on `on`: its policy in force
    for this member and care type (参保地政策, 医保发〔2022〕22号 二(一)), the
    filing situation's reduction (二(五)(六)) and what is left of the annual
    cap after `year`. Three queries: the region, the policy, its bands."""
    found = Estimate(
        on=on,
        insured_region=InsuranceRegion.objects.select_related("region__parent").get(
            pk=insured_region_id
        ),
        scheme=Scheme(scheme),
        member_status=member_status if scheme == Scheme.EMPLOYEE else "",
        situation=FilingSituation(situation),
        care_type=CareType(care_type),
    )
    policy = policy_for(
        insured_region_id=insured_region_id,
        scheme=scheme,
        member_status=member_status,
        care_type=care_type,
        on=on,
    )
    terms = usable_terms(policy)
    if policy is None or terms is None:
        return found
    settlement = engine.settle(
        policy=terms,
        situation=found.situation,
        level=FacilityLevel(level),
        lines=lines,
        year=year,
    )
    return replace(
        found,
        policy=policy,
        terms=terms,
        settlement=settlement,
        reduction=terms.reduction_for(found.situation),
        cap_left=max(terms.annual_cap - year.fund_paid, ZERO),
        paid_bands=tuple(band for band in settlement.bands if band.amount),
    )


# --- settlement records ----------------------------------------------------


@dataclass(frozen=True)
class Member:
    """Who was treated, as the national settlement system knows them."""

    id_number: str
    name: str
    insured_region_id: str
    scheme: str
    member_status: str
    account: User | None = None

    @classmethod
    def of(cls, user: User) -> Member:
        return cls(
            id_number=user.id_number,
            name=user.full_name,
            insured_region_id=user.insured_region_id or "",
            scheme=user.scheme,
            member_status=user.member_status,
            account=user,
        )


@dataclass(frozen=True)
class Visit:
    """Where and when the care happened."""

    city_code: str
    facility_name: str
    facility_level: FacilityLevel
    care_type: CareType
    admission_date: dt.date
    discharge_date: dt.date


class NoPolicy(Exception):
    """The insured place has no complete policy for this member and care type."""


def build_settlement(
    *,
    number: str,
    member: Member,
    visit: Visit,
    situation: FilingSituation,
    direct: bool,
    lines: Sequence[engine.BillLine],
    terms: engine.PolicyTerms,
    policy: Policy,
    year: engine.YearToDate,
) -> Settlement:
    """An unsaved Settlement with the engine's breakdown (no queries)."""
    if direct and situation == FilingSituation.NONE:
        raise ValueError("no filing, no direct settlement")
    result = engine.settle(
        policy=terms,
        situation=situation if direct else FilingSituation.NONE,
        level=visit.facility_level,
        lines=lines,
        year=year,
    )
    return Settlement(
        number=number,
        person=member.account,
        person_id_number=member.id_number,
        person_name=member.name,
        insured_region_id=member.insured_region_id,
        treatment_city_id=visit.city_code,
        facility_name=visit.facility_name,
        facility_level=visit.facility_level,
        care_type=visit.care_type,
        situation=situation,
        admission_date=visit.admission_date,
        discharge_date=visit.discharge_date,
        direct=direct,
        total=result.total,
        out_of_catalogue=result.out_of_catalogue,
        first_self_pay=result.first_self_pay,
        deductible=result.deductible,
        co_payment=result.co_payment,
        over_cap=result.over_cap,
        fund=result.fund,
        personal=result.personal,
        breakdown=breakdown_json(result, terms=terms, year=year, policy=policy),
    )


@transaction.atomic
def record_settlement(
    *,
    number: str,
    member: Member,
    visit: Visit,
    lines: Sequence[engine.BillLine],
    situation: FilingSituation | None = None,
    direct: bool | None = None,
) -> Settlement:
    """Settle one case with the engine and keep the record. The situation is
    read from the person's filings unless given; a case is direct-settled
    unless there was no filing or `direct=False` (e.g. a failure at discharge)."""
    if situation is None:
        situation = filing_situation(
            person_id_number=member.id_number, city_code=visit.city_code, day=visit.admission_date
        )
    if direct is None:
        direct = situation != FilingSituation.NONE
    policy = policy_for(
        insured_region_id=member.insured_region_id,
        scheme=member.scheme,
        member_status=member.member_status,
        care_type=visit.care_type,
        on=visit.discharge_date,
    )
    if policy is None:
        raise NoPolicy(member.insured_region_id)
    settlement = build_settlement(
        number=number,
        member=member,
        visit=visit,
        situation=situation,
        direct=direct,
        lines=lines,
        terms=policy.terms(),
        policy=policy,
        year=year_to_date(
            person_id_number=member.id_number,
            care_type=visit.care_type,
            before=visit.discharge_date,
        ),
    )
    settlement.full_clean()
    settlement.save()
    return settlement


@dataclass(frozen=True)
class CapUse:
    """How much of one annual cap (年度最高支付限额) is used this year."""

    care_type: CareType
    cap: Decimal
    used: Decimal

    @property
    def left(self) -> Decimal:
        return max(ZERO, self.cap - self.used)

    @property
    def used_percent(self) -> Decimal:
        if not self.cap:
            return Decimal(100)
        return min(Decimal(100), (self.used * 100 / self.cap).quantize(Decimal("0.1")))

    @property
    def bar_width(self) -> Decimal:
        """The used part of a 100-wide bar; a sliver stays visible once anything is used."""
        return max(self.used_percent, Decimal(1)) if self.used else Decimal(0)


def cap_use(person: User, *, year: int, on: dt.date) -> list[CapUse]:
    """Each care type's annual cap from the person's policies in force on
    `on`, and what the fund has paid under it in `year` (three queries)."""
    if not person.insured_region_id or not person.scheme:
        return []
    policies = Policy.objects.filter(
        insured_region_id=person.insured_region_id,
        scheme=person.scheme,
        member_status=person.member_status if person.scheme == Scheme.EMPLOYEE else "",
    ).in_force(on)
    caps = {p.care_type: p.annual_cap for p in policies}
    used: dict[str, Decimal] = dict.fromkeys(caps, ZERO)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    for care_type, fund in (
        Settlement.objects.standing()
        .filter(
            person_id_number=person.id_number, discharge_date__gte=start, discharge_date__lt=end
        )
        .values_list("care_type")
        .annotate(fund=Sum("fund"))
        .values_list("care_type", "fund")
    ):
        if care_type in used:
            used[care_type] += fund
    for care_type, amount in (
        Reimbursement.objects.filter(
            person=person,
            status__in=[ReimbursementStatus.APPROVED, ReimbursementStatus.PAID],
            discharge_date__gte=start,
            discharge_date__lt=end,
        )
        .values_list("care_type")
        .annotate(amount=Sum("approved_amount"))
        .values_list("care_type", "amount")
    ):
        if care_type in used:
            used[care_type] += amount
    return [CapUse(care_type=CareType(c), cap=caps[c], used=used[c]) for c in CareType if c in caps]


# --- manual reimbursement --------------------------------------------------


def engine_situation(situation: str) -> FilingSituation:
    """The situation a manual claim is computed under. Without a filing the
    insured place still reimburses under its own rules (domain.md: 补办 and
    手工报销); the portal computes such a claim at the ratios for other
    temporary filers, the largest cut the national rule allows (医保发〔2022〕
    22号 二(六)). Staff may correct the situation before approving."""
    if situation == FilingSituation.NONE:
        return FilingSituation.OTHER_TEMPORARY
    return FilingSituation(situation)


def next_reference(region_code: str, day: dt.date) -> str:
    """BX + insured region code + date + a number from one database sequence."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('claims_reimbursement_seq')")
        (number,) = cursor.fetchone()
    return f"BX{region_code}{day:%Y%m%d}{number:06d}"


def store_upload(
    *, owner: User, token: uuid.UUID, kind: str, upload: UploadedFile, content_type: str
) -> ReimbursementDocument:
    """Keep a checked upload under the form's token until the application is made."""
    document = ReimbursementDocument(
        owner=owner,
        token=token,
        kind=DocumentKind(kind),
        file=upload,
        original_name=(upload.name or "")[:200],
        content_type=content_type,
        size=upload.size or 0,
    )
    document.save()
    return document


@transaction.atomic
def discard_upload(*, owner: User, token: uuid.UUID, pk: int) -> None:
    """Remove a file kept under the form's token (not yet part of an application)."""
    document = pending_documents(owner=owner, token=token).filter(pk=pk).first()
    if document is not None:
        document.file.delete(save=False)
        document.delete()


def pending_documents(*, owner: User, token: uuid.UUID) -> Any:
    return ReimbursementDocument.objects.filter(
        owner=owner, token=token, reimbursement__isnull=True
    ).order_by("kind", "uploaded_at", "pk")


@dataclass(frozen=True)
class Claim:
    """What the person asks to be reimbursed, as plain values."""

    visit: Visit
    reason: str
    note: str
    lines: tuple[engine.BillLine, ...]
    bank_name: str
    bank_account: str
    settlement: Settlement | None = None


def record(
    reimbursement: Reimbursement,
    *,
    by: User | None,
    from_status: str,
    to_status: str,
    note: str = "",
) -> ReimbursementEvent:
    return ReimbursementEvent.objects.create(
        reimbursement=reimbursement,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _refusal(problems: Sequence[rules.Problem]) -> ValidationError:
    """Broken claim rules as one ValidationError keyed by field, as a form's."""
    by_field: dict[str, list[ValidationError]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(
            ValidationError(problem.message, code=problem.code)
        )
    return ValidationError(by_field)


@transaction.atomic
def submit_reimbursement(*, person: User, token: uuid.UUID, claim: Claim) -> Reimbursement:
    """Make the application, once per form token: a double click or a retried
    POST returns the application the first one made. A claim that breaks a
    rule of claims/rules.py (care in the insured province, impossible days, a
    reason that does not fit) is refused with a ValidationError, whoever calls."""
    existing = Reimbursement.objects.filter(person=person, submission_token=token).first()
    if existing is not None:
        return existing
    if not person.insured_region_id or not person.scheme:
        raise ValidationError(_("您的账户还没有参保地和险种，请先在“我的账户”里补充。"))
    visit = claim.visit
    problems = rules.claim_problems(
        insured_region=person.insured_region_id,
        treatment_city=visit.city_code,
        admission=visit.admission_date,
        discharge=visit.discharge_date,
        reason=claim.reason,
        care_type=visit.care_type,
        note=claim.note,
        today=timezone.localdate(),
    )
    if problems:
        raise _refusal(problems)
    reimbursement = Reimbursement(
        reference=next_reference(person.insured_region_id, timezone.localdate()),
        person=person,
        insured_region_id=person.insured_region_id,
        scheme=person.scheme,
        member_status=person.member_status,
        settlement=claim.settlement,
        treatment_city_id=visit.city_code,
        facility_name=visit.facility_name,
        facility_level=visit.facility_level,
        care_type=visit.care_type,
        admission_date=visit.admission_date,
        discharge_date=visit.discharge_date,
        reason=claim.reason,
        note=claim.note,
        situation=filing_situation(
            person_id_number=person.id_number, city_code=visit.city_code, day=visit.admission_date
        ),
        bank_name=claim.bank_name,
        bank_account=claim.bank_account,
        submission_token=token,
    )
    reimbursement.full_clean()
    try:
        with transaction.atomic():
            reimbursement.save()
    except IntegrityError as error:
        # The same token won a race a moment ago: that is the application.
        existing = Reimbursement.objects.filter(person=person, submission_token=token).first()
        if existing is None:
            # Another tab claimed the same self-paid case at the same moment.
            raise ValidationError(_("这次看病已经申请过手工报销。")) from error
        return existing
    ReimbursementLine.objects.bulk_create(
        ReimbursementLine(
            reimbursement=reimbursement,
            catalogue_class=line.catalogue_class,
            amount=line.amount,
            first_self_pay_share=line.first_self_pay_share,
        )
        for line in claim.lines
    )
    pending_documents(owner=person, token=token).update(reimbursement=reimbursement)
    record(reimbursement, by=person, from_status="", to_status=ReimbursementStatus.SUBMITTED)
    return reimbursement


@dataclass(frozen=True)
class Assessment:
    """What the engine says the fund owes on an application."""

    result: engine.Settlement
    terms: engine.PolicyTerms
    policy: Policy
    year: engine.YearToDate
    situation: FilingSituation

    @property
    def amount(self) -> Decimal:
        return self.result.fund

    def as_json(self) -> dict[str, Any]:
        data = breakdown_json(self.result, terms=self.terms, year=self.year, policy=self.policy)
        data.update(
            out_of_catalogue=str(self.result.out_of_catalogue),
            first_self_pay=str(self.result.first_self_pay),
            co_payment=str(self.result.co_payment),
            over_cap=str(self.result.over_cap),
            fund=str(self.result.fund),
            personal=str(self.result.personal),
        )
        return data


def assess(reimbursement: Reimbursement) -> Assessment | None:
    """Settle the stored bill lines under the person's policy and filing
    situation, as if it had been direct-settled; None without a policy."""
    policy = policy_for(
        insured_region_id=reimbursement.insured_region_id,
        scheme=reimbursement.scheme,
        member_status=reimbursement.member_status,
        care_type=reimbursement.care_type,
        on=reimbursement.discharge_date,
    )
    terms = usable_terms(policy)
    if policy is None or terms is None:
        return None
    situation = engine_situation(reimbursement.situation)
    year = year_to_date(
        person_id_number=reimbursement.person.id_number,
        care_type=reimbursement.care_type,
        before=reimbursement.discharge_date,
        exclude_settlement=reimbursement.settlement_id,
        exclude_reimbursement=reimbursement.pk,
    )
    result = engine.settle(
        policy=terms,
        situation=situation,
        level=FacilityLevel(reimbursement.facility_level),
        lines=[line.as_bill_line() for line in reimbursement.lines.all()],
        year=year,
    )
    return Assessment(result=result, terms=terms, policy=policy, year=year, situation=situation)


def _locked(reimbursement: Reimbursement, to_status: str) -> Reimbursement:
    """The row, locked for this transaction, if it may move to `to_status`."""
    current = Reimbursement.objects.select_for_update().get(pk=reimbursement.pk)
    if not current.can_move_to(to_status):
        raise ValidationError(
            _("这份申请现在是“%(status)s”，不能改为“%(to)s”。")
            % {
                "status": current.get_status_display(),
                "to": ReimbursementStatus(to_status).label,
            }
        )
    return current


def _move(
    current: Reimbursement, to_status: str, *, by: User, note: str = "", **fields: Any
) -> Reimbursement:
    from_status = current.status
    current.status = to_status
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    record(current, by=by, from_status=from_status, to_status=to_status, note=note)
    return current


@transaction.atomic
def start_review(reimbursement: Reimbursement, *, by: User) -> Reimbursement:
    current = _locked(reimbursement, ReimbursementStatus.UNDER_REVIEW)
    return _move(current, ReimbursementStatus.UNDER_REVIEW, by=by)


@transaction.atomic
def approve(reimbursement: Reimbursement, *, by: User, note: str = "") -> Reimbursement:
    """Approve at the amount the engine computes from the stored lines now."""
    current = _locked(reimbursement, ReimbursementStatus.APPROVED)
    assessment = assess(current)
    if assessment is None:
        raise ValidationError(
            _("参保地没有适用于这份申请的待遇政策，无法计算报销金额。请先在“待遇政策”中录入。")
        )
    amount = assessment.amount
    text = _("核定报销 %(amount)s 元。") % {"amount": f"{amount:,.2f}"}
    return _move(
        current,
        ReimbursementStatus.APPROVED,
        by=by,
        note=f"{text} {note}".strip(),
        approved_amount=amount,
        breakdown=assessment.as_json(),
        decided_at=timezone.now(),
        decided_by=by,
    )


@transaction.atomic
def reject(reimbursement: Reimbursement, *, by: User, reason: str) -> Reimbursement:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写不予报销的原因，申请人会看到这段话。"))
    current = _locked(reimbursement, ReimbursementStatus.REJECTED)
    return _move(
        current,
        ReimbursementStatus.REJECTED,
        by=by,
        note=reason,
        rejection_reason=reason,
        decided_at=timezone.now(),
        decided_by=by,
    )


@transaction.atomic
def mark_paid(reimbursement: Reimbursement, *, by: User, note: str = "") -> Reimbursement:
    current = _locked(reimbursement, ReimbursementStatus.PAID)
    return _move(current, ReimbursementStatus.PAID, by=by, note=note, paid_at=timezone.now())


def visible_settlements_without_claim(person: Any) -> Any:
    """The person's self-paid settlements not yet claimed (or only rejected)."""
    return (
        Settlement.objects.visible_to(person)
        .standing()
        .filter(direct=False)
        .exclude(
            Q(reimbursements__isnull=False)
            & ~Q(reimbursements__status=ReimbursementStatus.REJECTED)
        )
    )
