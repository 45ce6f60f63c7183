from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.choices import CareType, CatalogueClass, FilingSituation
from claims.models import (
    Reimbursement,
    ReimbursementDocument,
    ReimbursementEvent,
    ReimbursementStatus,
)
from portal.models import User
from tests.claims.factories import make_policy, make_settlement
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db
NEW = reverse("claims:reimbursement_new")
LIST = reverse("claims:reimbursements")
PDF = b"%PDF-1.4\n%demo invoice\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ACCOUNT = "6222021001122334458"  # a valid (Luhn) 19-digit card number
TODAY = timezone.localdate()
D = Decimal


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _policies(db: None) -> None:
    # 合肥, employee, retired: inpatient deductible 1,000, 80% at 三级; chronic
    # outpatient deductible 600, 80%; other temporary filers −20 points.
    make_policy(other_temporary_reduction=D(20))
    make_policy(care_type=CareType.CHRONIC_OUTPATIENT, deductible=D("600.00"))


def files() -> dict[str, Any]:
    return {
        "invoices": SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf"),
        "itemised_bills": SimpleUploadedFile("bill.png", PNG, content_type="image/png"),
    }


def form_data(token: uuid.UUID | str | None = None, **overrides: Any) -> dict[str, Any]:
    day = min(dt.date(2026, 3, 10), TODAY)
    data: dict[str, Any] = {
        "token": str(token or uuid.uuid4()),
        "province": "310000",
        "treatment_city": "310100",
        "facility_name": "上海市第六人民医院",
        "facility_level": "3",
        "care_type": "inpatient",
        "admission_date": (day - dt.timedelta(days=6)).isoformat(),
        "discharge_date": day.isoformat(),
        "reason": "system_failure",
        "note": "",
        "amount_a": "9000",
        "amount_b": "3500",
        "b_share": "10",
        "amount_c": "600",
        "bank_name": "中国工商银行上海分行",
        "bank_account": "6222 0210 0112 2334 458",
        **files(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client: Client, **overrides: Any) -> Any:
    return client.post(NEW, form_data(**overrides))


def page_errors(response: Any) -> str:
    return response.content.decode()


# --- the form -----------------------------------------------------------------


def test_the_form_needs_a_login(client: Client) -> None:
    for method in (client.get, client.post):
        response = method(NEW)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not Reimbursement.objects.exists()


def test_the_form_answers_get_and_post_only(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    assert client.put(NEW).status_code == 405
    assert client.delete(NEW).status_code == 405
    assert client.post(LIST).status_code == 405


def test_posting_without_the_csrf_token_is_refused(retiree: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(retiree)
    response = client.post(NEW, form_data())
    assert response.status_code == 403
    assert not Reimbursement.objects.exists()


def test_a_claim_is_made_with_its_lines_documents_and_history(
    client: Client, retiree: User
) -> None:
    make_filing(retiree, start_date=dt.date(2026, 1, 1))
    client.force_login(retiree)
    response = submit(client)
    claim = Reimbursement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:reimbursement", args=[claim.reference])
    assert claim.status == ReimbursementStatus.SUBMITTED
    assert claim.situation == FilingSituation.LONG_TERM  # from her 上海 filing
    assert claim.bank_account == ACCOUNT
    assert claim.insured_region_id == "340100" and claim.member_status == "retired"
    assert sorted((line.catalogue_class, line.amount) for line in claim.lines.all()) == [
        ("A", D("9000.00")),
        ("B", D("3500.00")),
        ("C", D("600.00")),
    ]
    assert sorted(claim.documents.values_list("kind", "content_type")) == [
        ("invoice", "application/pdf"),
        ("itemised_bill", "image/png"),
    ]
    event = claim.events.get()
    assert (event.to_status, event.actor) == (ReimbursementStatus.SUBMITTED, retiree)
    page = client.get(response["Location"]).content.decode()
    assert "6222 **** **** 4458" in page and ACCOUNT not in page


def test_the_same_claim_with_htmx_headers_is_made_the_same_way(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    response = client.post(NEW, form_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    assert Reimbursement.objects.count() == 1


def test_a_double_click_makes_one_application(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    token = uuid.uuid4()
    first = submit(client, token=token)
    second = submit(client, token=token)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Reimbursement.objects.count() == 1
    assert ReimbursementDocument.objects.count() == 2  # the second click stored nothing


def test_submitting_twice_through_the_service_returns_the_first_application(
    retiree: User,
) -> None:
    token = uuid.uuid4()
    claim = services.Claim(
        visit=services.Visit(
            city_code="310100",
            facility_name="瑞金医院",
            facility_level="3",  # type: ignore[arg-type]
            care_type=CareType.INPATIENT,
            admission_date=dt.date(2026, 3, 1),
            discharge_date=dt.date(2026, 3, 5),
        ),
        reason="no_filing",
        note="",
        lines=(),
        bank_name="工商银行",
        bank_account=ACCOUNT,
    )
    first = services.submit_reimbursement(person=retiree, token=token, claim=claim)
    second = services.submit_reimbursement(person=retiree, token=token, claim=claim)
    assert first.pk == second.pk
    assert Reimbursement.objects.count() == 1


def test_the_form_shows_its_errors_next_to_the_fields_and_keeps_the_input(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    response = submit(
        client,
        facility_name="",
        amount_a="12,000元",
        amount_b="abc",
        admission_date="2026-13-40",
        reason=None,
    )
    page = page_errors(response)
    assert response.status_code == 200
    assert "请修改以下问题" in page
    assert 'id="id_facility_name_error"' in page and "请填写这一项" in page
    assert 'id="id_amount_b_error"' in page and "请填写数字" in page
    assert 'id="id_admission_date_error"' in page
    assert 'id="id_reason_error"' in page
    assert 'value="12,000元"' in page  # what she typed is kept
    assert not Reimbursement.objects.exists()


HOSTILE = [
    ({"facility_name": "医院" * 60}, "facility_name", "最多 100 个字"),
    ({"facility_name": "医院\x00名"}, "facility_name", None),
    ({"facility_name": "医院\x1b[31m"}, "facility_name", "特殊字符"),
    ({"note": "说明\x07"}, "note", "特殊字符"),
    ({"note": "长" * 501}, "note", "最多 500 个字"),
    ({"amount_a": "1e5"}, "amount_a", "请填写数字"),
    ({"amount_a": "NaN"}, "amount_a", "请填写数字"),
    ({"amount_a": "-100"}, "amount_a", "不能是负数"),
    ({"amount_a": "9" * 40}, "amount_a", "数额太大"),
    ({"amount_a": "12.345"}, "amount_a", "最多填到分"),
    ({"b_share": "150"}, "b_share", "比例最多是 100"),
    ({"amount_b": "100", "b_share": ""}, "b_share", "先行自付比例"),
    ({"amount_a": "", "amount_b": "", "amount_c": ""}, "amount_a", "至少填写一项费用"),
    ({"bank_account": "6222021001122334459"}, "bank_account", "校验位不对"),
    ({"bank_account": "12345"}, "bank_account", "16 到 19 位"),
    ({"bank_account": "6222O21OO1122334458"}, "bank_account", "只能是数字"),
    ({"bank_account": "1" * 80}, "bank_account", "太长"),
    ({"bank_account": ""}, "bank_account", "请填写银行卡号"),
    ({"bank_name": "x" * 51}, "bank_name", "最多 50 个字"),
    ({"province": "999999"}, "province", "请从列表中选择省份"),
    ({"province": "'><script>"}, "province", "请从列表中选择省份"),
    ({"treatment_city": "110100"}, "treatment_city", "请从列表中选择所选省份的城市"),
    ({"province": "340000", "treatment_city": "340200"}, "treatment_city", "跨省"),
    ({"facility_level": "9"}, "facility_level", "请选择医院等级"),
    ({"discharge_date": "2001-01-01"}, "discharge_date", "不能早于入院日期"),
    ({"admission_date": "1899-01-01"}, "admission_date", "太早"),
    (
        {"discharge_date": (TODAY + dt.timedelta(days=3)).isoformat()},
        "discharge_date",
        "不能晚于今天",
    ),
    ({"reason": "chronic"}, "care_type", "门诊慢特病"),
    ({"reason": "other", "note": ""}, "note", "其他原因"),
    ({"invoices": None}, "invoices", "请上传医疗收费票据"),
    (
        {"invoices": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf")},
        "invoices",
        "只能上传 PDF、JPG 或 PNG",
    ),
    ({"invoices": SimpleUploadedFile("invoice.png", PDF)}, "invoices", "扩展名一致"),
    ({"itemised_bills": SimpleUploadedFile("empty.pdf", b"")}, "itemised_bills", None),
]


@pytest.mark.parametrize(("overrides", "field", "message"), HOSTILE)
def test_hostile_input_gets_a_message_next_to_the_field_and_never_a_500(
    client: Client, retiree: User, overrides: dict[str, Any], field: str, message: str | None
) -> None:
    client.force_login(retiree)
    response = submit(client, **overrides)
    page = page_errors(response)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in page
    if message:
        error = re.search(rf'id="id_{field}_error">(.*?)</p>', page, re.S)
        assert error is not None and message in error.group(1)
    assert not Reimbursement.objects.exists()


def test_a_too_large_upload_is_refused_with_its_size(
    client: Client, retiree: User, settings: Any
) -> None:
    big = SimpleUploadedFile("scan.pdf", PDF + b"\0" * (10 * 1024 * 1024), "application/pdf")
    client.force_login(retiree)
    page = page_errors(submit(client, invoices=big))
    assert "文件太大" in page and "10 MB" in page


def test_a_missing_or_broken_token_asks_to_submit_again(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    for token in ("", "not-a-uuid"):
        data = form_data()
        data["token"] = token
        response = client.post(NEW, data)
        assert response.status_code == 200
        assert "页面已过期" in response.content.decode()
    assert not Reimbursement.objects.exists()


def test_checked_files_and_the_bank_account_are_kept_while_other_fields_are_fixed(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    token = uuid.uuid4()
    response = submit(client, token=token, facility_name="")
    page = page_errors(response)
    # The files need not be chosen again; the card number is shown masked only.
    assert "invoice.pdf" in page and "bill.png" in page
    assert "6222 **** **** 4458" in page
    assert ACCOUNT not in page and "6222 0210 0112 2334 458" not in page
    data = form_data(token=token, invoices=None, itemised_bills=None, bank_account="")
    response = client.post(NEW, data)
    assert response.status_code == 302
    claim = Reimbursement.objects.get()
    assert claim.bank_account == ACCOUNT
    assert claim.documents.count() == 2


def test_without_javascript_choosing_a_province_redraws_the_form_with_its_cities(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    response = client.post(NEW, {"token": str(uuid.uuid4()), "province": "320000", "_refresh": "1"})
    page = page_errors(response)
    assert response.status_code == 200
    assert '<option value="320100">南京市</option>' in page
    assert "请修改以下问题" not in page
    assert not Reimbursement.objects.exists()


def test_with_htmx_the_province_fetches_its_cities_from_the_filings_endpoint(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    page = client.get(NEW).content.decode()
    assert f'hx-get="{reverse("filings:cities")}"' in page
    assert 'hx-target="#id_treatment_city"' in page
    cities = client.get(reverse("filings:cities"), {"province": "320000"}, HTTP_HX_REQUEST="true")
    assert '<option value="320100">南京市</option>' in cities.content.decode()


# --- claiming a recorded self-paid case -------------------------------------------


def test_a_self_paid_settlement_fills_in_the_form_and_is_claimed_once(
    client: Client, retiree: User
) -> None:
    paid_in_full = make_settlement(
        retiree, direct=False, total="13100.00", discharge_date=dt.date(2026, 3, 10)
    )
    client.force_login(retiree)
    page = client.get(NEW, {"settlement": paid_in_full.pk}).content.decode()
    assert 'value="复旦大学附属中山医院"' in page
    assert f'name="settlement" value="{paid_in_full.pk}"' in page
    response = submit(client, settlement=str(paid_in_full.pk))
    assert response.status_code == 302
    assert Reimbursement.objects.get().settlement == paid_in_full
    # Claimed: the form no longer offers it.
    assert client.get(NEW, {"settlement": paid_in_full.pk}).status_code == 404


def test_someone_elses_settlement_cannot_be_claimed(
    client: Client, retiree: User, stranger: User
) -> None:
    theirs = make_settlement(stranger, direct=False)
    client.force_login(retiree)
    assert client.get(NEW, {"settlement": theirs.pk}).status_code == 404
    assert submit(client, settlement=str(theirs.pk)).status_code == 404
    for junk in ("abc", "1" * 40, "-1"):
        assert client.get(NEW, {"settlement": junk}).status_code == 404
    assert not Reimbursement.objects.exists()


# --- the applicant's pages ---------------------------------------------------------


def make_claim(person: User, **overrides: Any) -> Reimbursement:
    day = overrides.pop("day", dt.date(2026, 3, 10))
    claim = services.Claim(
        visit=services.Visit(
            city_code="310100",
            facility_name="上海市第六人民医院",
            facility_level="3",  # type: ignore[arg-type]
            care_type=CareType.INPATIENT,
            admission_date=day - dt.timedelta(days=6),
            discharge_date=day,
        ),
        reason="system_failure",
        note="",
        lines=tuple(
            services.engine.BillLine(D(a), CatalogueClass(c), D(s))
            for a, c, s in (("9000.00", "A", "0"), ("3500.00", "B", "10"), ("600.00", "C", "0"))
        ),
        bank_name="中国工商银行",
        bank_account=ACCOUNT,
        **overrides,
    )
    token = uuid.uuid4()
    upload = SimpleUploadedFile("invoice.pdf", PDF)
    services.store_upload(
        owner=person, token=token, kind="invoice", upload=upload, content_type="application/pdf"
    )
    return services.submit_reimbursement(person=person, token=token, claim=claim)


def test_a_stranger_gets_a_404_for_someone_elses_claim_and_its_files(
    client: Client, retiree: User, stranger: User
) -> None:
    claim = make_claim(retiree)
    document = claim.documents.get()
    detail = reverse("claims:reimbursement", args=[claim.reference])
    download = reverse("claims:reimbursement_document", args=[claim.reference, document.pk])
    client.force_login(stranger)
    assert client.get(detail).status_code == 404
    assert client.get(download).status_code == 404
    assert claim.reference not in client.get(LIST).content.decode()
    client.force_login(retiree)
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_uploads_are_stored_outside_the_static_root(retiree: User, settings: Any) -> None:
    claim = make_claim(retiree)
    path = claim.documents.get().file.path
    assert path.startswith(str(settings.MEDIA_ROOT))
    assert not path.startswith(str(settings.STATIC_ROOT))


def test_the_applicant_sees_the_status_and_history(client: Client, retiree: User) -> None:
    claim = make_claim(retiree)
    client.force_login(retiree)
    page = client.get(reverse("claims:reimbursement", args=[claim.reference])).content.decode()
    assert "已提交，等待审核" in page and "办理记录" in page
    assert "6222 **** **** 4458" in page and ACCOUNT not in page
    assert claim.reference in client.get(LIST).content.decode()


# --- staff review through the admin ------------------------------------------------


def decide(client: Client, claim: Reimbursement, decision: str, **data: str) -> Any:
    url = reverse("admin:claims_reimbursement_decide", args=[claim.pk])
    return client.post(url, {"decision": decision, **data})


def test_a_claim_goes_from_application_to_paid_through_the_admin(
    client: Client, retiree: User, reviewer: User
) -> None:
    make_filing(retiree, start_date=dt.date(2026, 1, 1))
    applicant = Client()
    applicant.force_login(retiree)
    assert submit(applicant).status_code == 302
    claim = Reimbursement.objects.get()
    reviewer.user_permissions.add(*_permissions("view_reimbursement", "change_reimbursement"))
    client.force_login(reviewer)
    change = reverse("admin:claims_reimbursement_change", args=[claim.pk])

    assert decide(client, claim, "start_review").status_code == 302
    page = client.get(change).content.decode()
    # The amount staff approve is shown first: in scope 9,000 + 3,500 × 90% =
    # 12,150; above the 1,000 deductible 11,150 at 80% = 8,920.
    assert "8,920.00" in page
    assert decide(client, claim, "approve", note="材料齐全").status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount) == (ReimbursementStatus.APPROVED, D("8920.00"))
    assert claim.decided_by == reviewer and claim.breakdown["fund"] == "8920.00"
    assert decide(client, claim, "pay", note="流水号 123").status_code == 302
    claim.refresh_from_db()
    assert claim.status == ReimbursementStatus.PAID and claim.paid_at is not None
    history = list(claim.events.values_list("from_status", "to_status", "actor"))
    assert history == [
        ("", "submitted", retiree.pk),
        ("submitted", "under_review", reviewer.pk),
        ("under_review", "approved", reviewer.pk),
        ("approved", "paid", reviewer.pk),
    ]
    mine = applicant.get(reverse("claims:reimbursement", args=[claim.reference]))
    assert "报销款已支付" in mine.content.decode() and "8,920.00" in mine.content.decode()


def test_a_claim_without_a_filing_is_assessed_as_other_temporary_care(retiree: User) -> None:
    claim = make_claim(retiree)
    assert claim.situation == FilingSituation.NONE
    assessment = services.assess(claim)
    assert assessment is not None
    # 80% − 20 points = 60%: (12,150 − 1,000) × 60% = 6,690.
    assert assessment.situation == FilingSituation.OTHER_TEMPORARY
    assert assessment.amount == D("6690.00")


def test_the_year_so_far_lowers_what_is_left_of_the_cap(retiree: User) -> None:
    Reimbursement.objects.all().delete()
    make_settlement(retiree, total="100000.00", fund="95000.00", discharge_date=dt.date(2026, 2, 1))
    claim = make_claim(retiree)
    assessment = services.assess(claim)
    assert assessment is not None
    # The 100,000 cap has 5,000 left after February's 95,000.
    assert assessment.year.fund_paid == D("95000.00")
    assert assessment.amount == D("5000.00")
    # A second admission this year: the first one counts.
    assert assessment.year.admissions == 1


def test_rejecting_needs_a_reason_the_applicant_reads(
    client: Client, retiree: User, reviewer: User
) -> None:
    claim = make_claim(retiree)
    reviewer.user_permissions.add(*_permissions("view_reimbursement", "change_reimbursement"))
    client.force_login(reviewer)
    decide(client, claim, "start_review")
    decide(client, claim, "reject", reason="   ")
    claim.refresh_from_db()
    assert claim.status == ReimbursementStatus.UNDER_REVIEW
    decide(client, claim, "reject", reason="发票与费用清单金额不一致。")
    claim.refresh_from_db()
    assert claim.status == ReimbursementStatus.REJECTED
    applicant = Client()
    applicant.force_login(retiree)
    page = applicant.get(reverse("claims:reimbursement", args=[claim.reference])).content.decode()
    assert "发票与费用清单金额不一致。" in page


def test_steps_cannot_be_skipped_or_repeated(retiree: User, reviewer: User) -> None:
    claim = make_claim(retiree)
    with pytest.raises(ValidationError):
        services.approve(claim, by=reviewer)  # not under review yet
    with pytest.raises(ValidationError):
        services.mark_paid(claim, by=reviewer)
    services.start_review(claim, by=reviewer)
    services.approve(claim, by=reviewer)
    with pytest.raises(ValidationError):
        services.reject(claim, by=reviewer, reason="太晚了")
    services.mark_paid(claim, by=reviewer)
    with pytest.raises(ValidationError):
        services.mark_paid(claim, by=reviewer)
    assert ReimbursementEvent.objects.filter(reimbursement=claim).count() == 4


def test_staff_see_only_claims_of_their_insured_regions(
    client: Client, retiree: User, stranger: User, reviewer: User
) -> None:
    hefei = make_claim(retiree)
    beijing = make_claim(stranger)  # insured in 北京
    reviewer.user_permissions.add(*_permissions("view_reimbursement", "change_reimbursement"))
    client.force_login(reviewer)
    listing = client.get(reverse("admin:claims_reimbursement_changelist")).content.decode()
    assert hefei.reference in listing and beijing.reference not in listing
    assert (
        client.get(reverse("admin:claims_reimbursement_change", args=[beijing.pk])).status_code
        == 302  # the admin redirects a missing object to its index
    )
    assert decide(client, beijing, "start_review").status_code == 404
    document = beijing.documents.get()
    url = reverse("admin:claims_reimbursement_document", args=[beijing.pk, document.pk])
    assert client.get(url).status_code == 404
    beijing.refresh_from_db()
    assert beijing.status == ReimbursementStatus.SUBMITTED


def test_the_admin_decision_url_answers_post_only_and_checks_csrf(
    retiree: User, reviewer: User
) -> None:
    claim = make_claim(retiree)
    reviewer.user_permissions.add(*_permissions("view_reimbursement", "change_reimbursement"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    url = reverse("admin:claims_reimbursement_decide", args=[claim.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "start_review"}).status_code == 403
    claim.refresh_from_db()
    assert claim.status == ReimbursementStatus.SUBMITTED


def test_admin_actions_start_review_and_pay_in_bulk(
    client: Client, retiree: User, reviewer: User
) -> None:
    first, second = make_claim(retiree), make_claim(retiree)
    reviewer.user_permissions.add(*_permissions("view_reimbursement", "change_reimbursement"))
    client.force_login(reviewer)
    changelist = reverse("admin:claims_reimbursement_changelist")
    client.post(
        changelist,
        {"action": "start_review_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert set(Reimbursement.objects.values_list("status", flat=True)) == {"under_review"}
    services.approve(first, by=reviewer)
    client.post(
        changelist, {"action": "mark_paid_selected", "_selected_action": [first.pk, second.pk]}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("paid", "under_review")


def test_a_resident_cannot_open_the_review_admin(client: Client, retiree: User) -> None:
    claim = make_claim(retiree)
    client.force_login(retiree)
    response = decide(client, claim, "start_review")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    claim.refresh_from_db()
    assert claim.status == ReimbursementStatus.SUBMITTED


def _permissions(*codenames: str) -> list[Any]:
    from django.contrib.auth.models import Permission

    return list(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


def test_the_claims_list_takes_the_same_number_of_queries_for_one_or_many(
    client: Client, retiree: User, django_assert_num_queries: Any
) -> None:
    make_claim(retiree)
    make_settlement(retiree, direct=False)
    client.force_login(retiree)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    # Ours: the applications with their cities, the self-paid cases not yet claimed.
    assert len([q for q in one.captured_queries if '"claims_' in q["sql"]]) == 2
    for _ in range(5):
        make_claim(retiree)
        make_settlement(retiree, direct=False)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(LIST)
    assert page.content.decode().count("用这条记录申请报销") == 6


# --- issue 16: kept files, the error summary, one payment date --------------------


def test_a_kept_file_is_listed_with_a_remove_button_and_can_be_removed(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    token = uuid.uuid4()
    page = page_errors(submit(client, token=token, facility_name=""))
    kept = ReimbursementDocument.objects.get(original_name="invoice.pdf")
    assert "已上传医疗收费票据（发票）：invoice.pdf" in page
    assert f'name="remove" value="{kept.pk}"' in page
    # 删除 posts the form: that file goes, what was typed and the card stay.
    data = form_data(token=token, invoices=None, itemised_bills=None, bank_account="")
    page = client.post(NEW, {**data, "remove": str(kept.pk)}).content.decode()
    assert not ReimbursementDocument.objects.filter(pk=kept.pk).exists()
    assert "invoice.pdf" not in page and "bill.png" in page
    assert "6222 **** **** 4458" in page and 'value="上海市第六人民医院"' in page
    assert 'class="error-summary"' not in page  # nothing judged yet
    # Now the invoice is missing again, and is asked for.
    response = client.post(NEW, data)
    assert response.status_code == 200 and 'id="id_invoices_error"' in response.content.decode()


def test_a_person_cannot_remove_someone_elses_kept_file(
    client: Client, retiree: User, stranger: User
) -> None:
    client.force_login(retiree)
    token = uuid.uuid4()
    submit(client, token=token, facility_name="")
    kept = ReimbursementDocument.objects.get(original_name="invoice.pdf")
    client.force_login(stranger)
    client.post(NEW, {**form_data(token=token), "remove": str(kept.pk)})
    assert ReimbursementDocument.objects.filter(pk=kept.pk).exists()


def test_the_error_summary_gets_the_focus_from_a_static_script(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    page = page_errors(submit(client, facility_name=""))
    assert "data-error-summary" in page and 'tabindex="-1"' in page
    assert re.search(r'<script src="[^"]*js/error-summary\.js" defer></script>', page)
    script = (django_settings.BASE_DIR / "static" / "js" / "error-summary.js").read_text()
    assert "focus()" in script and "data-error-summary" in script


def test_the_summary_and_the_history_give_the_same_payment_date(
    client: Client, retiree: User, reviewer: User
) -> None:
    claim = make_claim(retiree)
    services.start_review(claim, by=reviewer)
    services.approve(claim, by=reviewer)
    services.mark_paid(claim, by=reviewer)
    # The payment was recorded on another day than the row's copy says.
    paid_on = dt.datetime(2026, 9, 7, 10, 21, tzinfo=dt.UTC)
    ReimbursementEvent.objects.filter(reimbursement=claim, to_status="paid").update(at=paid_on)
    client.force_login(retiree)
    page = client.get(reverse("claims:reimbursement", args=[claim.reference])).content.decode()
    assert "2026-09-07 已打款" in page
    assert re.search(r"2026-09-07 \d\d:\d\d(</span>)?</time> · 已支付", page)


@pytest.mark.parametrize("records", [True, False])
@pytest.mark.parametrize("year", ["99999999999999999999", "²", "-1", "0", "2026\x00"])
def test_the_settlement_list_takes_any_year_without_a_500(
    client: Client, retiree: User, year: str, records: bool
) -> None:
    if records:
        make_settlement(retiree)
    client.force_login(retiree)
    assert client.get(reverse("claims:list"), {"year": year}).status_code == 200


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30])
def test_an_odd_settlement_number_is_a_404_not_a_500(
    client: Client, retiree: User, value: str
) -> None:
    client.force_login(retiree)
    assert client.get(NEW, {"settlement": value}).status_code == 404


def test_a_stay_the_hospital_recorded_paid_in_full_fills_in_the_amounts_and_the_reason(
    client: Client, retiree: User
) -> None:
    # 医保发〔2022〕22号 三(四): manual reimbursement built on the cost data the
    # facility uploaded. Two 乙类 lines: their share is weighted by amount.
    paid_in_full = make_settlement(
        retiree,
        direct=False,
        total="13100.00",
        discharge_date=dt.date(2026, 3, 10),
        fallback_reason="no_filing",
        bill_lines=[
            {"catalogue_class": "A", "amount": "9000.00", "first_self_pay_share": "0"},
            {"catalogue_class": "B", "amount": "3000.00", "first_self_pay_share": "10"},
            {"catalogue_class": "B", "amount": "1000.00", "first_self_pay_share": "30"},
            {"catalogue_class": "C", "amount": "100.00", "first_self_pay_share": "0"},
        ],
    )
    client.force_login(retiree)
    page = client.get(NEW, {"settlement": paid_in_full.pk}).content.decode()
    assert 'name="amount_a" value="9000.00"' in page
    assert 'name="amount_b" value="4000.00"' in page
    assert 'name="b_share" value="15.00"' in page
    assert 'name="amount_c" value="100.00"' in page
    assert re.search(r'name="reason" value="no_filing"[^>]*checked', page)


def test_a_system_failure_the_hospital_reported_is_the_claims_reason(
    client: Client, retiree: User
) -> None:
    # No filing situation recorded, but the hospital said the system failed.
    paid_in_full = make_settlement(
        retiree,
        direct=False,
        fallback_reason="system_failure",
        bill_lines=[{"catalogue_class": "A", "amount": "10000.00", "first_self_pay_share": "0"}],
    )
    client.force_login(retiree)
    page = client.get(NEW, {"settlement": paid_in_full.pk}).content.decode()
    assert re.search(r'name="reason" value="system_failure"[^>]*checked', page)
    assert 'name="amount_a" value="10000.00"' in page
