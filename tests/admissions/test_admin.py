"""Hospital API clients in the agency admin: created with the credential
shown once, rotated, revoked; region-scoped."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admissions.models import HospitalClient
from facilities.models import Facility
from portal.models import Region, User
from portal.roles import FACILITY_MAINTAINER
from tests.admissions.conftest import Credential, make_client, post
from tests.conftest import make_person
from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:admissions_hospitalclient_changelist")
ADD = reverse("admin:admissions_hospitalclient_add")
CHECK = "/api/v1/admission-checks"
CREDENTIAL = re.compile(r'<code class="credential">([0-9a-f]{12}\.[A-Za-z0-9_-]+)</code>')


@pytest.fixture
def shanghai_staff(db: None) -> User:
    """A maintainer at 上海's agency, treatment place for 上海."""
    user = make_person(is_staff=True, insured_region_id=None, scheme="", member_status="")
    user.groups.add(Group.objects.get(name=FACILITY_MAINTAINER))
    user.staff_treatment_regions.set([Region.objects.get(code="310100")])
    return user


@pytest.fixture
def beijing_hospital(db: None) -> Facility:
    return make_facility(
        code="H11010100001", name="北京协和医院", province_id="110000", city_id="110100"
    )


def check(client: Client, key: str, person: User) -> int:
    body = {
        "id_number": person.id_number,
        "name": person.full_name,
        "day": timezone.localdate().isoformat(),
    }
    response = post(client, CHECK, body, Credential(HospitalClient(), key))
    return int(response.status_code)


def test_staff_create_a_client_and_see_its_credential_once(
    client: Client, shanghai_staff: User, shanghai_hospital: Facility, retiree: User
) -> None:
    client.force_login(shanghai_staff)
    response = client.post(
        ADD, {"facility": shanghai_hospital.pk, "name": "住院收费", "can_refer": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = CREDENTIAL.search(response.content.decode())
    assert match is not None
    key = match.group(1)
    created = HospitalClient.objects.get()
    assert created.facility == shanghai_hospital and key.split(".")[1] not in created.secret_hash
    # Nowhere to be seen again.
    page = client.get(reverse("admin:admissions_hospitalclient_change", args=[created.pk]))
    assert key.split(".")[1] not in page.content.decode()
    api = Client()
    assert check(api, key, retiree) == 200


def test_staff_cannot_create_a_client_for_a_facility_outside_their_regions(
    client: Client, shanghai_staff: User, beijing_hospital: Facility
) -> None:
    client.force_login(shanghai_staff)
    response = client.post(ADD, {"facility": beijing_hospital.pk, "name": "收费"})
    assert response.status_code == 200 and "不在您负责的地区" in response.content.decode()
    assert not HospitalClient.objects.exists()


def test_staff_see_only_the_clients_of_their_regions(
    client: Client, shanghai_staff: User, credential: Credential, beijing_hospital: Facility
) -> None:
    beijing = make_client(beijing_hospital)
    client.force_login(shanghai_staff)
    html = client.get(CHANGELIST).content.decode()
    assert credential.client.key_prefix in html and beijing.client.key_prefix not in html
    foreign = reverse("admin:admissions_hospitalclient_change", args=[beijing.client.pk])
    assert client.get(foreign).status_code == 302  # the admin's "does not exist" redirect


def test_rotating_shows_a_new_credential_and_the_old_one_stops_working(
    client: Client, shanghai_staff: User, credential: Credential, retiree: User
) -> None:
    client.force_login(shanghai_staff)
    response = client.post(
        CHANGELIST, {"action": "rotate", "_selected_action": [credential.client.pk]}
    )
    match = CREDENTIAL.search(response.content.decode())
    assert match is not None
    api = Client()
    assert check(api, credential.key, retiree) == 401
    assert check(api, match.group(1), retiree) == 200


def test_revoking_ends_the_client(
    client: Client, shanghai_staff: User, credential: Credential, retiree: User
) -> None:
    client.force_login(shanghai_staff)
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [credential.client.pk]})
    credential.client.refresh_from_db()
    assert credential.client.revoked_at is not None
    assert check(Client(), credential.key, retiree) == 401


def test_the_audit_of_calls_is_region_scoped(
    client: Client,
    shanghai_staff: User,
    credential: Credential,
    beijing_hospital: Facility,
    retiree: User,
) -> None:
    beijing = make_client(beijing_hospital)
    api = Client()
    check(api, credential.key, retiree)
    check(api, beijing.key, retiree)
    client.force_login(shanghai_staff)
    html = client.get(reverse("admin:admissions_apicall_changelist")).content.decode()
    assert "上海市第一人民医院" in html and "北京协和医院" not in html
