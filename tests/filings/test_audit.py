from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from filings.models import Filing, Status
from portal.audit import trail
from portal.models import User
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client: Client, reviewer: User) -> Client:
    reviewer.groups.add(Group.objects.get(name="审核员"))
    client.force_login(reviewer)
    return client


def test_a_bulk_approval_is_in_the_audit_trail_row_by_row(desk: Client, reviewer: User) -> None:
    pending = [
        make_filing(make_person(), status=Status.SUBMITTED, decided_at=None) for _ in range(3)
    ]
    desk.post(
        reverse("admin:filings_filing_changelist"),
        {"action": "approve_selected", "_selected_action": [f.pk for f in pending]},
    )
    for filing in pending:
        rows = trail(filing)
        update = [
            r
            for r in rows
            if r["label"] == "修改" and any(c["field"] == "status" for c in r["changes"])
        ]
        assert len(update) == 1
        change = next(c for c in update[0]["changes"] if c["field"] == "status")
        assert (change["before"], change["after"]) == (Status.SUBMITTED, Status.EFFECTIVE)
        assert update[0]["who"] == str(reviewer)


def test_a_queryset_update_outside_any_request_is_recorded_too(retiree: User) -> None:
    filing = make_filing(retiree)
    Filing.objects.filter(pk=filing.pk).update(contact_phone="13900000000")
    last = trail(filing)[-1]
    assert {"field": "contact_phone", "before": retiree.mobile, "after": "13900000000"} in last[
        "changes"
    ]


def test_the_history_page_shows_before_and_after_with_id_numbers_masked(
    desk: Client, retiree: User, reviewer: User
) -> None:
    filing = make_filing(retiree, status=Status.SUBMITTED, decided_at=None)
    desk.post(
        reverse("admin:filings_filing_decide", args=[filing.pk]),
        {"decision": "reject", "reason": "材料不全"},
    )
    html = desk.get(reverse("admin:filings_filing_history", args=[filing.pk])).content.decode()
    assert "材料不全" in html and str(reviewer) in html
    assert retiree.id_number not in html and retiree.masked_id_number in html
    csv = desk.get(reverse("admin:filings_filing_history_csv", args=[filing.pk]))
    assert csv["Content-Type"].startswith("text/csv") and "材料不全" in csv.content.decode(
        "utf-8-sig"
    )


def test_a_hefei_reviewer_cannot_read_a_beijing_filings_history(desk: Client) -> None:
    beijing = make_filing(make_person(insured_region_id="110100"))
    assert desk.get(reverse("admin:filings_filing_history", args=[beijing.pk])).status_code == 404
    assert (
        desk.get(reverse("admin:filings_filing_history_csv", args=[beijing.pk])).status_code == 404
    )
