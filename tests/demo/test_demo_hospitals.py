"""The demo's hospital API clients: seed_demo prints a working credential
for each, and a new one each run."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from admissions.models import HospitalClient

pytestmark = pytest.mark.django_db
BEARER = re.compile(r"Authorization: Bearer ([0-9a-f]{12}\.[A-Za-z0-9_-]+)")


def seed() -> list[str]:
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return BEARER.findall(out.getvalue())


def test_seed_demo_prints_a_working_credential_for_the_shanghai_hospital(client: Client) -> None:
    first = seed()
    assert len(first) == 2
    shanghai = HospitalClient.objects.get(facility__name="复旦大学附属中山医院")
    assert shanghai.facility.code == "SHDEMO0001" and not shanghai.can_refer
    assert HospitalClient.objects.get(facility__name="安徽医科大学第一附属医院").can_refer
    body = {
        "id_number": "340102195704181241",
        "name": "张桂兰",
        "day": timezone.localdate().isoformat(),
    }
    response = client.post(
        "/api/v1/admission-checks",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {first[0]}"},
    )
    assert response.status_code == 200 and response.json()["direct"] is True
    again = seed()
    assert HospitalClient.objects.count() == 2 and set(again).isdisjoint(first)
