"""Small factories for claims tests."""

from __future__ import annotations

import datetime as dt
import itertools
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


def make_settlement(person: Any = None, /, **overrides: Any) -> Any:
    """A direct settlement record whose parts add up (deductible + fund = total
    unless given), straight into the database."""
    from claims.choices import CareType, FacilityLevel, FilingSituation
    from claims.models import Settlement

    total = Decimal(overrides.pop("total", "10000.00"))
    direct = overrides.pop("direct", True)
    fund = Decimal(overrides.pop("fund", "7000.00")) if direct else Decimal("0.00")
    day = overrides.pop("discharge_date", dt.date(2026, 5, 20))
    fields: dict[str, Any] = {
        "number": f"T-{next(_numbers):08d}",
        "person": person,
        "person_id_number": person.id_number if person else "340102196001010017",
        "person_name": person.full_name if person else "无账户",
        "insured_region_id": person.insured_region_id if person else "340100",
        "treatment_city_id": "310100",
        "facility_name": "复旦大学附属中山医院",
        "facility_level": FacilityLevel.LEVEL_3,
        "care_type": CareType.INPATIENT,
        "situation": FilingSituation.LONG_TERM if direct else FilingSituation.NONE,
        "admission_date": day - dt.timedelta(days=5),
        "discharge_date": day,
        "direct": direct,
        "total": total,
        "deductible": total - fund if direct else Decimal("0.00"),
        "fund": fund,
        "personal": total - fund,
    }
    fields.update(overrides)
    return Settlement.objects.create(**fields)


_numbers = itertools.count(1)
