"""Realistic synthetic facility directories at any size, for benchmarks and
demos. Every row is marked `is_synthetic` (shown as 演示数据) and has a code
starting with X (XH… institutions, XP… pharmacies), which no real code does,
so a real import never updates a synthetic row."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from facilities import postings, search
from facilities.models import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    Facility,
    FacilityKind,
    Grade,
    Service,
    Tier,
    level_values,
)
from portal.bulk import copy_rows
from portal.models import Region

# Kinds in roughly the proportions of a real directory: mostly pharmacies
# and primary care, fewer hospitals.
KIND_WEIGHTS = {
    FacilityKind.PHARMACY: 38,
    FacilityKind.PRIMARY: 36,
    FacilityKind.GENERAL: 15,
    FacilityKind.TCM: 6,
    FacilityKind.SPECIALIST: 5,
}
# Top inflow provinces (domain.md, 2017): more networked facilities there.
BUSY_PROVINCES = {"310000": 3, "110000": 3, "320000": 2, "440000": 2, "510000": 2}
DISTRICTS = [
    "东城",
    "西城",
    "南湖",
    "北湖",
    "新华",
    "城关",
    "高新",
    "经开",
    "江北",
    "江南",
    "河西",
    "河东",
    "开发",
    "滨湖",
    "青山",
    "金水",
    "天河",
    "鼓楼",
    "龙华",
    "长安",
    "望城",
    "双流",
    "雨花",
    "和平",
    "新城",
    "老城",
    "临江",
    "白云",
    "红旗",
    "光明",
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "长江路",
    "黄河路",
    "朝阳路",
    "胜利路",
    "青年路",
    "健康路",
    "幸福路",
    "光华路",
    "学府路",
    "育才路",
    "滨江路",
    "东风路",
    "金山路",
]
TOWNS = [
    "城关",
    "新集",
    "大桥",
    "石桥",
    "李庄",
    "王集",
    "张店",
    "柳河",
    "白沙",
    "桃源",
    "龙泉",
    "三河",
    "五里",
    "马坡",
    "杨柳",
    "金桥",
    "高庄",
    "双河",
    "青龙",
    "清水",
]
BRANDS = [
    "康民",
    "仁和",
    "百姓",
    "惠民",
    "济生",
    "同心",
    "安康",
    "福寿",
    "益寿",
    "德仁",
    "广济",
    "保和",
    "健民",
    "永安",
    "春晖",
]
SPECIALTIES = [
    "妇幼保健院",
    "儿童医院",
    "肿瘤医院",
    "口腔医院",
    "眼科医院",
    "精神卫生中心",
    "传染病医院",
    "心血管病医院",
    "骨科医院",
    "康复医院",
]
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
SUFFIXES = ("特别行政区", "自治州", "地区", "盟", "市")


@dataclass(frozen=True)
class City:
    code: str
    province: str
    short: str
    latitude: float | None
    longitude: float | None
    weight: int


def _short_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name.removesuffix(suffix)
            break
    return name[:4] if len(name) > 4 else name


def load_cities() -> list[City]:
    cities = []
    for region in Region.objects.destinations().order_by("code"):
        province = region.parent_id or ""
        weight = BUSY_PROVINCES.get(province, 1) * (3 if region.is_municipality else 1)
        cities.append(
            City(
                region.code,
                province,
                _short_name(region.name),
                float(region.latitude) if region.latitude is not None else None,
                float(region.longitude) if region.longitude is not None else None,
                weight,
            )
        )
    return cities


def _level(rng: random.Random, kind: str) -> tuple[int, int]:
    if kind == FacilityKind.PHARMACY:
        return Tier.NONE, Grade.NONE
    if kind == FacilityKind.PRIMARY:
        return (
            (Tier.FIRST, rng.choice([Grade.A, Grade.B, Grade.NONE]))
            if rng.random() < 0.6
            else (Tier.NONE, Grade.NONE)
        )
    tier = rng.choices([Tier.THIRD, Tier.SECOND, Tier.FIRST, Tier.NONE], [22, 50, 20, 8])[0]
    if tier == Tier.NONE:
        return tier, Grade.NONE
    return tier, rng.choices([Grade.A, Grade.B, Grade.C, Grade.NONE], [55, 30, 5, 10])[0]


def _services(rng: random.Random, kind: str, tier: int) -> list[str]:
    chance: dict[str, float]
    if kind == FacilityKind.PHARMACY:
        chance = {Service.OUTPATIENT: 0.85, Service.HYPERTENSION: 0.2, Service.DIABETES: 0.2}
    elif kind == FacilityKind.PRIMARY:
        chance = {
            Service.OUTPATIENT: 0.92,
            Service.INPATIENT: 0.3,
            Service.HYPERTENSION: 0.55,
            Service.DIABETES: 0.5,
        }
    else:
        big = tier >= Tier.SECOND
        chance = {
            Service.INPATIENT: 0.97 if tier else 0.4,
            Service.OUTPATIENT: 0.97,
            Service.HYPERTENSION: 0.8 if big else 0.4,
            Service.DIABETES: 0.75 if big else 0.35,
            Service.CANCER: 0.6 if tier == Tier.THIRD else (0.15 if big else 0.0),
            Service.DIALYSIS: 0.5 if tier == Tier.THIRD else (0.2 if big else 0.0),
            Service.TRANSPLANT: 0.25 if tier == Tier.THIRD else 0.0,
        }
    return [s.value for s in Service if rng.random() < chance.get(s, 0.0)]


def _name(rng: random.Random, kind: str, city: City, tier: int) -> tuple[list[str], str]:
    """The name in pieces (read in pinyin piece by piece, which is fast) and the county."""
    district = rng.choice(DISTRICTS)
    county = f"{district}区"
    street = rng.choice(STREETS)
    if kind == FacilityKind.PHARMACY:
        return [rng.choice(BRANDS), "大药房（", city.short, street, "店）"], county
    if kind == FacilityKind.PRIMARY:
        if rng.random() < 0.5:
            return [
                city.short,
                "市",
                county,
                street.removesuffix("路"),
                "街道社区卫生服务中心",
            ], county
        return [city.short, county, rng.choice(TOWNS), "镇卫生院"], county
    if kind == FacilityKind.TCM:
        return rng.choice(
            [
                [city.short, "市中医医院"],
                [city.short, "市", county, "中医院"],
                [city.short, "中西医结合医院"],
            ]
        ), county
    if kind == FacilityKind.SPECIALIST:
        return [city.short, "市", rng.choice(SPECIALTIES)], county
    if tier == Tier.THIRD and rng.random() < 0.3:
        return [city.short, "医科大学第", rng.choice(NUMERALS[:4]), "附属医院"], county
    return rng.choice(
        [
            [city.short, "市第", rng.choice(NUMERALS), "人民医院"],
            [city.short, "市", county, "人民医院"],
            [city.short, "市中心医院"],
            [city.short, district, "医院"],
        ]
    ), county


def synthetic_rows(
    count: int, *, seed: int, start: int, cities: list[City], today: dt.date
) -> Iterator[dict[str, Any]]:
    """`count` synthetic facilities as column values, numbered from `start`
    (the same seed and start give the same rows)."""
    rng = random.Random(seed * 1_000_003 + start)  # noqa: S311 - demo data, not secrets
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    city_weights = [c.weight for c in cities]
    for i in range(start, start + count):
        city = rng.choices(cities, city_weights)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        tier, grade = _level(rng, kind)
        pieces, county = _name(rng, kind, city, tier)
        latitude = longitude = None
        if city.latitude is not None and city.longitude is not None:
            latitude = min(
                max(city.latitude + rng.gauss(0, 0.12), LATITUDE_RANGE[0]), LATITUDE_RANGE[1]
            )
            longitude = min(
                max(city.longitude + rng.gauss(0, 0.15), LONGITUDE_RANGE[0]), LONGITUDE_RANGE[1]
            )
        active_from = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 8))
        active_to = None
        if rng.random() < 0.03:
            active_to = active_from + dt.timedelta(days=rng.randrange(30, 900))
            if active_to >= today:
                active_to = None
        prefix = "XP" if kind == FacilityKind.PHARMACY else "XH"
        name = "".join(pieces)
        pinyin, search_text, grams = search.index_values(name, pieces=pieces)
        # In this order: the same seed gives the same directory as before.
        address = f"{county}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
        services = _services(rng, kind, tier)
        yield {
            "code": f"{prefix}{city.code}{i:07d}",
            "name": name,
            "aliases": [],
            "province_id": city.province,
            "city_id": city.code,
            "county": county,
            "address": address,
            "phone": "",
            "latitude": round(latitude, 6) if latitude is not None else None,
            "longitude": round(longitude, 6) if longitude is not None else None,
            "kind": kind.value,
            "tier": int(tier),
            "grade": int(grade),
            "services": services,
            "active_from": active_from,
            "active_to": active_to,
            "is_synthetic": True,
            "pinyin": pinyin[:400],
            "search_text": search_text,
            "search_pieces": search.facility_pieces(
                grams,
                province=city.province,
                city=city.code,
                kind=kind.value,
                levels=level_values(tier, grade),
                services=services,
            ),
        }


COPY_COLUMNS = [
    "code",
    "name",
    "aliases",
    "province_id",
    "city_id",
    "county",
    "address",
    "phone",
    "latitude",
    "longitude",
    "kind",
    "tier",
    "grade",
    "services",
    "active_from",
    "active_to",
    "is_synthetic",
    "pinyin",
    "search_text",
    "search_pieces",
    "updated_at",
]


@transaction.atomic
def generate_facilities(*, count: int, seed: int = 2026, replace: bool = False) -> int:
    """Add `count` synthetic facilities with PostgreSQL COPY; with `replace`,
    delete the synthetic ones first. Returns how many were added. The
    postings are written again at the end (postings.rebuild): one pass over
    the directory costs less than changing them row by row."""
    if replace:
        Facility.objects.filter(is_synthetic=True).delete()
    start = Facility.objects.filter(is_synthetic=True).count()
    cities = load_cities()
    now = timezone.now()
    today = timezone.localdate()
    rows = (
        {**row, "updated_at": now}
        for row in synthetic_rows(count, seed=seed, start=start, cities=cities, today=today)
    )
    copy_rows(
        Facility._meta.db_table,
        COPY_COLUMNS,
        ([row[name] for name in COPY_COLUMNS] for row in rows),
    )
    postings.rebuild()
    return count
