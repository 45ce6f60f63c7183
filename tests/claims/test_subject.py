"""Pages about a person's records show the subject's facts, never the
viewer's: a relative who switched to the insured person sees her caps and
her self-paid cases (STYLE.md, Views)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import User
from tests.claims.factories import make_policy, make_settlement

pytestmark = pytest.mark.django_db


def test_the_settlements_page_shows_the_subjects_annual_caps(
    acting_for_retiree: Client, retiree: User
) -> None:
    make_policy()  # 合肥, hers; her son is insured in 上海, which has no policy here
    this_year = timezone.localdate().year
    make_settlement(retiree, fund="7000.00", discharge_date=dt.date(this_year, 1, 2))
    page = acting_for_retiree.get(reverse("claims:list")).content.decode()
    assert "已用 7,000.00 元" in page


def test_the_claims_list_offers_only_the_subjects_self_paid_cases(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    make_settlement(retiree, direct=False, facility_name="复旦大学附属中山医院")
    make_settlement(relative, direct=False, facility_name="上海市第一人民医院")
    page = acting_for_retiree.get(reverse("claims:reimbursements")).content.decode()
    assert "复旦大学附属中山医院" in page
    assert "上海市第一人民医院" not in page
