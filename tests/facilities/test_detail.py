"""A facility's page: its services and what each means for the person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.usefixtures("beijing")


def test_it_lists_each_service_and_what_it_means(client: Client) -> None:
    html = client.get(reverse("facilities:detail", args=["BJA05"])).content.decode()
    assert "中国医学科学院北京协和医院" in html and "三级甲等" in html
    assert "出院时直接结算" in html  # inpatient
    assert "普通门诊" in html
    assert "先要在参保地办好这个病的资格认定" in html  # a chronic disease
    assert "/chronic/?disease=dialysis" in html


def test_it_says_what_cannot_be_settled_there(client: Client) -> None:
    html = client.get(reverse("facilities:detail", args=["1155001"])).content.decode()
    assert "在这里不能直接结算" in html and "手工报销" in html
    assert "尿毒症透析" in html


def test_a_synthetic_facility_is_marked_as_not_real(client: Client) -> None:
    make_facility(code="XH310100000001", is_synthetic=True)
    html = client.get(reverse("facilities:detail", args=["XH310100000001"])).content.decode()
    assert "不是真实的定点医院" in html


def test_a_facility_no_longer_networked_says_so(client: Client) -> None:
    make_facility(active_to=dt.date(2021, 6, 30))
    html = client.get(reverse("facilities:detail", args=["H31010100001"])).content.decode()
    assert "已不在跨省联网名单中" in html


def test_an_unknown_code_is_a_404(client: Client) -> None:
    assert client.get(reverse("facilities:detail", args=["NOPE00000"])).status_code == 404
    assert client.get("/facilities/%27%3B--/").status_code == 404


def test_codes_in_urls_are_case_insensitive(client: Client) -> None:
    assert client.get("/facilities/bja05/").status_code == 200
