"""Shared fixtures: a few named people and small factories."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from family.models import Grant, GrantStatus, Scope
from portal.idnumbers import make_id_number
from portal.models import InsuranceRegion, MemberStatus, Scheme, User

PASSWORD = "Correct-Horse-42"
_seq = itertools.count(100)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the database rolls back after a
    test, the in-process cache would not (cached banner notices, rate limits)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(staff)` stands for a complete sign-in, second
    factor included; tests of the second factor itself sign in through the
    login and verification forms instead (tests/portal/test_two_factor.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        if user.is_staff:
            device, _ = StaticDevice.objects.get_or_create(
                user=user, name="test-sign-in", defaults={"confirmed": True}
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def make_person(**overrides: Any) -> User:
    """An insured person with a valid, unique ID number and mobile."""
    n = next(_seq)
    fields: dict[str, Any] = {
        "id_number": make_id_number("340102", dt.date(1960, 1, 1) + dt.timedelta(days=n), n),
        "full_name": f"测试{n}",
        "mobile": f"139{n:08d}",
        "insured_region_id": "340100",
        "scheme": Scheme.EMPLOYEE,
        "member_status": MemberStatus.WORKING,
    }
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    user = User(**fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@pytest.fixture
def hefei() -> InsuranceRegion:
    return InsuranceRegion.objects.get(pk="340100")


@pytest.fixture
def retiree(db: None) -> User:
    """张桂兰: insured in 合肥 (employee scheme, retired), living in 上海."""
    return make_person(
        full_name="张桂兰",
        id_number=make_id_number("340102", dt.date(1957, 4, 18), 124),
        mobile="13955100001",
        member_status=MemberStatus.RETIRED,
    )


@pytest.fixture
def relative(db: None) -> User:
    """李明: her son, insured in 上海."""
    return make_person(
        full_name="李明",
        id_number=make_id_number("340102", dt.date(1983, 9, 2), 317),
        mobile="13816600002",
        insured_region_id="310100",
    )


@pytest.fixture
def stranger(db: None) -> User:
    return make_person(full_name="陌生人", insured_region_id="110100")


@pytest.fixture
def reviewer(db: None) -> User:
    """王芳: agency reviewer for 合肥."""
    user = make_person(
        full_name="王芳",
        is_staff=True,
        insured_region_id=None,
        scheme="",
        member_status="",
    )
    user.staff_regions.set([InsuranceRegion.objects.get(pk="340100")])
    return user


def make_filing(subject: User, /, **overrides: Any) -> Any:
    """An effective filing for `subject`, straight into the database
    (`person=None` and `person_id_number=...` make a counter filing)."""
    from django.utils import timezone

    from filings import rules
    from filings.models import Channel, FiledBy, Filing, Status
    from filings.services import next_reference

    category = overrides.pop("category", rules.Category.RETIRED_RESETTLEMENT)
    start = overrides.pop("start_date", timezone.localdate())
    person = subject
    fields: dict[str, Any] = {
        "person": person,
        "person_id_number": person.id_number,
        "person_name": person.full_name,
        "insured_region_id": person.insured_region_id,
        "category": category,
        "group": rules.group_of(category),
        "destination_id": "310100",
        "start_date": start,
        "end_date": rules.valid_until(category, start, rules.RegionRules()),
        "channel": Channel.QUICK,
        "filed_by_role": FiledBy.SELF,
        "filed_by": person,
        "status": Status.EFFECTIVE,
        "contact_phone": person.mobile or "",
        "decided_at": timezone.now(),
    }
    if category == rules.Category.REFERRAL:
        fields.update(referring_hospital="安医附院", diagnosis="肺癌", referral_date=start)
    if category == rules.Category.EMERGENCY:
        fields.update(treating_hospital="瑞金医院", admission_date=start)
    fields.update(overrides)
    fields.setdefault("reference", next_reference(fields["insured_region_id"], start))
    return Filing.objects.create(**fields)


def make_grant(grantor: User, grantee: User, **kw: Any) -> Grant:
    fields: dict[str, Any] = {
        "grantor": grantor,
        "grantor_id_number": grantor.id_number,
        "grantor_name": grantor.full_name,
        "grantee": grantee,
        "grantee_id_number": grantee.id_number,
        "grantee_name": grantee.full_name,
        "relationship": "child",
        "scope": Scope.ACT,
        "valid_until": timezone.localdate() + dt.timedelta(days=365),
        "status": GrantStatus.ACTIVE,
    }
    fields.update(kw)
    return Grant.objects.create(**fields)


@pytest.fixture
def acting_for_retiree(client: Client, retiree: User, relative: User) -> Client:
    """李明, allowed to act for his mother, has switched to her records."""
    make_grant(retiree, relative)
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    return client
