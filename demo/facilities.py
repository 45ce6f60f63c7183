"""Demo data for facilities, chronic diseases, hotlines and downtime notices;
called by `manage.py seed_demo`. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from demo.synthetic_facilities import generate_facilities
from facilities.importing import import_facilities, read_table
from facilities.models import Facility, Service
from portal.models import InsuranceRegion, User

# The real Beijing sample list stays with the importer whose format it shows.
BEIJING_CSV = Path(__file__).resolve().parents[1] / "facilities/data/beijing_facilities.csv"
DEMO_SYNTHETIC = 1500
# Earlier demo seeds wrote marked numbers into four regions; every region now
# has its number from portal/data/hotlines.csv, so a seed clears them.
DEMO_HOTLINE_MARK = "（演示）"
DEMO_NOTICE = (
    "国家异地就医结算系统升级维护。维护期间暂停办理跨省异地就医备案，"
    "定点机构查询可能无法使用，跨省直接结算暂停。急需出院结算的，可以先全额付费，"
    "回参保地手工报销。"
)
DEMO_NOTICE_EN = (
    "The national cross-province settlement system is being upgraded. Meanwhile "
    "cross-province filings cannot be made, the hospital and pharmacy lookup may "
    "not work, and direct settlement across provinces is suspended. If you must "
    "settle a bill on discharge, pay in full and claim manual reimbursement from "
    "your insured place."
)


def seed_demo_data(stdout: Any) -> None:
    with BEIJING_CSV.open("rb") as stream:
        report = import_facilities(read_table(stream, BEIJING_CSV.name))
    stdout.write(f"Beijing facilities: {report.summary()}")
    synthetic = Facility.objects.filter(is_synthetic=True).count()
    if synthetic < DEMO_SYNTHETIC:
        added = generate_facilities(count=DEMO_SYNTHETIC - synthetic)
        stdout.write(f"{added} synthetic facilities added (marked 演示数据).")
    with transaction.atomic():
        _seed_hotlines()
        _seed_downtime_notice()
        _seed_qualification()


def _seed_hotlines() -> None:
    InsuranceRegion.objects.filter(hotline__endswith=DEMO_HOTLINE_MARK).update(hotline="")


def _seed_downtime_notice() -> None:
    from notices.models import AffectedPage, DowntimeNotice

    now = timezone.now()
    existing = DowntimeNotice.objects.showing(now).filter(message=DEMO_NOTICE)
    if existing.exists():
        existing.filter(message_en="").update(message_en=DEMO_NOTICE_EN)
        return
    # Next Saturday 22:00 to Sunday 06:00, local time.
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    starts = timezone.make_aware(dt.datetime.combine(saturday, dt.time(22)))
    DowntimeNotice.objects.create(
        region=None,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=8),
        message=DEMO_NOTICE,
        message_en=DEMO_NOTICE_EN,
        pages=[AffectedPage.FILING, AffectedPage.LOOKUP, AffectedPage.SETTLEMENT],
    )


def _seed_qualification() -> None:
    """张桂兰 (insured in 合肥, living in 上海): recognised for 高血压, with a
    Shanghai facility networked for it as her designated facility."""
    from chronic.models import ChronicDisease, Qualification

    person = User.objects.filter(mobile="13955100001").first()
    disease = ChronicDisease.objects.filter(code="hypertension").first()
    if person is None or disease is None or person.insured_region_id is None:
        return
    qualification, created = Qualification.objects.get_or_create(
        person=person,
        disease=disease,
        defaults={
            "insured_region_id": person.insured_region_id,
            "recognised_on": dt.date(2025, 3, 1),
            "note": "演示数据",
        },
    )
    if created:
        facility = (
            Facility.objects.active()
            .offering(Service.HYPERTENSION)
            .filter(city_id="310100", tier__gte=2)
            .order_by("code")
            .first()
        )
        if facility is not None:
            qualification.designated_facilities.add(facility)
