"""Demo: 张桂兰 has authorised her son 李明 to act for her, and he accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from family.models import Grant, GrantStatus, Relationship, Scope
from portal.models import User


def seed_demo_data(stdout: Any) -> None:
    mother = User.objects.filter(mobile="13955100001").first()
    son = User.objects.filter(mobile="13816600002").first()
    if mother is None or son is None:
        return
    if Grant.objects.filter(grantor=mother, grantee=son).exists():
        return
    today = timezone.localdate()
    Grant.objects.create(
        grantor=mother,
        grantor_id_number=mother.id_number,
        grantor_name=mother.full_name,
        grantee=son,
        grantee_id_number=son.id_number,
        grantee_name=son.full_name,
        relationship=Relationship.CHILD,
        scope=Scope.ACT,
        valid_until=today + dt.timedelta(days=3 * 365),
        status=GrantStatus.ACTIVE,
        created_by=mother,
        accepted_at=timezone.now(),
    )
    stdout.write("Family: 张桂兰 has authorised 李明 to act for her.")
