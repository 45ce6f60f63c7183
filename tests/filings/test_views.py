from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filings import rules
from filings.models import Filing, FilingDocument, FilingDraft, FilingSettings, Status
from portal.models import User
from tests.conftest import PASSWORD, make_filing

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%fake but well-formed enough\n"


def step(client: Client, name: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(reverse("filings:step", args=[name]), data, **extra)


def walk_temporary(client: Client, category: str = "other", **details: Any) -> Any:
    step(client, "category", {"category": category})
    step(client, "destination", {"province": "310000", "destination": "310100"})
    step(client, "dates", {"start_date": TODAY.isoformat()})
    step(client, "details", {"contact_phone": "13955100001", **details})
    return step(client, "consent", {"accept": "on"})


def submit(client: Client) -> Any:
    token = FilingDraft.objects.get().token
    return client.post(reverse("filings:submit"), {"token": str(token)})


def test_the_whole_journey_without_javascript_files_one_filing(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    response = step(client, "category", {"category": "retired"})
    assert response["Location"] == reverse("filings:step", args=["destination"])
    # Without JavaScript: choose the province, ask for its cities, then the city.
    response = step(client, "destination", {"province": "310000", "_refresh": "1"})
    assert response["Location"].endswith("?province=310000")
    page = client.get(response["Location"]).content.decode()
    assert '<option value="310100">上海市</option>' in page
    response = step(client, "destination", {"province": "310000", "destination": "310100"})
    assert response["Location"] == reverse("filings:step", args=["dates"])
    step(client, "dates", {"start_date": TODAY.isoformat()})
    response = step(client, "details", {"contact_phone": "13955100001"})
    assert response["Location"] == reverse("filings:step", args=["evidence"])
    response = step(
        client,
        "evidence",
        {
            "evidence": "documents",
            "kind": "residence_permit",
            "file": SimpleUploadedFile("permit.png", PNG),
        },
    )
    assert response["Location"] == reverse("filings:step", args=["consent"])
    response = step(client, "consent", {})
    assert "请阅读告知书并勾选同意" in response.content.decode()
    response = step(client, "consent", {"accept": "on"})
    assert response["Location"] == reverse("filings:check")
    check = client.get(reverse("filings:check")).content.decode()
    assert "上海市" in check and "permit.png" in check and "提交备案" in check
    response = submit(client)
    filing = Filing.objects.get(person=retiree)
    assert response["Location"] == reverse("filings:done", args=[filing.reference])
    assert filing.category == "retired" and filing.end_date is None
    assert filing.documents.get().original_name == "permit.png"
    assert not FilingDraft.objects.exists()
    done = client.get(response["Location"]).content.decode()
    assert filing.reference in done


def test_change_links_on_the_check_page_return_to_it(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    walk_temporary(client)
    check = client.get(reverse("filings:check")).content.decode()
    assert f"{reverse('filings:step', args=['destination'])}?return=check" in check
    response = step(
        client, "destination", {"province": "110000", "destination": "110100", "return": "check"}
    )
    assert response["Location"] == reverse("filings:check")


def test_the_draft_survives_a_new_session_and_the_login_redirect(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "referral"})
    client.logout()  # the session expired
    response = client.get(reverse("filings:step", args=["destination"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.post(reverse("login"), {"username": retiree.mobile, "password": PASSWORD})
    page = client.get(reverse("filings:step", args=["destination"]))
    assert page.status_code == 200
    assert FilingDraft.objects.get(owner=retiree).data["category"] == "referral"


def test_a_double_click_on_submit_makes_one_filing(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    walk_temporary(client)
    token = str(FilingDraft.objects.get().token)
    first = client.post(reverse("filings:submit"), {"token": token})
    second = client.post(reverse("filings:submit"), {"token": token})
    assert first["Location"] == second["Location"]
    assert Filing.objects.count() == 1


def test_an_existing_filing_is_shown_instead_of_a_duplicate(client: Client, retiree: User) -> None:
    existing = make_filing(
        retiree,
        category=rules.Category.REFERRAL,
        destination_id="110100",
        channel="local",
        filed_by_role="staff",
        filed_by=None,
    )
    client.force_login(retiree)
    walk_temporary(client)
    check = client.get(reverse("filings:check")).content.decode()
    assert "已有备案信息，无需再次备案" in check
    assert (
        existing.reference in check
        and reverse("filings:change", args=[existing.reference]) in check
    )
    assert "提交备案" not in check
    response = submit(client)
    assert response.status_code == 409
    assert "已有备案信息，无需再次备案" in response.content.decode()
    assert Filing.objects.count() == 1


def test_a_same_province_destination_is_explained_on_the_check_page(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    walk_temporary(client)
    # The city step refuses it now (the next test); a draft written before
    # that, or before the person's insured region changed, still reaches the
    # check page, which says it again.
    draft = FilingDraft.objects.get()
    draft.data = {**draft.data, "province": "340000", "destination": "340200"}
    draft.save()
    check = client.get(reverse("filings:check")).content.decode()
    assert "同一个省" in check and "提交备案" not in check


def test_a_city_outside_the_chosen_province_is_refused(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "other"})
    response = step(client, "destination", {"province": "310000", "destination": "110100"})
    assert response.status_code == 200
    assert 'id="id_destination_error"' in response.content.decode()


@pytest.mark.parametrize("province", ["\x00", "34\x000000", "３４００００", "340000' OR 1=1"])
def test_a_province_that_is_no_code_is_refused_next_to_the_field(
    client: Client, retiree: User, province: str
) -> None:
    """The posted province picks the city list before the form is checked:
    a NUL byte in it made PostgreSQL fail the page (found by the fuzz test)."""
    client.force_login(retiree)
    step(client, "category", {"category": "other"})
    response = step(client, "destination", {"province": province, "destination": "340100"})
    assert response.status_code == 200
    assert 'id="id_province_error"' in response.content.decode()
    assert client.get(reverse("filings:cities"), {"province": province}).status_code == 200


def test_an_emergency_admission_before_the_start_date_is_explained(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "emergency"})
    step(client, "destination", {"province": "310000", "destination": "310100"})
    step(client, "dates", {"start_date": TODAY.isoformat()})
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = step(
        client,
        "details",
        {
            "contact_phone": "13955100001",
            "treating_hospital": "瑞金医院",
            "admission_date": yesterday,
        },
    )
    html = response.content.decode()
    assert "入院日期早于备案开始日期" in html and 'value="瑞金医院"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("permit.pdf", PNG, "内容要与扩展名一致"),
        ("permit.exe", b"MZ\x90\x00", "只能上传 PDF、JPG 或 PNG"),
        ("empty.png", b"", 'id="id_file_error"'),
    ],
)
def test_uploads_are_checked_by_content(
    client: Client, retiree: User, name: str, content: bytes, message: str
) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "resident"})
    response = step(
        client,
        "evidence",
        {
            "evidence": "documents",
            "kind": "residence_permit",
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FilingDocument.objects.exists()


def test_an_upload_over_ten_megabytes_is_refused(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "resident"})
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = step(
        client, "evidence", {"evidence": "documents", "kind": "residence_permit", "file": big}
    )
    assert "文件太大" in response.content.decode()


def test_upload_another_stays_on_the_evidence_step_and_keeps_both(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "resident"})
    evidence = reverse("filings:step", args=["evidence"])
    for name in ("permit.png", "contract.pdf"):
        content = PNG if name.endswith(".png") else PDF
        response = step(
            client,
            "evidence",
            {
                "evidence": "documents",
                "kind": "residence_permit",
                "file": SimpleUploadedFile(name, content),
                "another": "1",
            },
        )
        assert response["Location"] == evidence
    page = client.get(evidence).content.decode()
    assert "已上传 contract.pdf" in page and "permit.png" in page
    assert FilingDocument.objects.count() == 2
    assert FilingDraft.objects.get().data["evidence"] == "documents"


def test_an_upload_and_its_answer_are_saved_together_or_not_at_all(
    client: Client, retiree: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    client.force_login(retiree)
    step(client, "category", {"category": "resident"})
    original = FilingDraft.save
    attempts = []

    def fail_after_the_upload(self: FilingDraft, *args: Any, **kwargs: Any) -> None:
        if FilingDocument.objects.exists():  # the upload row is in: now the draft fails
            attempts.append(self.pk)
            raise DatabaseError("the connection went away")
        original(self, *args, **kwargs)

    monkeypatch.setattr(FilingDraft, "save", fail_after_the_upload)
    client.raise_request_exception = False
    response = step(
        client,
        "evidence",
        {
            "evidence": "documents",
            "kind": "residence_permit",
            "file": SimpleUploadedFile("permit.png", PNG),
        },
    )
    assert attempts and response.status_code >= 500
    assert not FilingDocument.objects.exists()  # no document without its answer
    assert "evidence" not in FilingDraft.objects.get().data


def test_a_commitment_needs_no_upload(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    step(client, "category", {"category": "resident"})
    response = step(client, "evidence", {"evidence": "commitment"})
    assert response.status_code == 302


def test_the_city_list_is_an_htmx_fragment(client: Client) -> None:
    response = client.get(reverse("filings:cities"), {"province": "340000"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and '<option value="340100">合肥市</option>' in html
    assert client.get(reverse("filings:cities"), {"province": "<script>"}).status_code == 200


def test_my_filings_lists_channels_as_tabs_and_serves_a_fragment_to_htmx(
    client: Client, retiree: User
) -> None:
    make_filing(retiree, channel="local", filed_by_role="staff", filed_by=None)
    make_filing(retiree, category=rules.Category.REFERRAL, destination_id="110100")
    client.force_login(retiree)
    page = client.get(reverse("filings:list"))
    html = page.content.decode()
    assert (
        "<html" in html
        and "快速备案" in html
        and "地方平台" in html
        and "今天入院可以直接结算" in html
    )
    assert "HX-Request" in page["Vary"]
    fragment = client.get(
        reverse("filings:list"), {"channel": "local"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and "上海市" in fragment and "北京市" not in fragment


def test_the_detail_page_shows_the_history(client: Client, retiree: User) -> None:
    from filings.services import cancel

    filing = make_filing(retiree, category=rules.Category.REFERRAL)
    cancel(filing, by=retiree, role="self", reason="已回合肥")
    client.force_login(retiree)
    html = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "取消备案" in html and "已回合肥" in html and retiree.full_name in html


PRIVATE = ["detail", "done", "change", "cancel", "form", "pdf"]


@pytest.mark.parametrize("name", PRIVATE)
def test_a_stranger_gets_404_for_someone_elses_filing(
    client: Client, retiree: User, stranger: User, name: str
) -> None:
    filing = make_filing(retiree)
    client.force_login(stranger)
    assert client.get(reverse(f"filings:{name}", args=[filing.reference])).status_code == 404


def test_a_stranger_gets_404_for_someone_elses_document(
    client: Client, retiree: User, stranger: User
) -> None:
    filing = make_filing(retiree)
    doc = FilingDocument.objects.create(
        filing=filing,
        kind="other",
        file=SimpleUploadedFile("a.png", PNG),
        original_name="a.png",
        content_type="image/png",
        size=len(PNG),
    )
    client.force_login(retiree)
    assert (
        client.get(reverse("filings:document", args=[filing.reference, doc.pk])).status_code == 200
    )
    client.force_login(stranger)
    assert (
        client.get(reverse("filings:document", args=[filing.reference, doc.pk])).status_code == 404
    )


@pytest.mark.parametrize("name", ["list", "new", "check"])
def test_anonymous_people_are_sent_to_login(client: Client, name: str) -> None:
    response = client.get(reverse(f"filings:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_write_views_refuse_the_wrong_method(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    assert client.get(reverse("filings:submit")).status_code == 405
    assert client.get(reverse("filings:discard")).status_code == 405
    assert client.put(reverse("filings:step", args=["category"])).status_code == 405


def test_write_views_need_the_csrf_token(retiree: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(retiree)
    assert (
        client.post(reverse("filings:step", args=["category"]), {"category": "other"}).status_code
        == 403
    )
    assert client.post(reverse("filings:submit"), {"token": "x"}).status_code == 403


def test_cancel_and_change_work_from_the_pages(client: Client, retiree: User) -> None:
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=40))
    client.force_login(retiree)
    response = client.post(
        reverse("filings:change", args=[filing.reference]),
        {"province": "320000", "destination": "320500", "contact_phone": "13955100001"},
    )
    new = Filing.objects.get(replaces=filing)
    assert response["Location"] == reverse("filings:detail", args=[new.reference])
    response = client.post(reverse("filings:cancel", args=[new.reference]), {"reason": ""})
    new.refresh_from_db()
    assert new.status == Status.CANCELLED


def test_the_change_page_says_when_a_locked_filing_can_change(
    client: Client, retiree: User
) -> None:
    FilingSettings.objects.create(region_id="340100", change_lock_months=6)
    filing = make_filing(retiree)
    client.force_login(retiree)
    html = client.get(reverse("filings:change", args=[filing.reference])).content.decode()
    first = rules.add_months(TODAY, 6)
    assert f"{first.year}年{first.month}月{first.day}日" in html


def test_the_pdf_form_carries_the_reference_in_chinese(
    client: Client, retiree: User, tmp_path: Any
) -> None:
    filing = make_filing(retiree)
    client.force_login(retiree)
    response = client.get(reverse("filings:pdf", args=[filing.reference]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "form.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 - a fixed program on our own file
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "跨省异地就医登记备案表" in text and filing.reference in text and "上海市" in text
    assert retiree.id_number not in text and retiree.masked_id_number in text


def test_the_printable_form_has_a_qr_code_for_the_verification_url(
    client: Client, retiree: User
) -> None:
    filing = make_filing(retiree)
    client.force_login(retiree)
    html = client.get(reverse("filings:form", args=[filing.reference])).content.decode()
    assert "<svg" in html and f"/verify/{filing.reference}/" in html


def test_the_public_verification_page_shows_only_masked_facts(
    client: Client, retiree: User
) -> None:
    filing = make_filing(retiree)
    html = client.get(reverse("verify", args=[filing.reference])).content.decode()
    assert "张*兰" in html and "上海市" in html and "有效" in html
    assert (
        retiree.full_name not in html
        and retiree.id_number not in html
        and str(retiree.mobile) not in html
    )
    assert client.get(reverse("verify", args=["BA000"])).status_code == 404


def test_the_verification_page_is_rate_limited(client: Client, retiree: User) -> None:
    from django.core.cache import cache

    cache.clear()
    filing = make_filing(retiree)
    codes = [client.get(reverse("verify", args=[filing.reference])).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    cache.clear()


def test_a_downtime_notice_shows_on_the_filing_pages(client: Client, retiree: User) -> None:
    from notices.models import DowntimeNotice

    DowntimeNotice.objects.create(
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
        message="系统升级，暂停备案服务",
        pages=["filing"],
    )
    client.force_login(retiree)
    assert "系统升级，暂停备案服务" in client.get(reverse("filings:new")).content.decode()
    assert (
        "系统升级，暂停备案服务"
        in client.get(reverse("filings:step", args=["category"])).content.decode()
    )


def test_the_channel_tabs_follow_the_chosen_language(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("filings:list")).content.decode()
    assert ">All <" in html or ">All<" in html
    assert "全部" not in html


def test_the_journey_step_titles_follow_the_chosen_language(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    step(client, "category", {"category": "other"})
    html = client.get(reverse("filings:step", args=["destination"])).content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "去哪里就医" not in title


def test_a_destination_in_the_insured_province_is_refused_at_the_city_step(
    client: Client, retiree: User
) -> None:
    """跨省 means another province: 芜湖 is in 安徽 like her 合肥, so the city
    step itself says so in plain words, before any later step (issue 16, item 7)."""
    client.force_login(retiree)
    step(client, "category", {"category": "other"})
    response = step(client, "destination", {"province": "340000", "destination": "340200"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_province_error"' in html
    assert "跨省异地就医备案用于到外省就医" in html and "合肥市" in html
    assert "destination" not in FilingDraft.objects.get().data


def test_a_change_to_a_city_in_the_insured_province_is_refused_on_the_form(
    client: Client, retiree: User
) -> None:
    filing = make_filing(retiree, category=rules.Category.OTHER_TEMPORARY)
    client.force_login(retiree)
    response = client.post(
        reverse("filings:change", args=[filing.reference]),
        {"province": "340000", "destination": "340200", "contact_phone": "13955100009"},
    )
    assert response.status_code == 200
    assert "跨省异地就医备案用于到外省就医" in response.content.decode()
    assert Filing.objects.count() == 1


def walk_long_term(client: Client, category: str = "resident") -> None:
    step(client, "category", {"category": category})
    step(client, "destination", {"province": "310000", "destination": "310100"})
    step(client, "dates", {"start_date": TODAY.isoformat()})
    step(client, "details", {"contact_phone": "13955100001"})
    step(client, "evidence", {"evidence": "commitment"})
    step(client, "consent", {"accept": "on"})


def test_the_regions_change_lock_is_said_before_a_long_term_filing_is_submitted(
    client: Client, retiree: User, hefei: Any
) -> None:
    """22号文: a region may lock long-term filings against change or
    cancellation for up to six months; the person reads its figure on the
    consent page and the check page, before submitting (issue 16, item 8)."""
    FilingSettings.objects.create(region=hefei, change_lock_months=3)
    client.force_login(retiree)
    walk_long_term(client)
    consent = client.get(reverse("filings:step", args=["consent"])).content.decode()
    check = client.get(reverse("filings:check")).content.decode()
    for page in (consent, check):
        assert "备案生效后 3 个月内不能变更或撤销" in page


def test_no_lock_is_mentioned_for_a_temporary_filing_or_where_there_is_none(
    client: Client, retiree: User, hefei: Any
) -> None:
    client.force_login(retiree)
    walk_long_term(client)
    assert "个月内不能变更或撤销" not in client.get(reverse("filings:check")).content.decode()
    FilingSettings.objects.create(region=hefei, change_lock_months=3)
    FilingDraft.objects.all().delete()
    walk_temporary(client)
    assert "个月内不能变更或撤销" not in client.get(reverse("filings:check")).content.decode()


def test_a_cancelled_filing_shows_what_happened_not_a_backwards_period(
    client: Client, retiree: User
) -> None:
    from filings.services import cancel

    filing = make_filing(retiree, category=rules.Category.OTHER_TEMPORARY)
    cancel(filing, by=retiree, role="self", today=TODAY)
    client.force_login(retiree)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    for name in ("filings:detail", "filings:list", "filings:form"):
        args = [filing.reference] if name != "filings:list" else []
        html = client.get(reverse(name, args=args)).content.decode()
        text = re.sub(r"<[^>]+>", "", html)  # the date sits in an unbreakable span
        assert f"已于 {TODAY.isoformat()} 撤销（未生效）" in text, name
        assert f"{TODAY.isoformat()} — {yesterday}" not in html, name


def test_the_history_of_a_changed_filing_names_the_son_who_changed_it(
    client: Client, retiree: User, relative: User
) -> None:
    from tests.conftest import make_grant

    make_grant(retiree, relative)
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=40))
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    client.post(
        reverse("filings:change", args=[filing.reference]),
        {"province": "320000", "destination": "320500", "contact_phone": "13955100001"},
    )
    html = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    ended = html.split("变更生效，原备案终止")[1].split("</li>")[0]
    assert "李明" in ended and "系统" not in ended


@pytest.fixture
def under_review(retiree: User) -> Filing:
    return make_filing(
        retiree,
        category=rules.Category.OTHER_TEMPORARY,
        destination_id="110100",
        status=Status.SUBMITTED,
        decided_at=None,
    )


def test_the_duplicate_notice_offers_what_can_be_done_with_a_filing_under_review(
    client: Client, retiree: User, under_review: Filing
) -> None:
    """Not "变更这份备案" (which says it cannot be changed yet): wait, with the
    expected decision date, or withdraw it (issue 16, item 6)."""
    client.force_login(retiree)
    walk_temporary(client)
    due = rules.next_working_day_end(timezone.localdate(under_review.submitted_at))
    check = client.get(reverse("filings:check")).content.decode()
    response = submit(client)
    assert response.status_code == 409
    for html in (check, response.content.decode()):
        assert "已有备案信息，无需再次备案" in html
        assert f"预计 <strong>{due.isoformat()}</strong> 前出审核结果" in html
        assert reverse("filings:withdraw", args=[under_review.reference]) in html
        assert reverse("filings:change", args=[under_review.reference]) not in html
    # Withdraw it, and the new filing can go in.
    withdraw = reverse("filings:withdraw", args=[under_review.reference])
    assert "确定撤回这份备案吗" in client.get(withdraw).content.decode()
    response = client.post(withdraw, {"reason": "城市填错了"})
    assert response["Location"] == reverse("filings:check")
    under_review.refresh_from_db()
    assert under_review.status == Status.WITHDRAWN
    assert "提交备案" in client.get(reverse("filings:check")).content.decode()
    submit(client)
    assert Filing.objects.filter(person=retiree, destination_id="310100").exists()


def test_who_may_withdraw(client: Client, retiree: User, under_review: Filing) -> None:
    url = reverse("filings:withdraw", args=[under_review.reference])
    assert client.post(url)["Location"].startswith(reverse("login"))
    client.force_login(
        User.objects.create_user(  # a stranger
            id_number="11010519491231002X",
            password=PASSWORD,
            full_name="路人",
            mobile="13900000077",
            insured_region_id="110100",
            scheme="employee",
            member_status="working",
        )
    )
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    client.force_login(retiree)
    assert client.put(url).status_code == 405
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(retiree)
    assert csrf.post(url).status_code == 403
    under_review.refresh_from_db()
    assert under_review.status == Status.SUBMITTED
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    under_review.refresh_from_db()
    assert under_review.status == Status.WITHDRAWN
    # Once decided there is nothing to withdraw.
    assert client.post(url)["Location"] == reverse("filings:detail", args=[under_review.reference])


def test_cancelling_a_filing_under_review_withdraws_it(
    client: Client, retiree: User, under_review: Filing
) -> None:
    client.force_login(retiree)
    response = client.get(reverse("filings:cancel", args=[under_review.reference]))
    assert response["Location"] == reverse("filings:withdraw", args=[under_review.reference])
    detail = client.get(reverse("filings:detail", args=[under_review.reference])).content.decode()
    assert "撤回备案" in detail
