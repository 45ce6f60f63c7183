"""Small factories for claims tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from claims.choices import CareType
from claims.models import Policy, PolicyBand
from portal.models import MemberStatus, Scheme


def make_policy(
    *,
    bands: tuple[tuple[str | None, str, str, str], ...] = ((None, "90", "85", "80"),),
    **overrides: Any,
) -> Policy:
    """A valid policy (合肥, employee, retired, inpatient, from 2026) with its bands."""
    fields: dict[str, Any] = {
        "insured_region_id": "340100",
        "scheme": Scheme.EMPLOYEE,
        "member_status": MemberStatus.RETIRED,
        "care_type": CareType.INPATIENT,
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": None,
        "deductible": Decimal("1000.00"),
        "annual_cap": Decimal("100000.00"),
    }
    fields.update(overrides)
    policy = Policy.objects.create(**fields)
    for up_to, level_1, level_2, level_3 in bands:
        PolicyBand.objects.create(
            policy=policy,
            up_to=Decimal(up_to) if up_to is not None else None,
            ratio_level_1=Decimal(level_1),
            ratio_level_2=Decimal(level_2),
            ratio_level_3=Decimal(level_3),
        )
    return policy
