from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from demo.facilities import BEIJING_CSV
from facilities import services
from facilities.forms import RegionChoices
from facilities.importing import import_facilities, read_table
from facilities.models import Facility, FacilityKind


@pytest.fixture(autouse=True)
def _fresh_region_choices() -> None:
    RegionChoices.forget()


@pytest.fixture
def beijing(db: None) -> list[Facility]:
    """The 39 real Beijing hospitals shipped in facilities/data/."""
    with BEIJING_CSV.open("rb") as stream:
        report = import_facilities(read_table(stream, BEIJING_CSV.name))
    assert report.created == 39 and not report.problems
    return list(Facility.objects.all())


def make_facility(**overrides: Any) -> Facility:
    fields: dict[str, Any] = {
        "code": "H31010100001",
        "name": "上海市第一人民医院",
        "province_id": "310000",
        "city_id": "310100",
        "kind": FacilityKind.GENERAL,
        "tier": 3,
        "grade": 3,
        "services": ["inpatient", "outpatient", "hypertension"],
        "latitude": 31.230416,
        "longitude": 121.473701,
        "active_from": dt.date(2020, 1, 1),
    }
    fields.update(overrides)
    facility = Facility(**fields)
    facility.index_names()
    facility.full_clean()
    services.save_facility(facility)
    return facility
