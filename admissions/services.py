"""Gather the facts the coverage rule (filings.coverage) needs from the
database: the person's filings and qualifications, the facility's network,
downtime notices, the insured place's ratio for temporary filers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from chronic.models import ChronicDisease, Qualification
from claims import services as claim_services
from facilities.models import Facility
from filings.coverage import Care, Chronic, Coverage, FilingFacts, Place, Question, coverage
from filings.models import Filing
from notices.models import AffectedPage, DowntimeNotice
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
    )
    return coverage(question)


def _insured_province(person: User | None) -> str:
    if person is None or not person.insured_region_id:
        return ""
    return f"{person.insured_region_id[:2]}0000"


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
