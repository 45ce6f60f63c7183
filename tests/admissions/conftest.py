"""Hospital API clients: a Shanghai hospital with a credential, a Hefei
hospital with referral rights, and the insured place's inpatient policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from admissions.models import HospitalClient
from facilities.models import Facility
from tests.claims.factories import make_policy
from tests.facilities.conftest import make_facility


@dataclass
class Credential:
    client: HospitalClient
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_client(facility: Facility, **fields: Any) -> Credential:
    client = HospitalClient(facility=facility, name="收费系统", **fields)
    key = client.new_secret()
    client.full_clean()
    client.save()
    return Credential(client, key)


@pytest.fixture
def shanghai_hospital(db: None) -> Facility:
    return make_facility()


@pytest.fixture
def credential(shanghai_hospital: Facility) -> Credential:
    return make_client(shanghai_hospital)


@pytest.fixture
def hefei_hospital(db: None) -> Facility:
    return make_facility(
        code="H34010100001",
        name="安徽医科大学第一附属医院",
        province_id="340000",
        city_id="340100",
        latitude=31.84,
        longitude=117.27,
    )


@pytest.fixture
def referrer(hefei_hospital: Facility) -> Credential:
    return make_client(hefei_hospital, can_refer=True)


@pytest.fixture
def inpatient_policy(db: None) -> Any:
    """合肥, employee, retired, inpatient: deductible 1,000, cap 100,000, 90/85/80 %."""
    return make_policy()


def post(client: Client, path: str, body: dict[str, Any], credential: Credential | None) -> Any:
    headers = credential.headers if credential else {}
    return client.post(path, body, content_type="application/json", headers=headers)
