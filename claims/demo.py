"""Demo policies for three pooling regions, both schemes, all care types.

The figures are shaped like the published local rules (合肥, 北京, 上海; 2025–26)
but simplified: one deductible per care type, bands on the in-scope cost of one
bill. They are for trying the portal, not official terms. Idempotent: a policy
already there (same key and start date) is left as staff may have edited it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import transaction

from claims.choices import CareType
from claims.models import Policy, PolicyBand
from portal.models import MemberStatus, Scheme

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
    return created
