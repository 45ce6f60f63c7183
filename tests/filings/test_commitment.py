"""个人承诺制: a long-term filing made on a commitment is completed later.
The person (or a relative who may act for them) uploads the materials on
the filing's page; staff of the insured region find them under "材料待审",
open the files and confirm; from then on the filing is 双向享受
(domain.md, Validity and changes). Issue 16, item 4."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings import rules, services
from filings.models import EventAction, FiledBy, Filing, FilingDocument, Status
from portal.audit import trail
from portal.models import User
from tests.conftest import make_filing, make_grant, make_person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%fake but well-formed enough\n"


def commitment(person: User, **overrides: Any) -> Filing:
    fields: dict[str, Any] = {
        "category": rules.Category.LONG_TERM_RESIDENCE,
        "commitment": True,
        "materials_due": rules.add_months(TODAY, 6),
    }
    fields.update(overrides)
    return make_filing(person, **fields)


def upload(client: Client, filing: Filing, name: str = "permit.png", content: bytes = PNG) -> Any:
    return client.post(
        reverse("filings:materials", args=[filing.reference]),
        {"kind": "residence_permit", "file": SimpleUploadedFile(name, content)},
    )


@pytest.fixture
def desk(client: Client, reviewer: User) -> Client:
    reviewer.groups.add(Group.objects.get(name="审核员"))
    client.force_login(reviewer)
    return client


def test_the_person_uploads_the_missing_materials_on_the_filings_page(
    client: Client, retiree: User
) -> None:
    filing = commitment(retiree)
    client.force_login(retiree)
    page = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "补交证明材料" in page and reverse("filings:materials", args=[filing.reference]) in page
    response = upload(client, filing)
    assert response["Location"] == reverse("filings:detail", args=[filing.reference])
    document = filing.documents.get()
    assert document.original_name == "permit.png" and document.uploaded_by == retiree
    event = filing.events.get(action=EventAction.MATERIALS_SUBMITTED)
    assert event.actor == retiree and event.actor_role == FiledBy.SELF
    page = client.get(response["Location"]).content.decode()
    assert "正在等参保地医保经办机构确认" in page and "permit.png" in page
    filing.refresh_from_db()
    assert not filing.two_way  # uploaded is not yet confirmed


def test_a_son_acting_for_his_mother_uploads_them_and_is_named(
    client: Client, retiree: User, relative: User
) -> None:
    make_grant(retiree, relative)
    filing = commitment(retiree)
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    upload(client, filing, "permit.pdf", PDF)
    event = filing.events.get(action=EventAction.MATERIALS_SUBMITTED)
    assert event.actor == relative and event.actor_role == FiledBy.RELATIVE


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("permit.pdf", PNG, "内容要与扩展名一致"),
        ("permit.exe", b"MZ\x90\x00", "只能上传 PDF、JPG 或 PNG"),
        ("empty.png", b"", "文件是空的"),
    ],
)
def test_an_upload_gets_the_same_checks_as_at_filing(
    client: Client, retiree: User, name: str, content: bytes, message: str
) -> None:
    filing = commitment(retiree)
    client.force_login(retiree)
    response = upload(client, filing, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FilingDocument.objects.exists()


def test_who_may_upload(client: Client, retiree: User, relative: User) -> None:
    filing = commitment(retiree)
    url = reverse("filings:materials", args=[filing.reference])
    assert client.post(url)["Location"].startswith(reverse("login"))  # anonymous
    make_grant(retiree, relative, scope="view")
    client.force_login(relative)  # may see, not act
    assert upload(client, filing).status_code == 404
    client.force_login(make_person())  # a stranger
    assert upload(client, filing).status_code == 404
    client.force_login(retiree)
    assert client.get(url).status_code == 405
    assert not FilingDocument.objects.exists()
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(retiree)
    assert upload(csrf, filing).status_code == 403


def test_nothing_is_asked_of_a_filing_that_owes_nothing(client: Client, retiree: User) -> None:
    plain = make_filing(retiree, category=rules.Category.OTHER_TEMPORARY)
    client.force_login(retiree)
    assert (
        "补交证明材料"
        not in client.get(reverse("filings:detail", args=[plain.reference])).content.decode()
    )
    upload(client, plain)
    assert not FilingDocument.objects.exists()


def test_a_replaced_filing_no_longer_asks_for_materials(client: Client, retiree: User) -> None:
    """Issue 16, item 5: the change carries the commitment; the replaced
    original asks for nothing."""
    original = commitment(retiree, start_date=TODAY - dt.timedelta(days=20))
    new = services.request_change(
        original,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    client.force_login(retiree)
    old_page = client.get(reverse("filings:detail", args=[original.reference])).content.decode()
    assert "补交" not in old_page
    new_page = client.get(reverse("filings:detail", args=[new.reference])).content.decode()
    assert "补交证明材料" in new_page


def test_past_the_deadline_the_page_says_plainly_what_it_means(
    client: Client, retiree: User
) -> None:
    filing = commitment(retiree, materials_due=TODAY - dt.timedelta(days=1))
    client.force_login(retiree)
    page = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "补交材料的期限" in page and "已过" in page
    assert (
        "只能在备案地（上海市）享受待遇" in page
        and "在参保地（安徽省 合肥市）就医暂时不能享受" in page
    )
    assert "补交证明材料" in page  # and they can still send them


def test_staff_find_uploaded_materials_under_materials_to_review(
    desk: Client, retiree: User
) -> None:
    uploaded = commitment(retiree)
    services.submit_materials(
        uploaded,
        by=retiree,
        role=FiledBy.SELF,
        kind="residence_permit",
        upload=SimpleUploadedFile("permit.png", PNG),
        content_type="image/png",
    )
    nothing_yet = commitment(make_person())
    late = commitment(make_person(), materials_due=TODAY - dt.timedelta(days=3))
    listing = reverse("admin:filings_filing_changelist")
    page = desk.get(listing).content.decode()
    assert "材料待审" in page
    review = desk.get(listing, {"materials": "review"}).content.decode()
    assert uploaded.reference in review
    assert nothing_yet.reference not in review and late.reference not in review
    overdue = desk.get(listing, {"materials": "overdue"}).content.decode()
    assert late.reference in overdue and uploaded.reference not in overdue


def test_staff_open_the_file_and_confirm_and_the_filing_becomes_two_way(
    desk: Client, client: Client, retiree: User, reviewer: User
) -> None:
    filing = commitment(retiree)
    document = services.submit_materials(
        filing,
        by=retiree,
        role=FiledBy.SELF,
        kind="residence_permit",
        upload=SimpleUploadedFile("permit.png", PNG),
        content_type="image/png",
    )
    change = desk.get(reverse("admin:filings_filing_change", args=[filing.pk])).content.decode()
    file_url = reverse("admin:filings_filing_document", args=[filing.pk, document.pk])
    assert file_url in change and "确认材料已补齐" in change
    opened = desk.get(file_url)
    assert opened.status_code == 200 and opened["Content-Type"] == "image/png"
    assert b"".join(opened.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    confirm = reverse("admin:filings_filing_materials", args=[filing.pk])
    assert desk.get(confirm).status_code == 405
    desk.post(confirm)
    filing.refresh_from_db()
    assert filing.materials_received_on == TODAY and filing.two_way
    event = filing.events.get(action=EventAction.MATERIALS_RECEIVED)
    assert event.actor == reviewer
    audited = [
        r
        for r in trail(filing)
        if any(c["field"] == "materials_received_on" and c["after"] for c in r["changes"])
    ]
    assert audited and audited[-1]["who"] == str(reviewer)
    # The person sees it.
    client.force_login(retiree)
    page = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "备案地和参保地都可以享受待遇（双向享受）" in page
    assert reverse("filings:materials", args=[filing.reference]) not in page


def test_staff_of_another_region_get_404_for_the_file_and_the_confirmation(
    client: Client, retiree: User
) -> None:
    filing = commitment(retiree)
    document = services.submit_materials(
        filing,
        by=retiree,
        role=FiledBy.SELF,
        kind="residence_permit",
        upload=SimpleUploadedFile("permit.png", PNG),
        content_type="image/png",
    )
    from portal.models import InsuranceRegion

    beijing = make_person(
        full_name="北京审核", is_staff=True, insured_region_id=None, scheme="", member_status=""
    )
    beijing.staff_regions.set([InsuranceRegion.objects.get(pk="110100")])
    beijing.groups.add(Group.objects.get(name="审核员"))
    client.force_login(beijing)
    file_url = reverse("admin:filings_filing_document", args=[filing.pk, document.pk])
    assert client.get(file_url).status_code == 404
    assert (
        client.post(reverse("admin:filings_filing_materials", args=[filing.pk])).status_code == 404
    )
    filing.refresh_from_db()
    assert filing.materials_received_on is None


def test_materials_cannot_be_confirmed_twice_or_for_a_filing_that_owes_none(
    retiree: User, reviewer: User
) -> None:
    import pytest as _pytest
    from django.core.exceptions import ValidationError

    filing = commitment(retiree)
    services.confirm_materials(filing, by=reviewer)
    with _pytest.raises(ValidationError):
        services.confirm_materials(filing, by=reviewer)
    with _pytest.raises(ValidationError):
        services.confirm_materials(make_filing(make_person()), by=reviewer)


def test_a_pending_change_is_completed_with_its_original(retiree: User, reviewer: User) -> None:
    from filings.models import FilingSettings

    original = commitment(retiree, start_date=TODAY - dt.timedelta(days=20))
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    change = services.request_change(
        original,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    assert change.status == Status.SUBMITTED
    services.confirm_materials(original, by=reviewer)
    change.refresh_from_db()
    assert change.materials_received_on == TODAY and change.two_way
