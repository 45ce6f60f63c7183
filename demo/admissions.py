"""Demo: two real hospitals as clients of the hospitals' API. 复旦大学附属
中山医院 in 上海 (where 张桂兰 lives) settles stays; 安徽医科大学第一附属医院
in 合肥 (her insured place) holds referral rights. Names and places are real;
the facility codes are placeholders, marked as such (DEMO in the code), not
the hospitals' national codes. Each run gives each client a new secret and
prints it: the portal keeps only hashes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from admissions.models import HospitalClient
from facilities.models import Facility, FacilityKind, Grade, Service, Tier


@dataclass(frozen=True)
class DemoHospital:
    code: str  # placeholder, not the national code
    name: str
    aliases: tuple[str, ...]
    province: str
    city: str
    county: str
    address: str
    latitude: float
    longitude: float
    can_refer: bool


DEMO_HOSPITALS = (
    DemoHospital(
        code="SHDEMO0001",
        name="复旦大学附属中山医院",
        aliases=("中山医院",),
        province="310000",
        city="310100",
        county="徐汇区",
        address="上海市徐汇区枫林路180号",
        latitude=31.1976,
        longitude=121.4535,
        can_refer=False,
    ),
    DemoHospital(
        code="AHDEMO0001",
        name="安徽医科大学第一附属医院",
        aliases=("安医附院", "安医大一附院"),
        province="340000",
        city="340100",
        county="蜀山区",
        address="安徽省合肥市蜀山区绩溪路218号",
        latitude=31.8434,
        longitude=117.2630,
        can_refer=True,
    ),
)


def _facility(hospital: DemoHospital) -> Facility:
    facility = Facility.objects.filter(code=hospital.code).first()
    if facility is not None:
        return facility
    facility = Facility(
        code=hospital.code,
        name=hospital.name,
        aliases=list(hospital.aliases),
        province_id=hospital.province,
        city_id=hospital.city,
        county=hospital.county,
        address=hospital.address,
        latitude=hospital.latitude,
        longitude=hospital.longitude,
        kind=FacilityKind.GENERAL,
        tier=Tier.THIRD,
        grade=Grade.A,
        services=[s.value for s in Service],
        active_from=dt.date(2018, 1, 1),
    )
    facility.index_names()
    facility.full_clean()
    facility.save()
    return facility


def seed_hospital_clients(stdout: Any) -> None:
    """The two hospitals and their API clients; prints each credential."""
    stdout.write("")
    stdout.write("Hospital API clients (http://127.0.0.1:8000/api/docs), new secrets this run:")
    for hospital in DEMO_HOSPITALS:
        facility = _facility(hospital)
        client = HospitalClient.objects.filter(facility=facility, name="演示客户端").first()
        if client is None:
            client = HospitalClient(
                facility=facility, name="演示客户端", can_refer=hospital.can_refer
            )
            credential = client.new_secret()
            client.full_clean()
            client.save()
        else:
            credential = client.rotate()
        rights = "，有转诊权" if hospital.can_refer else ""
        stdout.write(f"  {hospital.name}（编码 {hospital.code} 为占位{rights}）")
        stdout.write(f"    Authorization: Bearer {credential}")
