"""Demo policies for three pooling regions, both schemes, all care types;
demo settlements and manual reimbursements for 张桂兰; bulk settlements for
the agency reports.

The figures are shaped like the published local rules (合肥, 北京, 上海; 2025–26)
but simplified: one deductible per care type, bands on the in-scope cost of one
bill. They are for trying the portal, not official terms. Idempotent: a policy
already there (same key and start date) is left as staff may have edited it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from claims import engine, services
from claims.choices import CareType, CatalogueClass, FacilityLevel, FilingSituation
from claims.models import (
    DocumentKind,
    Policy,
    PolicyBand,
    Reimbursement,
    ReimbursementEvent,
    ReimbursementReason,
    Settlement,
)
from demo.filings import seed_demo_data as seed_filings
from filings.models import Filing, Status
from portal.idnumbers import make_id_number
from portal.models import MemberStatus, Scheme, User

NOTE = "演示数据：参考公开政策整理并作简化，不是官方待遇标准。"
Y2025 = dt.date(2025, 1, 1)
Y2026 = dt.date(2026, 1, 1)

# (up to, 一级 %, 二级 %, 三级 %); None: the top band.
BandRow = tuple[str | None, str, str, str]


def flat(level_1: str, level_2: str, level_3: str) -> tuple[BandRow, ...]:
    """One band for the whole in-scope cost."""
    return ((None, level_1, level_2, level_3),)


@dataclass(frozen=True)
class DemoPolicy:
    region: str
    scheme: str
    member_status: str
    care_type: str
    deductible: str
    annual_cap: str
    bands: tuple[BandRow, ...]
    reductions: tuple[str, str, str]  # referral, emergency, other temporary
    later_admission_deductible: str | None = None
    valid_from: dt.date = Y2026
    valid_until: dt.date | None = None


E, R = Scheme.EMPLOYEE, Scheme.RESIDENT
WORKING, RETIRED = MemberStatus.WORKING, MemberStatus.RETIRED
INPATIENT = CareType.INPATIENT
OUTPATIENT = CareType.GENERAL_OUTPATIENT
CHRONIC = CareType.CHRONIC_OUTPATIENT
HEFEI, BEIJING, SHANGHAI = "340100", "110100", "310100"
HF_CUTS = ("5", "5", "15")
BJ_CUTS = ("0", "0", "10")
SH_CUTS = ("10", "10", "20")

DEMO_POLICIES = [
    # 合肥: the 2025 version of the working employees' inpatient terms, then 2026's.
    DemoPolicy(
        HEFEI, E, WORKING, INPATIENT, "800", "280000",
        (("50000", "88", "86", "83"), (None, "93", "90", "88")),
        HF_CUTS, later_admission_deductible="400",
        valid_from=Y2025, valid_until=dt.date(2025, 12, 31),
    ),
    DemoPolicy(
        HEFEI, E, WORKING, INPATIENT, "700", "300000",
        (("50000", "90", "88", "85"), (None, "95", "92", "90")),
        HF_CUTS, later_admission_deductible="350",
    ),
    DemoPolicy(
        HEFEI, E, RETIRED, INPATIENT, "700", "300000",
        (("50000", "94", "92", "90"), (None, "97", "95", "93")),
        HF_CUTS, later_admission_deductible="350",
    ),
    DemoPolicy(HEFEI, E, WORKING, OUTPATIENT, "700", "2000", flat("60", "55", "50"), HF_CUTS),
    DemoPolicy(HEFEI, E, RETIRED, OUTPATIENT, "500", "3000", flat("70", "65", "60"), HF_CUTS),
    DemoPolicy(HEFEI, E, WORKING, CHRONIC, "600", "40000", flat("85", "80", "75"), HF_CUTS),
    DemoPolicy(HEFEI, E, RETIRED, CHRONIC, "600", "40000", flat("90", "85", "80"), HF_CUTS),
    DemoPolicy(
        HEFEI, R, "", INPATIENT, "800", "250000",
        (("50000", "85", "75", "65"), (None, "90", "80", "70")),
        HF_CUTS, later_admission_deductible="400",
    ),
    DemoPolicy(HEFEI, R, "", OUTPATIENT, "100", "500", flat("60", "55", "50"), HF_CUTS),
    DemoPolicy(HEFEI, R, "", CHRONIC, "800", "20000", flat("70", "65", "60"), HF_CUTS),
    # 北京: 1,300 yuan for the first admission of the year, 650 for later ones.
    DemoPolicy(
        BEIJING, E, WORKING, INPATIENT, "1300", "500000",
        (("30000", "90", "87", "85"), ("40000", "95", "92", "90"), (None, "97", "97", "95")),
        BJ_CUTS, later_admission_deductible="650",
    ),
    DemoPolicy(
        BEIJING, E, RETIRED, INPATIENT, "1300", "500000",
        (
            ("30000", "94", "92.2", "91"),
            ("40000", "97", "95.2", "94"),
            (None, "98.2", "97.6", "97"),
        ),
        BJ_CUTS, later_admission_deductible="650",
    ),
    DemoPolicy(BEIJING, E, WORKING, OUTPATIENT, "1800", "20000", flat("90", "70", "70"), BJ_CUTS),
    DemoPolicy(BEIJING, E, RETIRED, OUTPATIENT, "1300", "20000", flat("90", "85", "85"), BJ_CUTS),
    DemoPolicy(BEIJING, E, WORKING, CHRONIC, "1300", "50000", flat("85", "85", "85"), BJ_CUTS),
    DemoPolicy(BEIJING, E, RETIRED, CHRONIC, "1300", "50000", flat("90", "90", "90"), BJ_CUTS),
    DemoPolicy(BEIJING, R, "", INPATIENT, "1300", "250000", flat("80", "78", "75"), BJ_CUTS),
    DemoPolicy(BEIJING, R, "", OUTPATIENT, "100", "4000", flat("55", "50", "50"), BJ_CUTS),
    DemoPolicy(BEIJING, R, "", CHRONIC, "100", "20000", flat("60", "55", "55"), BJ_CUTS),
    # 上海: no lower deductible for later admissions.
    DemoPolicy(SHANGHAI, E, WORKING, INPATIENT, "1500", "610000", flat("92", "88", "85"), SH_CUTS),
    DemoPolicy(SHANGHAI, E, RETIRED, INPATIENT, "1200", "610000", flat("96", "94", "92"), SH_CUTS),
    DemoPolicy(SHANGHAI, E, WORKING, OUTPATIENT, "1500", "20000", flat("70", "60", "50"), SH_CUTS),
    DemoPolicy(SHANGHAI, E, RETIRED, OUTPATIENT, "700", "20000", flat("85", "80", "75"), SH_CUTS),
    DemoPolicy(SHANGHAI, E, WORKING, CHRONIC, "0", "30000", flat("85", "85", "85"), SH_CUTS),
    DemoPolicy(SHANGHAI, E, RETIRED, CHRONIC, "0", "30000", flat("92", "92", "92"), SH_CUTS),
    DemoPolicy(SHANGHAI, R, "", INPATIENT, "300", "300000", flat("90", "80", "70"), SH_CUTS),
    DemoPolicy(SHANGHAI, R, "", OUTPATIENT, "300", "4000", flat("70", "60", "50"), SH_CUTS),
    DemoPolicy(SHANGHAI, R, "", CHRONIC, "0", "20000", flat("70", "65", "60"), SH_CUTS),
]  # fmt: skip


def previous_year_versions(policies: list[DemoPolicy]) -> list[DemoPolicy]:
    """2025 versions with the 2026 figures, for keys without their own 2025
    version: last year's settlements (the prepayment quota is computed from
    last year's fourth quarter) need a policy in force on their day."""
    own_2025 = {
        (p.region, p.scheme, p.member_status, p.care_type)
        for p in policies
        if p.valid_from == Y2025
    }
    return [
        replace(p, valid_from=Y2025, valid_until=dt.date(2025, 12, 31))
        for p in policies
        if p.valid_from == Y2026
        and (p.region, p.scheme, p.member_status, p.care_type) not in own_2025
    ]


DEMO_POLICIES = [*DEMO_POLICIES, *previous_year_versions(DEMO_POLICIES)]


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@transaction.atomic
def seed_demo_data(stdout: Writer) -> int:
    """Create the demo policies that are not there yet; return how many were created."""
    created = 0
    for demo in DEMO_POLICIES:
        exists = Policy.objects.filter(
            insured_region_id=demo.region,
            scheme=demo.scheme,
            member_status=demo.member_status,
            care_type=demo.care_type,
            valid_from=demo.valid_from,
        ).exists()
        if exists:
            continue
        referral, emergency, other = (Decimal(cut) for cut in demo.reductions)
        policy = Policy(
            insured_region_id=demo.region,
            scheme=demo.scheme,
            member_status=demo.member_status,
            care_type=demo.care_type,
            valid_from=demo.valid_from,
            valid_until=demo.valid_until,
            deductible=Decimal(demo.deductible),
            later_admission_deductible=(
                Decimal(demo.later_admission_deductible)
                if demo.later_admission_deductible is not None
                else None
            ),
            annual_cap=Decimal(demo.annual_cap),
            referral_reduction=referral,
            emergency_reduction=emergency,
            other_temporary_reduction=other,
            note=NOTE,
        )
        policy.full_clean()
        policy.save()
        for up_to, level_1, level_2, level_3 in demo.bands:
            band = PolicyBand(
                policy=policy,
                up_to=Decimal(up_to) if up_to is not None else None,
                ratio_level_1=Decimal(level_1),
                ratio_level_2=Decimal(level_2),
                ratio_level_3=Decimal(level_3),
            )
            band.full_clean()
            band.save()
        created += 1
    stdout.write(
        f"{created} demo settlement policies added ({len(DEMO_POLICIES)} in the demo set)."
    )
    seed_demo_settlements(stdout)
    return created


# --- settlements and manual reimbursements ---------------------------------

RETIREE_MOBILE = "13955100001"
REVIEWER_MOBILE = "13905510003"
ZHONGSHAN = "复旦大学附属中山医院"
SIXTH = "上海市第六人民医院"
RUIJIN = "上海交通大学医学院附属瑞金医院"
FENGLIN = "上海市徐汇区枫林街道社区卫生服务中心"
L1, L3 = FacilityLevel.LEVEL_1, FacilityLevel.LEVEL_3


@dataclass(frozen=True)
class DemoCase:
    """One of 张桂兰's cases in 上海: `when` is a fraction of this year so far
    (or a day of last year's fourth quarter when `last_year`)."""

    key: str
    when: float
    care_type: CareType
    facility: str
    level: FacilityLevel
    stay_days: int
    amounts: tuple[str, str, str]  # 甲, 乙 (10% first self-pay), 丙
    direct: bool = True
    last_year: bool = False


RETIREE_CASES = [
    DemoCase("01", 0.25, INPATIENT, SIXTH, L3, 8, ("12000", "6000", "800"), last_year=True),
    DemoCase("02", 0.6, OUTPATIENT, FENGLIN, L1, 0, ("420", "180", "0"), last_year=True),
    DemoCase("03", 0.15, OUTPATIENT, FENGLIN, L1, 0, ("260", "120", "0")),
    DemoCase("04", 0.3, CHRONIC, ZHONGSHAN, L3, 0, ("880", "380", "0")),  # 高血压, one of the five
    DemoCase("05", 0.45, INPATIENT, ZHONGSHAN, L3, 12, ("28000", "16000", "2800")),  # 髋关节置换
    # The national system was down when she left hospital: she paid in full.
    DemoCase("06", 0.7, INPATIENT, SIXTH, L3, 6, ("9000", "3500", "600"), direct=False),
    DemoCase("07", 0.85, OUTPATIENT, FENGLIN, L1, 0, ("180", "80", "0")),
]


def _this_year_day(today: dt.date, fraction: float) -> dt.date:
    start = dt.date(today.year, 1, 1)
    return start + dt.timedelta(days=int((today - start).days * fraction))


def _last_q4_day(today: dt.date, fraction: float) -> dt.date:
    start = dt.date(today.year - 1, 10, 1)
    return start + dt.timedelta(days=int(91 * fraction))


def _lines(amounts: tuple[str, str, str]) -> list[engine.BillLine]:
    a, b, c = (Decimal(x) for x in amounts)
    lines = [engine.BillLine(a, CatalogueClass.A)]
    if b:
        lines.append(engine.BillLine(b, CatalogueClass.B, Decimal(10)))
    if c:
        lines.append(engine.BillLine(c, CatalogueClass.C))
    return lines


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF that says plainly it is a demo document."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A5, invariant=1)
    page.setFont(font, 16)
    page.drawString(40, 540, title)
    page.setFont(font, 11)
    for i, text in enumerate(["演示数据，不是真实票据。", *lines]):
        page.drawString(40, 510 - 20 * i, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


@transaction.atomic
def seed_demo_settlements(stdout: Writer) -> None:
    """张桂兰's settlements and claims, and bulk settlements for the reports.
    Idempotent: what is there already is left alone."""
    retiree = User.objects.filter(mobile=RETIREE_MOBILE).first()
    if retiree is not None:
        # Her long-term filing to 上海 decides how her cases were settled.
        seed_filings(io.StringIO())
        _retiree_settlements(retiree)
        _retiree_claims(retiree)
    added = seed_bulk_demo_settlements()
    stdout.write(
        f"Settlements: {Settlement.objects.count()} in all ({added} demo records added); "
        f"manual reimbursements: {Reimbursement.objects.count()}."
    )


def _retiree_settlements(retiree: User) -> None:
    today = timezone.localdate()
    member = services.Member.of(retiree)
    for case in sorted(
        RETIREE_CASES,
        key=lambda c: _last_q4_day(today, c.when) if c.last_year else _this_year_day(today, c.when),
    ):
        number = f"DEMO-ZGL-{case.key}"
        if Settlement.objects.filter(number=number).exists():
            continue
        day = _last_q4_day(today, case.when) if case.last_year else _this_year_day(today, case.when)
        services.record_settlement(
            number=number,
            member=member,
            visit=services.Visit(
                city_code=SHANGHAI,
                facility_name=case.facility,
                facility_level=case.level,
                care_type=case.care_type,
                admission_date=day - dt.timedelta(days=case.stay_days),
                discharge_date=day,
            ),
            lines=_lines(case.amounts),
            direct=None if case.direct else False,
        )


def _demo_documents(retiree: User, token: uuid.UUID, facility: str, total: str) -> None:
    for kind, title, name in (
        (DocumentKind.INVOICE, "医疗收费票据（演示）", "invoice.pdf"),
        (DocumentKind.ITEMISED_BILL, "住院费用明细清单（演示）", "itemised-bill.pdf"),
    ):
        content = demo_pdf(title, [f"医院：{facility}", f"金额合计：{total} 元"])
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        services.store_upload(
            owner=retiree,
            token=token,
            kind=kind,
            upload=upload,
            content_type="application/pdf",
        )


def _retiree_claims(retiree: User) -> None:
    if Reimbursement.objects.filter(person=retiree).exists():
        return
    reviewer = (
        User.objects.filter(mobile=REVIEWER_MOBILE).first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    self_paid = Settlement.objects.filter(number="DEMO-ZGL-06").first()
    bank = ("中国工商银行上海分行", "6222021001122334458")
    if self_paid is not None:
        # The stay she paid in full when the system was down: claimed, approved, paid.
        token = uuid.uuid5(uuid.NAMESPACE_URL, "demo:zgl:06")
        _demo_documents(retiree, token, self_paid.facility_name, f"{self_paid.total}")
        lines = _lines(RETIREE_CASES[5].amounts)
        claim = services.Claim(
            visit=services.Visit(
                city_code=self_paid.treatment_city_id,
                facility_name=self_paid.facility_name,
                facility_level=FacilityLevel(self_paid.facility_level),
                care_type=CareType(self_paid.care_type),
                admission_date=self_paid.admission_date,
                discharge_date=self_paid.discharge_date,
            ),
            reason=ReimbursementReason.SYSTEM_FAILURE,
            note="出院那天医院说全国结算系统故障，只能先全部自己付。",
            lines=tuple(lines),
            bank_name=bank[0],
            bank_account=bank[1],
            settlement=self_paid,
        )
        paid = services.submit_reimbursement(person=retiree, token=token, claim=claim)
        if reviewer is not None:
            services.start_review(paid, by=reviewer)
            services.approve(paid, by=reviewer, note="材料齐全。")
            services.mark_paid(paid, by=reviewer, note="银行代发，流水号 DEMO20260001。")
        _backdate(paid, [3, 4, 9, 14])
    # A chronic disease outside the five (帕金森病): paid in full, waiting for review.
    token = uuid.uuid5(uuid.NAMESPACE_URL, "demo:zgl:chronic")
    day = _this_year_day(timezone.localdate(), 0.92)
    _demo_documents(retiree, token, RUIJIN, "2180.00")
    waiting = services.submit_reimbursement(
        person=retiree,
        token=token,
        claim=services.Claim(
            visit=services.Visit(
                city_code=SHANGHAI,
                facility_name=RUIJIN,
                facility_level=L3,
                care_type=CHRONIC,
                admission_date=day,
                discharge_date=day,
            ),
            reason=ReimbursementReason.CHRONIC_NOT_LISTED,
            note="帕金森病，门诊取药。",
            lines=tuple(_lines(("1400", "700", "80"))),
            bank_name=bank[0],
            bank_account=bank[1],
        ),
    )
    _backdate(waiting, [2])


def _backdate(reimbursement: Reimbursement, days: list[int]) -> None:
    """Spread a demo claim's history over the days after discharge (never
    later than now): submitted, then each later status change."""
    start = timezone.make_aware(dt.datetime.combine(reimbursement.discharge_date, dt.time(10, 0)))
    now = timezone.now()
    times = [min(now, start + dt.timedelta(days=d, minutes=7 * i)) for i, d in enumerate(days)]
    reimbursement.refresh_from_db()  # the services moved it on through fresh rows
    events = list(reimbursement.events.order_by("pk"))
    for event, at in zip(events, times, strict=False):
        ReimbursementEvent.objects.filter(pk=event.pk).update(at=at)
    fields: dict[str, Any] = {"submitted_at": times[0]}
    if reimbursement.decided_at is not None and len(times) > 2:
        fields["decided_at"] = times[2]
    if reimbursement.paid_at is not None and len(times) > 3:
        fields["paid_at"] = times[3]
    Reimbursement.objects.filter(pk=reimbursement.pk).update(**fields)


# --- bulk settlements for the reports ---------------------------------------

BULK_PREFIX = "DEMO-B-"
# Where people insured in each demo region are treated (top inflow: 上海,
# 北京, 江苏, 广东, 四川; domain.md), with weights.
DESTINATIONS = {
    HEFEI: [("310100", 45), ("320100", 18), ("320500", 10), ("330100", 10), ("110100", 10), ("440100", 4), ("510100", 3)],  # noqa: E501
    BEIJING: [("310100", 30), ("440300", 20), ("510100", 15), ("120100", 15), ("130600", 10), ("340100", 10)],  # noqa: E501
    SHANGHAI: [("110100", 30), ("330100", 25), ("320500", 20), ("340100", 15), ("440100", 10)],
}  # fmt: skip
INSURED_MIX = [(HEFEI, 70), (BEIJING, 15), (SHANGHAI, 15)]
# 2017 settled cases by category (domain.md), as filing situations.
SITUATION_MIX = [
    (FilingSituation.LONG_TERM, 50.1),
    (FilingSituation.REFERRAL, 49.1),
    (FilingSituation.EMERGENCY, 0.8),
]
CARE_MIX = [(INPATIENT, 45), (OUTPATIENT, 40), (CHRONIC, 15)]
FACILITIES = {
    L3: "三级医院",
    FacilityLevel.LEVEL_2: "二级医院",
    L1: "社区卫生服务中心",
}


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _bulk_amounts(rng: random.Random, care_type: str) -> tuple[str, str, str]:
    medians: dict[str, int] = {INPATIENT: 16000, OUTPATIENT: 320, CHRONIC: 1500}
    median = medians[care_type]
    total = Decimal(median * rng.lognormvariate(0, 0.55)).quantize(Decimal(1))
    a = (total * Decimal("0.6")).quantize(Decimal(1))
    b = (total * Decimal("0.3")).quantize(Decimal(1))
    c = max(Decimal(0), total - a - b)
    return str(a), str(b), str(c)


class _Terms:
    """Policies looked up once per key (a few dozen queries for the whole run)."""

    def __init__(self) -> None:
        self.found: dict[
            tuple[str, str, str, str, int], tuple[Policy, engine.PolicyTerms] | None
        ] = {}

    def get(self, member: services.Member, care_type: str, day: dt.date) -> Any:
        key = (member.insured_region_id, member.scheme, member.member_status, care_type, day.year)
        if key not in self.found:
            policy = services.policy_for(
                insured_region_id=member.insured_region_id,
                scheme=member.scheme,
                member_status=member.member_status,
                care_type=care_type,
                on=day,
            )
            self.found[key] = (policy, policy.terms()) if policy is not None else None
        return self.found[key]


def seed_bulk_demo_settlements(*, per_month: int = 60, seed: int = 2026) -> int:
    """Settlements of synthetic people (no portal accounts) from last October
    to today, settled by the engine, for realistic report figures. Added once:
    the whole set is skipped when it is there."""
    if Settlement.objects.filter(number__startswith=BULK_PREFIX).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    today = timezone.localdate()
    start = dt.date(today.year - 1, 10, 1)
    months = (today.year - start.year) * 12 + today.month - start.month + 1
    count = per_month * months
    people = []
    for i in range(max(1, count // 2)):
        region = _pick(rng, INSURED_MIX)
        scheme = Scheme.EMPLOYEE if rng.random() < 0.8 else Scheme.RESIDENT
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
        status = ""
        if scheme == Scheme.EMPLOYEE:
            status = MemberStatus.RETIRED if born.year < 1966 else MemberStatus.WORKING
        people.append(
            services.Member(
                id_number=make_id_number(region[:4] + "02", born, 500 + i % 500),
                name=f"演示参保人{i:05d}",
                insured_region_id=region,
                scheme=scheme,
                member_status=status,
            )
        )
    days = (today - start).days + 1
    visits = sorted(
        (start + dt.timedelta(days=rng.randrange(days)), rng.randrange(len(people)))
        for _ in range(count)
    )
    terms = _Terms()
    used: dict[tuple[str, int, str], engine.YearToDate] = {}
    batch = []
    for index, (day, who) in enumerate(visits):
        member = people[who]
        care_type = _pick(rng, CARE_MIX)
        found = terms.get(member, care_type, day)
        if found is None:
            continue
        policy, policy_terms = found
        level = _pick(rng, [(L3, 60), (FacilityLevel.LEVEL_2, 30), (L1, 10)])
        if care_type == OUTPATIENT:
            level = _pick(rng, [(L1, 60), (FacilityLevel.LEVEL_2, 30), (L3, 10)])
        situation = _pick(rng, SITUATION_MIX)
        direct = True
        # The inpatient direct-settlement rate hovers around the 70% target.
        if care_type == INPATIENT and rng.random() > 0.75 + 0.06 * math.sin(day.month * 1.3):
            direct = False
            if rng.random() < 0.8:
                situation = FilingSituation.NONE  # never filed
        city = _pick(rng, DESTINATIONS[member.insured_region_id])
        stay = rng.randrange(3, 15) if care_type == INPATIENT else 0
        key = (member.id_number, day.year, care_type)
        year = used.get(key, engine.YearToDate())
        settlement = services.build_settlement(
            number=f"{BULK_PREFIX}{index:06d}",
            member=member,
            visit=services.Visit(
                city_code=city,
                facility_name=f"{FACILITY_CITY_NAMES.get(city, '')}{FACILITIES[level]}",
                facility_level=level,
                care_type=care_type,
                admission_date=day - dt.timedelta(days=stay),
                discharge_date=day,
            ),
            situation=situation,
            direct=direct,
            lines=_lines(_bulk_amounts(rng, care_type)),
            terms=policy_terms,
            policy=policy,
            year=year,
        )
        used[key] = engine.YearToDate(
            deductible_met=year.deductible_met + settlement.deductible,
            fund_paid=year.fund_paid + settlement.fund,
            admissions=year.admissions + (1 if care_type == INPATIENT else 0),
        )
        batch.append(settlement)
    Settlement.objects.bulk_create(batch, batch_size=2000)
    return len(batch)


FACILITY_CITY_NAMES = {
    "310100": "上海市某",
    "320100": "南京市某",
    "320500": "苏州市某",
    "330100": "杭州市某",
    "110100": "北京市某",
    "440100": "广州市某",
    "440300": "深圳市某",
    "510100": "成都市某",
    "120100": "天津市某",
    "130600": "保定市某",
    "340100": "合肥市某",
}


def seed_bulk_settlements(people: list[User], *, seed: int = 2017) -> int:
    """One settlement for each of `people` (bulk accounts from seed_demo
    --scale) who has an effective filing and none yet: treated in the filing's
    city on a day inside its validity, settled by the engine. People insured
    where no demo policy exists are skipped."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    today = timezone.localdate()
    taken = set(Settlement.objects.filter(person__in=people).values_list("person_id", flat=True))
    filings = {
        f.person_id: f
        for f in Filing.objects.filter(
            person__in=[p for p in people if p.pk not in taken], status=Status.EFFECTIVE
        ).order_by("start_date")
    }
    terms = _Terms()
    batch = []
    for person in people:
        filing = filings.get(person.pk)
        if filing is None or filing.start_date > today:
            continue
        last = min(today, filing.last_day or today)
        day = filing.start_date + dt.timedelta(
            days=rng.randrange((last - filing.start_date).days + 1)
        )
        member = services.Member.of(person)
        care_type = _pick(rng, CARE_MIX)
        found = terms.get(member, care_type, day)
        if found is None:
            continue
        policy, policy_terms = found
        stay = rng.randrange(3, 15) if care_type == INPATIENT else 0
        batch.append(
            services.build_settlement(
                number=f"DEMO-S-{person.pk:09d}",
                member=member,
                visit=services.Visit(
                    city_code=filing.destination_id,
                    facility_name=f"{FACILITY_CITY_NAMES.get(filing.destination_id, '')}三级医院",
                    facility_level=L3,
                    care_type=care_type,
                    admission_date=max(filing.start_date, day - dt.timedelta(days=stay)),
                    discharge_date=day,
                ),
                situation=services.situation_for(filing.category),
                direct=True,
                lines=_lines(_bulk_amounts(rng, care_type)),
                terms=policy_terms,
                policy=policy,
                year=engine.YearToDate(),
            )
        )
    Settlement.objects.bulk_create(batch, batch_size=2000, ignore_conflicts=True)
    return len(batch)
