"""PostgreSQL ranges the models share."""

from __future__ import annotations

from django.contrib.postgres.fields import DateRangeField
from django.db.models import Func


class DateRange(Func):
    """PostgreSQL ``daterange(lower, upper, bounds)``: the validity of a
    filing, a policy version or a qualification, for the exclusion
    constraints that keep two of them from overlapping."""

    function = "DATERANGE"
    output_field = DateRangeField()
