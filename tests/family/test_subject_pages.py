"""The relative matrix, page by page: while 李明 (insured in 上海) acts for
his mother 张桂兰 (insured in 合肥), every page that shows a person's facts
shows hers, never his (STYLE.md, Views: "Pages show the subject's facts").
The caps on /claims/ are in tests/claims/test_subject.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings import rules
from filings.models import FiledBy
from filings.pdf import filing_rows
from portal.models import InsuranceRegion, User
from tests.chronic.test_qualifications import qualify
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db


def test_the_hotlines_page_shows_her_insured_regions_agency(acting_for_retiree: Client) -> None:
    InsuranceRegion.objects.filter(pk="340100").update(hotline="0551-12393")
    InsuranceRegion.objects.filter(pk="310100").update(hotline="021-12393")
    page = acting_for_retiree.get(reverse("notices:hotlines")).content.decode()
    assert "张桂兰的参保地是安徽省 合肥市" in page and "0551-12393" in page
    assert "上海市医疗保障局" not in page and "021-12393" not in page


def test_my_chronic_qualifications_lists_hers_not_his(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    qualify(retiree, "hypertension")
    qualify(relative, "diabetes")
    page = acting_for_retiree.get(reverse("chronic:mine")).content.decode()
    assert "高血压" in page and "糖尿病" not in page
    assert "还没有" not in page


def test_her_qualification_opens_for_him_and_his_own_does_not_while_acting(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    hers, his = qualify(retiree), qualify(relative, "diabetes")
    assert (
        acting_for_retiree.get(reverse("chronic:qualification", args=[hers.pk])).status_code == 200
    )
    assert (
        acting_for_retiree.get(reverse("chronic:qualification", args=[his.pk])).status_code == 404
    )


def test_the_disease_checker_reports_her_qualification(
    acting_for_retiree: Client, retiree: User
) -> None:
    qualify(retiree, "hypertension")
    page = acting_for_retiree.get(
        reverse("chronic:checker"), {"disease": "hypertension"}
    ).content.decode()
    assert "张桂兰在安徽省 合肥市的认定记录" in page


def test_the_estimator_starts_from_her_insured_place_and_scheme(acting_for_retiree: Client) -> None:
    page = acting_for_retiree.get(reverse("claims:estimate")).content.decode()
    assert '<option value="340100" selected>' in page
    assert '<option value="310100" selected>' not in page
    assert 'value="retired" checked' in page or 'value="retired" id' in page


def test_a_card_names_who_filed_it(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    make_filing(retiree)
    make_filing(
        retiree,
        category=rules.Category.REFERRAL,
        destination_id="320100",
        filed_by_role=FiledBy.RELATIVE,
        filed_by=relative,
    )
    page = acting_for_retiree.get(reverse("filings:list")).content.decode()
    assert "张桂兰本人" in page
    assert "由 李明 代办" in page
    assert "<dd>本人</dd>" not in page


def test_the_filing_form_prints_the_relatives_name_and_relationship(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    filing = make_filing(retiree, filed_by_role=FiledBy.RELATIVE, filed_by=relative)
    page = acting_for_retiree.get(reverse("filings:form", args=[filing.reference])).content.decode()
    assert "由 李明（子女）代办" in page
    assert dict(filing_rows(filing))["办理人"] == "由 李明（子女）代办"
    assert (
        acting_for_retiree.get(reverse("filings:pdf", args=[filing.reference])).status_code == 200
    )


def test_nearest_first_starts_from_her_filings_city_not_his(
    acting_for_retiree: Client, retiree: User, relative: User
) -> None:
    """Her filing is for 上海; his own (made here for the contrast) for 南京."""
    make_filing(retiree, start_date=timezone.localdate() - dt.timedelta(days=10))
    make_filing(relative, destination_id="320100", insured_region_id="310100")
    response = acting_for_retiree.get(reverse("facilities:list"), {"sort": "distance"})
    assert response.context["criteria"].origin.code == "310100"
