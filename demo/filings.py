"""Demo filings: the named demo people's own cases, a review queue for the
合肥 reviewer, and (with --scale) filings in the 2017 mix of categories
between the top outflow and inflow provinces (domain.md)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from filings import rules
from filings.models import (
    Channel,
    DocumentKind,
    EventAction,
    FiledBy,
    Filing,
    FilingDocument,
    FilingEvent,
    FilingSettings,
    Status,
)
from filings.services import next_reference
from portal.bulk import copy_instances
from portal.idnumbers import make_id_number
from portal.models import MemberStatus, Scheme, User

# 2017 settled cases: resettled retirees 39%, long-term residents 10.3%,
# posted workers and emergencies 1.6% (split evenly here), referrals 49.1%.
CATEGORY_MIX = [
    (rules.Category.RETIRED_RESETTLEMENT, 39.0),
    (rules.Category.LONG_TERM_RESIDENCE, 10.3),
    (rules.Category.POSTED_WORK, 0.8),
    (rules.Category.EMERGENCY, 0.8),
    (rules.Category.REFERRAL, 49.1),
]
# Top inflow provinces: 上海, 北京, 江苏, 广东, 四川 (their main cities).
INFLOW_CITIES = ["310100", "110100", "320100", "320500", "440100", "440300", "510100"]

QUEUE = [
    # (name, category, destination, hours waiting)
    ("陈秀英", rules.Category.RETIRED_RESETTLEMENT, "310100", 2),
    ("刘建国", rules.Category.REFERRAL, "110100", 5),
    ("杨丽", rules.Category.OTHER_TEMPORARY, "320100", 30),
    ("黄志强", rules.Category.POSTED_WORK, "440300", 52),
    ("周玉梅", rules.Category.LONG_TERM_RESIDENCE, "510100", 80),
    ("吴海涛", rules.Category.REFERRAL, "310100", 1),
]


def seed_demo_data(stdout: Any) -> None:
    with transaction.atomic():
        _settings()
        reviewer = User.objects.filter(mobile="13905510003").first()
        if reviewer is not None:
            reviewer.groups.add(Group.objects.get(name="审核员"))
        retiree = User.objects.filter(mobile="13955100001").first()
        if retiree is not None and not Filing.objects.filter(person=retiree).exists():
            _retiree_history(retiree)
        if not Filing.objects.filter(person__mobile__startswith="1365510").exists():
            _review_queue()
    stdout.write(f"Filings: {Filing.objects.count()} in all.")


def _settings() -> None:
    # 合肥 reviews online filings (a queue for the demo reviewer) and locks
    # long-term filings for three months; 上海 approves at once.
    FilingSettings.objects.update_or_create(
        region_id="340100",
        defaults={"online_effective_at_once": False, "change_lock_months": 3},
    )
    FilingSettings.objects.update_or_create(
        region_id="310100", defaults={"online_effective_at_once": True}
    )


def _make(person: User, **fields: Any) -> Filing:
    today = timezone.localdate()
    category = fields["category"]
    start = fields.pop("start_date")
    filing = Filing(
        reference=next_reference(person.insured_region_id or "", today),
        person=person,
        person_id_number=person.id_number,
        person_name=person.full_name,
        insured_region_id=person.insured_region_id,
        group=rules.group_of(category),
        start_date=start,
        end_date=rules.valid_until(category, start, rules.RegionRules()),
        contact_phone=person.mobile or "",
        **fields,
    )
    filing.save()
    FilingEvent.objects.create(
        filing=filing,
        at=filing.submitted_at,
        action=EventAction.SUBMITTED,
        actor=filing.filed_by,
        actor_role=filing.filed_by_role,
        to_status=Status.SUBMITTED,
    )
    if filing.status != Status.SUBMITTED:
        FilingEvent.objects.create(
            filing=filing,
            at=filing.decided_at or filing.submitted_at,
            action=EventAction.APPROVED,
            from_status=Status.SUBMITTED,
            to_status=Status.EFFECTIVE,
            note="参保地设定线上备案即时生效。",
        )
    return filing


def _retiree_history(retiree: User) -> None:
    today = timezone.localdate()
    long_ago = timezone.now() - dt.timedelta(days=600)
    # An old temporary filing to 南京, long expired.
    _make(
        retiree,
        category=rules.Category.OTHER_TEMPORARY,
        destination_id="320100",
        start_date=today - dt.timedelta(days=800),
        channel=Channel.SELF_SERVICE,
        filed_by_role=FiledBy.SELF,
        filed_by=retiree,
        status=Status.EFFECTIVE,
        submitted_at=timezone.now() - dt.timedelta(days=800),
        decided_at=timezone.now() - dt.timedelta(days=800),
    )
    # Her current long-term filing to 上海, made when she moved.
    _make(
        retiree,
        category=rules.Category.RETIRED_RESETTLEMENT,
        destination_id="310100",
        start_date=timezone.localdate(long_ago),
        channel=Channel.QUICK,
        filed_by_role=FiledBy.SELF,
        filed_by=retiree,
        status=Status.EFFECTIVE,
        submitted_at=long_ago,
        decided_at=long_ago,
    )


# A 1×1 PNG: the demo's uploaded residence permit.
PERMIT_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63fccfc0500f000485018084a98c210000000049454e44ae426082"
)


def _materials_to_review() -> None:
    """A long-term filing made on a personal commitment (个人承诺制) whose
    materials were uploaded later: the reviewer finds it under 材料待审."""
    person = User(
        id_number=make_id_number("340102", dt.date(1956, 8, 21), 260),
        full_name="赵桂芝",
        mobile="13655100090",
        insured_region_id="340100",
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.RETIRED,
    )
    person.set_unusable_password()
    person.save()
    filed = timezone.now() - dt.timedelta(days=40)
    filing = _make(
        person,
        category=rules.Category.RETIRED_RESETTLEMENT,
        destination_id="310100",
        start_date=timezone.localdate(filed),
        channel=Channel.QUICK,
        filed_by_role=FiledBy.SELF,
        filed_by=person,
        status=Status.EFFECTIVE,
        submitted_at=filed,
        decided_at=filed,
        commitment=True,
        materials_due=rules.add_months(timezone.localdate(filed), 6),
    )
    document = FilingDocument(
        filing=filing,
        kind=DocumentKind.RESIDENCE_PERMIT,
        original_name="居住证.png",
        content_type="image/png",
        size=len(PERMIT_PNG),
        uploaded_by=person,
    )
    document.file.save("permit.png", ContentFile(PERMIT_PNG), save=True)
    FilingEvent.objects.create(
        filing=filing,
        action=EventAction.MATERIALS_SUBMITTED,
        actor=person,
        actor_role=FiledBy.SELF,
        note=document.original_name,
    )


def _review_queue() -> None:
    today = timezone.localdate()
    _materials_to_review()
    for i, (name, category, destination, hours) in enumerate(QUEUE):
        person = User(
            id_number=make_id_number("340102", dt.date(1950 + i * 5, 3, 10 + i), 200 + i * 2),
            full_name=name,
            mobile=f"1365510{i:04d}",
            insured_region_id="340100",
            scheme=Scheme.EMPLOYEE,
            member_status=MemberStatus.RETIRED
            if category == rules.Category.RETIRED_RESETTLEMENT
            else MemberStatus.WORKING,
        )
        person.set_unusable_password()
        person.save()
        extra: dict[str, Any] = {}
        if category == rules.Category.REFERRAL:
            extra = {
                "referring_hospital": "安徽医科大学第一附属医院",
                "diagnosis": "肺部占位性病变",
                "referral_date": today - dt.timedelta(days=1),
            }
        _make(
            person,
            category=category,
            destination_id=destination,
            start_date=today,
            channel=Channel.QUICK,
            filed_by_role=FiledBy.SELF,
            filed_by=person,
            status=Status.SUBMITTED,
            submitted_at=timezone.now() - dt.timedelta(hours=hours),
            **extra,
        )


def seed_bulk_filings(people: list[User], *, seed: int = 2022) -> int:
    """One filing for each person without one, in the 2017 category mix."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    taken = set(Filing.objects.filter(person__in=people).values_list("person_id", flat=True))
    people = [p for p in people if p.pk not in taken]
    if not people:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval('filings_reference_seq') FROM generate_series(1, %s)", [len(people)]
        )
        numbers = [row[0] for row in cursor.fetchall()]
    categories = [c for c, _ in CATEGORY_MIX]
    weights = [w for _, w in CATEGORY_MIX]
    today = timezone.localdate()
    now = timezone.now()
    batch = []
    for person, number in zip(people, numbers, strict=True):
        category = rng.choices(categories, weights)[0]
        province = (person.insured_region_id or "")[:2]
        destination = rng.choice([c for c in INFLOW_CITIES if c[:2] != province])
        start = today - dt.timedelta(days=rng.randrange(0, 900))
        submitted = now - dt.timedelta(days=(today - start).days, hours=rng.randrange(0, 24))
        status = Status.SUBMITTED if rng.random() < 0.03 else Status.EFFECTIVE
        extra: dict[str, Any] = {}
        if category == rules.Category.REFERRAL:
            extra = {
                "referring_hospital": "参保地定点医院",
                "diagnosis": "待查",
                "referral_date": start,
            }
        elif category == rules.Category.EMERGENCY:
            extra = {"treating_hospital": "就医地医院", "admission_date": start}
        batch.append(
            Filing(
                reference=f"BA{person.insured_region_id}{start:%Y%m%d}{number:06d}",
                person=person,
                person_id_number=person.id_number,
                person_name=person.full_name,
                insured_region_id=person.insured_region_id,
                category=category,
                group=rules.group_of(category),
                destination_id=destination,
                start_date=start,
                end_date=rules.valid_until(category, start, rules.RegionRules()),
                channel=rng.choice(
                    [Channel.QUICK, Channel.QUICK, Channel.SELF_SERVICE, Channel.LOCAL]
                ),
                filed_by_role=FiledBy.SELF,
                filed_by=person,
                status=status,
                contact_phone=person.mobile or "",
                submitted_at=submitted,
                decided_at=None if status == Status.SUBMITTED else submitted,
                **extra,
            )
        )
    return copy_instances(Filing, batch)
