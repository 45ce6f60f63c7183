"""The one place that decides whose records a user may see or act on.

Every record that belongs to an insured person asks here, through
`family.records.PersonRecordQuerySet` (`visible_to`, `actionable_by`), and so
do the acting-for switch and `can_view`/`can_act`. Rules:
- everyone sees and acts on their own records;
- a relative holding an accepted, unrevoked, unexpired grant sees the
  grantor's records, and with the "act" scope also files and changes for them;
- a guardian whose relationship staff have confirmed acts for a child until
  the day before the child's 16th birthday (the ID number gives the birth date);
- anyone else sees nothing: views answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from family.models import (
    GUARDIAN_AGE_LIMIT,
    Grant,
    GrantStatus,
    Guardianship,
    Relationship,
    Scope,
)
from portal.models import User


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 2, 28)


def _grantors(user: Any, need: str, today: dt.date) -> QuerySet[Grant]:
    grants = Grant.objects.filter(
        grantee_id=user.pk,
        grantor__isnull=False,
        status=GrantStatus.ACTIVE,
        valid_until__gte=today,
    )
    if need == Scope.ACT:
        grants = grants.filter(scope=Scope.ACT)
    return grants


def _wards(user: Any, today: dt.date) -> QuerySet[Guardianship]:
    # Under 16 today: born after this day 16 years ago (YYYYMMDD compares as text).
    cutoff = _years_before(today, GUARDIAN_AGE_LIMIT).strftime("%Y%m%d")
    return (
        Guardianship.objects.filter(guardian_id=user.pk, confirmed_at__isnull=False)
        .annotate(child_birth=Substr("child__id_number", 7, 8))
        .filter(child_birth__gt=cutoff)
    )


def reaches(
    user: Any, *, need: str = Scope.VIEW, person: str = "person", today: dt.date | None = None
) -> Q:
    """The one access rule, as SQL: a condition on a row whose `person`
    field (a path to a User) is `user` themself, someone who granted `user`
    access (with the act scope when need=ACT), or a child under 16 whose
    guardianship staff confirmed. Anonymous users reach nobody."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    today = today or timezone.localdate()
    return (
        Q(**{person: user.pk})
        | Exists(_grantors(user, need, today).filter(grantor=OuterRef(person)))
        | Exists(_wards(user, today).filter(child=OuterRef(person)))
    )


def can_view(user: Any, person: User | None, today: dt.date | None = None) -> bool:
    return _reaches_person(user, person, need=Scope.VIEW, today=today)


def can_act(user: Any, person: User | None, today: dt.date | None = None) -> bool:
    return _reaches_person(user, person, need=Scope.ACT, today=today)


def _reaches_person(user: Any, person: User | None, *, need: str, today: dt.date | None) -> bool:
    if person is None or not getattr(user, "is_authenticated", False):
        return False
    if person.pk == user.pk:
        return True
    rule = reaches(user, need=need, person="pk", today=today)
    return User.objects.filter(rule, pk=person.pk).exists()


# A grant states the relative's relation to the grantor ("he is my son");
# the relative's switcher shows the grantor's relation to them ("my mother").
INVERSE = {"child": "parent", "parent": "child", "spouse": "spouse", "other": "other"}


def people_for(user: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Everyone `user` may switch to, with what they may do, for the switcher."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    people: dict[int, dict[str, Any]] = {}
    for grant in _grantors(user, Scope.VIEW, today).select_related("grantor"):
        if grant.grantor is not None:
            people[grant.grantor.pk] = {
                "person": grant.grantor,
                "relationship": Relationship(INVERSE[grant.relationship]).label,
                "can_act": grant.scope == Scope.ACT,
            }
    for ward in _wards(user, today).select_related("child"):
        people[ward.child.pk] = {
            "person": ward.child,
            "relationship": "子女（未满16周岁）",
            "can_act": True,
        }
    return sorted(people.values(), key=lambda p: p["person"].full_name)


def relationship_of(relative: Any, person: Any) -> str:
    """What `relative` is to `person` ("子女", "配偶", "监护人"), from the
    grant `person` gave them (the latest, even if since revoked or expired:
    a filing made under it keeps its author) or a guardianship; "" if none."""
    if relative is None or person is None:
        return ""
    grant = (
        Grant.objects.filter(grantor_id=person.pk, grantee_id=relative.pk)
        .order_by("-created_at")
        .first()
    )
    if grant is not None:
        return str(Relationship(grant.relationship).label)
    if Guardianship.objects.filter(guardian_id=relative.pk, child_id=person.pk).exists():
        return str(_("监护人"))
    return ""
