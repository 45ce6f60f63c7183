from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings import rules
from filings.models import EventAction, Filing, Status
from portal.idnumbers import make_id_number
from portal.models import User
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def desk(client: Client, reviewer: User) -> Client:
    reviewer.groups.add(Group.objects.get(name="审核员"))
    client.force_login(reviewer)
    return client


@pytest.fixture
def hefei_pending(retiree: User) -> Filing:
    return make_filing(retiree, status=Status.SUBMITTED, decided_at=None)


@pytest.fixture
def beijing_pending(db: None) -> Filing:
    person = make_person(insured_region_id="110100")
    return make_filing(person, status=Status.SUBMITTED, destination_id="310100", decided_at=None)


def test_a_hefei_reviewer_sees_only_hefei_filings(
    desk: Client, hefei_pending: Filing, beijing_pending: Filing
) -> None:
    html = desk.get(reverse("admin:filings_filing_changelist")).content.decode()
    assert hefei_pending.reference in html
    assert beijing_pending.reference not in html
    assert hefei_pending.person_id_number not in html  # masked in the list


def test_a_hefei_reviewer_cannot_open_or_decide_a_beijing_filing(
    desk: Client, beijing_pending: Filing
) -> None:
    response = desk.get(reverse("admin:filings_filing_change", args=[beijing_pending.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    response = desk.post(
        reverse("admin:filings_filing_decide", args=[beijing_pending.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    beijing_pending.refresh_from_db()
    assert beijing_pending.status == Status.SUBMITTED


def test_approving_selected_filings_records_who_did_it(
    desk: Client, reviewer: User, hefei_pending: Filing, beijing_pending: Filing
) -> None:
    desk.post(
        reverse("admin:filings_filing_changelist"),
        {"action": "approve_selected", "_selected_action": [hefei_pending.pk, beijing_pending.pk]},
    )
    hefei_pending.refresh_from_db()
    beijing_pending.refresh_from_db()
    assert hefei_pending.status == Status.EFFECTIVE and hefei_pending.decided_by == reviewer
    assert beijing_pending.status == Status.SUBMITTED  # outside the reviewer's region
    assert hefei_pending.events.get(action=EventAction.APPROVED).actor == reviewer


def test_rejecting_needs_a_reason(desk: Client, hefei_pending: Filing) -> None:
    url = reverse("admin:filings_filing_changelist")
    response = desk.post(url, {"action": "reject_selected", "_selected_action": [hefei_pending.pk]})
    assert "原因" in response.content.decode()
    desk.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [hefei_pending.pk],
            "apply": "1",
            "reason": "",
        },
    )
    hefei_pending.refresh_from_db()
    assert hefei_pending.status == Status.SUBMITTED
    desk.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [hefei_pending.pk],
            "apply": "1",
            "reason": "居住证已过期",
        },
    )
    hefei_pending.refresh_from_db()
    assert (
        hefei_pending.status == Status.REJECTED and hefei_pending.rejection_reason == "居住证已过期"
    )


def test_the_change_page_approves_and_rejects(desk: Client, hefei_pending: Filing) -> None:
    page = desk.get(
        reverse("admin:filings_filing_change", args=[hefei_pending.pk])
    ).content.decode()
    assert "审核通过" in page and "不予备案" in page
    url = reverse("admin:filings_filing_decide", args=[hefei_pending.pk])
    assert desk.get(url).status_code == 405
    desk.post(url, {"decision": "reject", "reason": ""})
    hefei_pending.refresh_from_db()
    assert hefei_pending.status == Status.SUBMITTED
    desk.post(url, {"decision": "approve"})
    hefei_pending.refresh_from_db()
    assert hefei_pending.status == Status.EFFECTIVE


def test_the_queue_filters_overdue_filings(desk: Client, retiree: User) -> None:
    old = make_filing(
        retiree,
        status=Status.SUBMITTED,
        decided_at=None,
        submitted_at=timezone.now() - dt.timedelta(days=5),
    )
    fresh = make_filing(make_person(), status=Status.SUBMITTED, decided_at=None)
    html = desk.get(reverse("admin:filings_filing_changelist"), {"overdue": "yes"}).content.decode()
    assert old.reference in html and fresh.reference not in html
    assert old.is_overdue() and not fresh.is_overdue()


def test_staff_enter_a_counter_filing_for_a_person_without_an_account(
    desk: Client, reviewer: User
) -> None:
    number = make_id_number("340102", dt.date(1948, 8, 8), 51)
    response = desk.post(
        reverse("admin:filings_filing_add"),
        {
            "person_id_number": number,
            "person_name": "孙大爷",
            "insured_region": "340100",
            "category": rules.Category.RETIRED_RESETTLEMENT,
            "destination": "310100",
            "start_date": TODAY.isoformat(),
            "contact_phone": "13900001111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    filing = Filing.objects.get(person_id_number=number)
    assert filing.person is None and filing.channel == "local" and filing.filed_by == reviewer
    assert filing.status == Status.EFFECTIVE  # settled on the spot
    # When 孙大爷 registers, the filing becomes his.
    from filings.services import link_counter_filings

    person = make_person(id_number=number, full_name="孙大爷")
    link_counter_filings(person)
    assert Filing.objects.get(pk=filing.pk).person == person


def test_a_counter_filing_that_duplicates_a_current_one_is_refused(
    desk: Client, retiree: User
) -> None:
    make_filing(retiree)
    response = desk.post(
        reverse("admin:filings_filing_add"),
        {
            "person_id_number": retiree.id_number,
            "person_name": retiree.full_name,
            "insured_region": "340100",
            "category": rules.Category.LONG_TERM_RESIDENCE,
            "destination": "320100",
            "start_date": TODAY.isoformat(),
            "contact_phone": "13900001111",
        },
    )
    assert response.status_code == 200
    assert "已有备案信息，无需再次备案" in response.content.decode()
    assert Filing.objects.count() == 1


def test_a_reviewer_cannot_file_for_another_region_at_the_counter(desk: Client) -> None:
    number = make_id_number("110101", dt.date(1948, 8, 8), 51)
    response = desk.post(
        reverse("admin:filings_filing_add"),
        {
            "person_id_number": number,
            "person_name": "钱大爷",
            "insured_region": "110100",
            "category": rules.Category.RETIRED_RESETTLEMENT,
            "destination": "310100",
            "start_date": TODAY.isoformat(),
            "contact_phone": "13900001111",
        },
    )
    assert response.status_code == 200  # 北京 is not among the choices
    assert not Filing.objects.exists()


def test_a_counter_filing_left_under_review_is_overdue_like_any_other(
    desk: Client, db: None
) -> None:
    """Every filing waiting past the next working day is overdue, whatever
    its channel (issue 16, item 9: a 地方平台 filing left 审核中 was not flagged)."""
    counter = make_filing(
        make_person(),
        channel="local",
        filed_by_role="staff",
        filed_by=None,
        status=Status.SUBMITTED,
        decided_at=None,
        submitted_at=timezone.now() - dt.timedelta(days=286),
    )
    assert counter.is_overdue()
    assert Filing.objects.overdue().filter(pk=counter.pk).exists()
    queue = desk.get(reverse("admin:filings_filing_changelist"), {"overdue": "yes"})
    assert counter.reference in queue.content.decode()
    listing = desk.get(reverse("admin:filings_filing_changelist")).content.decode()
    assert "⚠ 286天" in listing
