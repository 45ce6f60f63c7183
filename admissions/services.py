"""Gather the facts the coverage rule (filings.coverage) needs from the
database: the person's filings and qualifications, the facility's network,
downtime notices, the insured place's ratio for temporary filers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from admissions.models import (
    Admission,
    ApiCall,
    EVoucher,
    HospitalClient,
    HospitalSettlement,
    hash_secret,
    normalise_voucher,
)
from chronic.models import ChronicDisease, Qualification
from claims import engine
from claims import services as claim_services
from claims.choices import CareType, FacilityLevel, FilingSituation, ReimbursementReason
from claims.models import Settlement
from facilities.models import Facility, Tier
from filings import rules as filing_rules
from filings.coverage import Care, Chronic, Coverage, FilingFacts, Place, Question, coverage
from filings.models import FiledBy, Filing
from filings.services import FilingRequest, lock_person, submit_filing
from notices.models import AffectedPage, DowntimeNotice
from portal.forms import normalise_name
from portal.idnumbers import normalise_id_number
from portal.models import Region, User


@dataclass(frozen=True)
class Asked:
    """What was asked, as the person chose it."""

    day: dt.date
    care: Care
    city: Region
    facility: Facility | None = None
    disease: ChronicDisease | None = None
    paid_in_full: bool = False


def answer(asked: Asked, *, person: User | None) -> Coverage:
    """The coverage answer for `person` (None: nobody signed in). The caller
    has already decided that the viewer may see `person`'s records."""
    filings = _filings_of(person) if person is not None else ()
    question = Question(
        day=asked.day,
        care=asked.care,
        place=_place(asked),
        insured_province=_insured_province(person),
        filings=filings,
        chronic=_chronic(asked, person),
        downtime=_downtime(asked),
        reduction_points=_reduction(asked, person, filings),
        paid_in_full=asked.paid_in_full,
        today=timezone.localdate(),
    )
    return coverage(question)


def _insured_province(person: User | None) -> str:
    return filing_rules.province_of(person.insured_region_id or "") if person is not None else ""


def _filings_of(person: User) -> tuple[FilingFacts, ...]:
    return tuple(
        filing.facts() for filing in Filing.objects.filter(person=person).exclude(status="rejected")
    )


def _place(asked: Asked) -> Place:
    facility = asked.facility
    networked = None
    if facility is not None:
        networked = frozenset(facility.services) if facility.is_active(asked.day) else frozenset()
    return Place(
        city=asked.city.code,
        province=asked.city.province_code,
        facility_code=facility.code if facility else "",
        networked_for=networked,
    )


def _chronic(asked: Asked, person: User | None) -> Chronic | None:
    disease = asked.disease
    if asked.care != Care.CHRONIC or disease is None:
        return None
    qualification = None
    if person is not None:
        qualification = (
            Qualification.objects.filter(person=person, disease=disease)
            .current(asked.day)
            .prefetch_related("designated_facilities")
            .first()
        )
    return Chronic(
        code=disease.code,
        national=disease.is_national,
        service=disease.facility_service,
        qualified=qualification is not None,
        designated=frozenset(f.code for f in qualification.designated_facilities.all())
        if qualification
        else frozenset(),
    )


def _downtime(asked: Asked) -> bool:
    """A settlement downtime notice for the country, the province or the city
    over any part of the day (Asia/Shanghai)."""
    start = timezone.make_aware(dt.datetime.combine(asked.day, dt.time()))
    end = start + dt.timedelta(days=1)
    return (
        DowntimeNotice.objects.affecting(AffectedPage.SETTLEMENT)
        .filter(
            Q(region__isnull=True) | Q(region_id__in=[asked.city.code, asked.city.province_code])
        )
        .filter(starts_at__lt=end, ends_at__gt=start)
        .exists()
    )


def _reduction(
    asked: Asked, person: User | None, filings: tuple[FilingFacts, ...]
) -> Decimal | None:
    """How many points lower a temporary filer's ratio is, from the insured
    place's policy in force (None when unknown)."""
    if person is None or not person.insured_region_id:
        return None
    temporary = [f for f in filings if not f.is_long_term and f.destination == asked.city.code]
    if not temporary:
        return None
    policy = claim_services.policy_for(
        insured_region_id=person.insured_region_id,
        scheme=person.scheme,
        member_status=person.member_status,
        care_type=asked.care.value,
        on=asked.day,
    )
    terms = claim_services.usable_terms(policy)
    if terms is None:
        return None
    return terms.reduction_for(claim_services.situation_for(temporary[0].category))


# --- hospitals as clients (admissions/api.py) ------------------------------


class PersonNotFound(Exception):
    """No insured person with this ID number and name: one answer for an
    unknown number and for a wrong name, so nobody learns who is insured."""


class NotAllowed(Exception):
    """The client may not do this (e.g. no referral rights)."""


class NumberReused(Exception):
    """The hospital's settlement number was used before for another bill."""


class NotSettleable(Exception):
    """The insured place has no complete policy for this member and care."""


def client_for(credential: str) -> HospitalClient | None:
    """The active client whose credential this is (`<prefix>.<secret>`), or None."""
    prefix, dot, secret = credential.partition(".")
    if not dot or len(prefix) != 12:
        return None
    client = (
        HospitalClient.objects.filter(key_prefix=prefix)
        .select_related("facility__city__parent")
        .first()
    )
    if client is None or not client.accepts(secret):
        return None
    return client


def audit_call(*, client: HospitalClient, endpoint: str, method: str) -> None:
    """Keep who called which endpoint when (ApiCall)."""
    ApiCall.objects.create(
        client=client, facility_id=client.facility_id, endpoint=endpoint[:100], method=method
    )


def find_person(*, id_number: str, name: str) -> User:
    """The insured person with this ID number, if the name matches too."""
    person = (
        User.objects.filter(
            id_number=normalise_id_number(id_number),
            is_active=True,
            insured_region__isnull=False,
        )
        .select_related("insured_region__region")
        .first()
    )
    given = normalise_name(name).encode()
    if person is None or not hmac.compare_digest(person.full_name.strip().encode(), given):
        raise PersonNotFound
    return person


def facility_level(facility: Facility) -> FacilityLevel:
    """The level the insured place's ratios use. A facility without a hospital
    level (a community unit, a pharmacy) is paid at the first level's ratios."""
    return {
        Tier.SECOND: FacilityLevel.LEVEL_2,
        Tier.THIRD: FacilityLevel.LEVEL_3,
    }.get(Tier(facility.tier), FacilityLevel.LEVEL_1)


@transaction.atomic
def redeem_voucher(code: str) -> User:
    """The person whose e-voucher code this is, if it is unused and not
    expired; the code is then used up. Anything else: PersonNotFound."""
    now = timezone.now()
    voucher = (
        EVoucher.objects.select_for_update()
        .filter(code_hash=hash_secret(normalise_voucher(code)), used_at__isnull=True)
        .filter(expires_at__gt=now)
        .select_related("person")
        .first()
    )
    if voucher is None:
        raise PersonNotFound
    voucher.used_at = now
    voucher.save(update_fields=["used_at"])
    return voucher.person


def check_admission(
    *,
    client: HospitalClient,
    id_number: str = "",
    name: str = "",
    voucher: str = "",
    day: dt.date,
    care: Care,
    disease_code: str = "",
) -> Coverage:
    """The coverage answer for care at the client's own facility on `day`
    (the admission check of seed 003: the hospital confirms the filing), for
    the person named by ID number and name, or by a one-time e-voucher code."""
    facility = client.facility
    disease = None
    if care == Care.CHRONIC:
        disease = ChronicDisease.objects.filter(code=disease_code).first()
        if disease is None:
            raise ValidationError(_("没有这个门诊慢特病病种。"))
    person = redeem_voucher(voucher) if voucher else find_person(id_number=id_number, name=name)
    asked = Asked(day=day, care=care, city=facility.city, facility=facility, disease=disease)
    return answer(asked, person=person)


@dataclass(frozen=True)
class Discharge:
    """A discharge bill as the hospital uploads it: the lines already classed
    by the treatment place's catalogue (就医地目录)."""

    hospital_number: str
    id_number: str
    name: str
    care_type: CareType
    admission_date: dt.date
    discharge_date: dt.date
    lines: tuple[engine.BillLine, ...]
    # Set when the hospital could not settle directly (22号文 三(四)): the
    # stay is recorded paid in full with the same lines, to claim at home.
    fallback_reason: str = ""

    def digest(self) -> str:
        """What identifies the bill, to tell a retry from a reused number."""
        data = [
            normalise_id_number(self.id_number),
            str(self.care_type),
            self.admission_date.isoformat(),
            self.discharge_date.isoformat(),
            [
                [str(x.amount), str(x.catalogue_class), str(x.first_self_pay_share)]
                for x in self.lines
            ],
        ]
        if self.fallback_reason:
            data.append(self.fallback_reason)
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def year_so_far(*, person_id_number: str, care_type: str, year: int) -> engine.YearToDate:
    """Everything settled for the person in `year` up to now under the cap,
    whatever the discharge date: a discharge settles against what is left of
    the cap at the time of the upload, as the national platform does."""
    return claim_services.year_to_date(
        person_id_number=person_id_number,
        care_type=care_type,
        before=dt.date(year, 1, 1),
        whole_year=True,
    )


@transaction.atomic
def settle_discharge(*, client: HospitalClient, bill: Discharge) -> tuple[HospitalSettlement, bool]:
    """Settle a discharge with the engine under the insured place's policy
    (就医地目录、参保地政策, 医保发〔2022〕22号 二(一)) and the person's year so
    far, and keep it as the person's settlement. Idempotent on the
    hospital's settlement number; one person's settlements run one at a time
    (the person's lock), so two never both use the same cap left. Returns
    the upload and whether it is new. Without a filing covering the
    admission day the stay is recorded paid in full (手工报销 at home)."""
    person = find_person(id_number=bill.id_number, name=bill.name)
    lock_person(person.id_number)
    earlier = (
        HospitalSettlement.objects.filter(client=client, hospital_number=bill.hospital_number)
        .select_related("settlement")
        .first()
    )
    if earlier is not None:
        if earlier.request_digest != bill.digest():
            raise NumberReused(bill.hospital_number)
        return earlier, False
    facility = client.facility
    member = claim_services.Member.of(person)
    situation = claim_services.filing_situation(
        person_id_number=person.id_number, city_code=facility.city_id, day=bill.admission_date
    )
    policy = claim_services.policy_for(
        insured_region_id=member.insured_region_id,
        scheme=member.scheme,
        member_status=member.member_status,
        care_type=bill.care_type,
        on=bill.discharge_date,
    )
    terms = claim_services.usable_terms(policy)
    if policy is None or terms is None:
        raise NotSettleable(member.insured_region_id)
    reason = _not_direct_reason(bill, facility=facility, situation=situation)
    settlement = claim_services.build_settlement(
        number=f"H{client.pk}-{bill.hospital_number}",
        member=member,
        visit=claim_services.Visit(
            city_code=facility.city_id,
            facility_name=facility.name,
            facility_level=facility_level(facility),
            care_type=bill.care_type,
            admission_date=bill.admission_date,
            discharge_date=bill.discharge_date,
        ),
        situation=situation,
        direct=not reason,
        lines=bill.lines,
        terms=terms,
        policy=policy,
        year=year_so_far(
            person_id_number=person.id_number,
            care_type=bill.care_type,
            year=bill.discharge_date.year,
        ),
    )
    settlement.bill_lines = [
        {
            "catalogue_class": str(line.catalogue_class),
            "amount": str(line.amount),
            "first_self_pay_share": str(line.first_self_pay_share),
        }
        for line in bill.lines
    ]
    settlement.fallback_reason = reason
    settlement.full_clean()
    settlement.save()
    upload = HospitalSettlement(
        client=client,
        hospital_number=bill.hospital_number,
        settlement=settlement,
        request_digest=bill.digest(),
    )
    upload.full_clean()
    upload.save()
    return upload, True


def _not_direct_reason(bill: Discharge, *, facility: Facility, situation: str) -> str:
    """Why the stay is recorded paid in full ("" when it is settled directly):
    the hospital's own word that settlement failed, a settlement downtime
    notice over the discharge day (pay in full, claim at home: 22号文 三(四)),
    or no filing covering the admission day (22号文 二(四))."""
    if bill.fallback_reason:
        return bill.fallback_reason
    if _downtime(Asked(day=bill.discharge_date, care=Care.INPATIENT, city=facility.city)):
        return ReimbursementReason.SYSTEM_FAILURE
    if situation == FilingSituation.NONE:
        return ReimbursementReason.NO_FILING
    return ""


@transaction.atomic
def reverse_settlement(*, client: HospitalClient, hospital_number: str) -> Settlement:
    """冲正: the hospital takes back one of its own settlements. It stays on
    record, marked reversed, and no longer counts toward the person's year
    (the fund it paid is back under the cap) or the money reports.
    Reversing twice is the same as once."""
    upload = (
        HospitalSettlement.objects.filter(client=client, hospital_number=hospital_number)
        .select_related("settlement")
        .first()
    )
    if upload is None:
        raise PersonNotFound
    lock_person(upload.settlement.person_id_number)
    settlement = Settlement.objects.select_for_update().get(pk=upload.settlement_id)
    if settlement.reversed_at is None:
        settlement.reversed_at = timezone.now()
        settlement.save(update_fields=["reversed_at"])
    return settlement


@dataclass(frozen=True)
class Referral:
    """A referral the referring hospital files for its patient."""

    token: str
    id_number: str
    name: str
    destination_code: str
    diagnosis: str
    referral_date: dt.date
    contact_phone: str = ""


REFERRAL_TOKENS = uuid.UUID("5b0c7d3e-2f1a-4c39-9d7e-0a6f1e2b8c41")


def referral_token(client: HospitalClient, token: str) -> uuid.UUID:
    """The filing's submission token from the client's own token: the same
    token from the same client is the same filing, and clients never collide."""
    return uuid.uuid5(REFERRAL_TOKENS, f"{client.pk}:{token}")


@transaction.atomic
def file_referral(*, client: HospitalClient, referral: Referral) -> Filing:
    """转诊备案 by a designated hospital of the insured place that holds
    referral rights, for its patient: the person's own filing service, with
    every rule it checks (duplicates, overlap, validity), filed by the
    hospital (医保发〔2022〕22号 二(二); seed 003). Raises NotAllowed without
    referral rights, PersonNotFound for an unknown person or one insured
    elsewhere (the same answer), DuplicateFiling or ValidationError as a
    person's own filing would."""
    if not client.can_refer:
        raise NotAllowed("no referral rights")
    person = find_person(id_number=referral.id_number, name=referral.name)
    facility = client.facility
    if person.insured_region_id != facility.city_id:
        raise PersonNotFound
    request = FilingRequest(
        category=filing_rules.Category.REFERRAL,
        destination_code=referral.destination_code,
        # A referral filing starts today at the earliest (filings.rules.earliest_start);
        # the day the hospital issued the referral is kept as the referral date.
        start_date=max(referral.referral_date, timezone.localdate()),
        contact_phone=referral.contact_phone or person.mobile or "",
        referring_hospital=facility.name,
        diagnosis=referral.diagnosis,
        referral_date=referral.referral_date,
    )
    return submit_filing(
        person=person,
        request=request,
        by=None,
        role=FiledBy.HOSPITAL,
        token=referral_token(client, referral.token),
    )


@dataclass(frozen=True)
class Registration:
    """An inpatient admission as the hospital registers it."""

    admission_number: str
    id_number: str
    name: str
    day: dt.date
    self_pay_agreement: bool
    self_pay_items: tuple[str, ...] = ()


@transaction.atomic
def register_admission(
    *, client: HospitalClient, registration: Registration
) -> tuple[Admission, Coverage | None]:
    """入院登记 at the client's facility: the coverage answer for that day
    (the admission check) kept with the filing that carries it, and the
    自费项目协议书. Idempotent on the hospital's admission number: a retry
    returns the first record (and no new answer)."""
    person = find_person(id_number=registration.id_number, name=registration.name)
    lock_person(person.id_number)
    earlier = Admission.objects.filter(
        client=client, admission_number=registration.admission_number
    ).first()
    if earlier is not None:
        if earlier.person_id != person.pk or earlier.admitted_on != registration.day:
            raise NumberReused(registration.admission_number)
        return earlier, None
    facility = client.facility
    result = answer(
        Asked(day=registration.day, care=Care.INPATIENT, city=facility.city, facility=facility),
        person=person,
    )
    filing = (
        Filing.objects.filter(person=person, reference=result.filing.reference).first()
        if result.filing is not None
        else None
    )
    admission = Admission(
        person=person,
        insured_region_id=person.insured_region_id,
        client=client,
        facility=facility,
        admission_number=registration.admission_number,
        admitted_on=registration.day,
        filing=filing,
        direct=result.direct,
        self_pay_agreement=registration.self_pay_agreement,
        self_pay_items=list(registration.self_pay_items),
    )
    admission.full_clean()
    admission.save()
    return admission, result
