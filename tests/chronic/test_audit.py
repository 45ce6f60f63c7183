"""Qualifications (资格认定) carry the audit trail like filings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from chronic.models import Qualification
from portal.audit import trail
from portal.models import User
from tests.chronic.test_qualifications import qualify

pytestmark = pytest.mark.django_db


def test_a_qualification_change_by_staff_is_in_its_history(
    client: Client, retiree: User, reviewer: User
) -> None:
    qualification = qualify(retiree, "diabetes", recognised_on=dt.date(2025, 1, 1))
    Qualification.objects.filter(pk=qualification.pk).update(recognised_on=dt.date(2025, 2, 1))
    rows = trail(qualification)
    assert rows[0]["label"] == "创建"
    assert {"field": "recognised_on", "before": "2025-01-01", "after": "2025-02-01"} in rows[-1][
        "changes"
    ]
    reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    page = client.get(reverse("admin:chronic_qualification_history", args=[qualification.pk]))
    assert page.status_code == 200 and "2025-02-01" in page.content.decode()
