"""Records that belong to an insured person, and the one QuerySet that says
who may see them.

Filings, settlements, reimbursements and chronic-disease qualifications each
have a `person` (the insured person the record is about) and an
`insured_region` (the pooling region whose agency handles it). Their
QuerySets derive from `PersonRecordQuerySet`, so who may see a record is
decided once, in SQL (family.access.reaches), as healthchecks decides once in
`_get_check_for_user`:

    get_object_or_404(Filing.objects.visible_to(request.user), reference=ref)

Someone else's record is then simply not there: a 404.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.db import models

from family.access import reaches
from family.models import Scope

_R = TypeVar("_R", bound=models.Model)


class PersonRecordQuerySet(models.QuerySet[_R]):
    def visible_to(self, user: Any) -> Self:
        """What `user` may see: their own records, and those of people who
        granted them access or whose guardian they are."""
        return self.filter(reaches(user, need=Scope.VIEW))

    def actionable_by(self, user: Any) -> Self:
        """What `user` may change: their own, and those of people who let
        them act on their behalf."""
        return self.filter(reaches(user, need=Scope.ACT))

    def for_staff(self, user: Any) -> Self:
        """What an agency account may see: records of people insured in the
        pooling regions it serves (all of them for a superuser)."""
        regions = user.insured_regions_served()
        return self if regions is None else self.filter(insured_region__in=regions)


class PersonRecord(models.Model):
    """Abstract base: a record about one insured person, kept by the agency
    of their insured region. Subclasses declare both foreign keys (their
    verbose names and reverse names differ) and a QuerySet derived from
    PersonRecordQuerySet."""

    class Meta:
        abstract = True
