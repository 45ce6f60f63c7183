"""Agency staff in the admin: a 合肥 reviewer never sees 北京's filings by any
admin URL; exports, search, the dashboard and roles."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from filings.models import Filing, Status
from portal.admin_tools import CappedCountPaginator
from portal.models import User
from portal.roles import FACILITY_MAINTAINER, POLICY_EDITOR, REVIEWER, SUPERVISOR
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db


def _body(response: Any) -> bytes:
    """The bytes of a response, streamed (CSV) or not (Excel)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.fixture
def desk(client: Client, reviewer: User) -> Client:
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    client.force_login(reviewer)
    return client


@pytest.fixture
def two(retiree: User) -> dict[str, Filing]:
    return {
        "hefei": make_filing(retiree, status=Status.SUBMITTED, decided_at=None),
        "beijing": make_filing(
            make_person(insured_region_id="110100"), status=Status.SUBMITTED, decided_at=None
        ),
    }


def test_a_hefei_reviewer_cannot_reach_a_beijing_filing_by_any_admin_url(
    desk: Client, two: dict[str, Filing]
) -> None:
    bj = two["beijing"]
    for url in (
        reverse("admin:filings_filing_change", args=[bj.pk]),
        reverse("admin:filings_filing_history", args=[bj.pk]),
        reverse("admin:filings_filing_history_csv", args=[bj.pk]),
        reverse("admin:filings_filing_delete", args=[bj.pk]),
    ):
        response = desk.get(url)
        assert response.status_code in (302, 403, 404), url
        assert bj.reference not in response.content.decode(errors="ignore")
    assert (
        desk.post(
            reverse("admin:filings_filing_decide", args=[bj.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    for query in ("", f"?q={bj.reference}", f"?q={bj.person_id_number}", "?insured_region=110100"):
        listing = desk.get(reverse("admin:filings_filing_changelist") + query).content.decode()
        assert reverse("admin:filings_filing_change", args=[bj.pk]) not in listing, query
        for kind in ("csv", "xlsx"):
            export = desk.get(reverse("admin:filings_filing_export", args=[kind]) + query)
            assert export.status_code == 200
            body = _body(export)
            assert bj.reference.encode() not in body, (query, kind)
    bj.refresh_from_db()
    assert bj.status == Status.SUBMITTED


def test_the_region_filter_offers_only_the_staff_members_regions(desk: Client) -> None:
    html = desk.get(reverse("admin:filings_filing_changelist")).content.decode()
    assert "?insured_region=340100" in html and "?insured_region=110100" not in html


def test_the_export_is_what_the_list_shows_with_id_numbers_masked(
    desk: Client, two: dict[str, Filing], retiree: User
) -> None:
    export = desk.get(
        reverse("admin:filings_filing_export", args=["csv"]) + "?status__exact=submitted"
    )
    text = _body(export).decode("utf-8-sig")
    assert two["hefei"].reference in text
    assert retiree.masked_id_number in text and retiree.id_number not in text
    from openpyxl import load_workbook

    xlsx = desk.get(reverse("admin:filings_filing_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "备案编号" and rows[1][0] == two["hefei"].reference
    assert rows[1][2] == retiree.masked_id_number


def test_a_supervisor_with_the_right_exports_full_id_numbers(
    client: Client, reviewer: User, two: dict[str, Filing], retiree: User
) -> None:
    reviewer.groups.add(Group.objects.get(name=SUPERVISOR))
    client.force_login(reviewer)
    text = _body(client.get(reverse("admin:filings_filing_export", args=["csv"]))).decode(
        "utf-8-sig"
    )
    assert retiree.id_number in text


def test_a_masked_id_number_finds_the_filing(
    desk: Client, two: dict[str, Filing], retiree: User
) -> None:
    html = desk.get(
        reverse("admin:filings_filing_changelist"), {"q": retiree.masked_id_number}
    ).content.decode()
    assert two["hefei"].reference in html


def test_the_paginator_counts_exactly_below_its_cap_and_estimates_above_it(
    retiree: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        make_filing(make_person())
    assert CappedCountPaginator(Filing.objects.all(), 2).count == 3
    import portal.admin_tools as tools

    monkeypatch.setattr(tools, "EXACT_COUNT_LIMIT", 2)
    estimate = CappedCountPaginator(Filing.objects.all(), 2).count
    assert estimate >= 3  # the planner's figure, never below what was counted


def test_the_dashboard_counts_only_the_staff_members_regions(
    desk: Client, two: dict[str, Filing]
) -> None:
    from django.core.cache import cache

    cache.clear()
    html = desk.get(reverse("admin:index")).content.decode()
    assert "待审核" in html
    from filings.dashboard import dashboard_for

    reviewer = User.objects.get(full_name="王芳")
    data = dashboard_for(reviewer)
    assert data["pending"] == 1  # 北京's pending filing is not counted
    cache.clear()


def test_the_four_roles_exist_with_their_permissions() -> None:
    def perms(name: str) -> set[str]:
        group = Group.objects.get(name=name)
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }

    assert {"filings.change_filing", "filings.view_filing"} <= perms(REVIEWER)
    assert "portal.view_full_id_number" not in perms(REVIEWER)
    assert "portal.view_full_id_number" in perms(SUPERVISOR)
    assert "filings.change_filing" not in perms(SUPERVISOR)
    assert "filings.change_filingsettings" in perms(POLICY_EDITOR)
    assert Group.objects.filter(name=FACILITY_MAINTAINER).exists()
    assert Permission.objects.filter(codename="view_full_id_number").exists()


def test_search_finds_by_reference_full_id_or_name_in_any_case(
    desk: Client, two: dict[str, Filing], retiree: User
) -> None:
    url = reverse("admin:filings_filing_changelist")
    change = reverse("admin:filings_filing_change", args=[two["hefei"].pk])
    for term in (two["hefei"].reference.lower(), retiree.id_number.lower(), retiree.full_name):
        assert change in desk.get(url, {"q": term}).content.decode(), term
    assert change not in desk.get(url, {"q": "张"}).content.decode()  # a name is matched whole
