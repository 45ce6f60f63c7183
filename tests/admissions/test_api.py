"""The hospitals' API: credentials, the admission check, discharge settlement
and reversal, referral filing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admissions.models import Admission, ApiCall, HospitalSettlement
from claims import engine
from claims import services as claim_services
from claims.choices import CareType, CatalogueClass, FacilityLevel, FilingSituation
from claims.models import Settlement
from facilities.models import Facility
from filings import rules
from filings.models import FiledBy, Filing
from portal.models import User
from tests.admissions.conftest import Credential, make_client, post
from tests.conftest import make_filing
from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
CHECK = "/api/v1/admission-checks"
SETTLE = "/api/v1/settlements"
REFER = "/api/v1/referrals"


def reversal(number: str) -> str:
    return f"/api/v1/settlements/{number}/reversal"


def check_body(person: User, **overrides: Any) -> dict[str, Any]:
    body = {"id_number": person.id_number, "name": person.full_name, "day": TODAY.isoformat()}
    body.update(overrides)
    return body


LINES = [
    {"amount": "20000.00", "catalogue_class": "A"},
    {"amount": "5000.00", "catalogue_class": "B", "first_self_pay_share": "10"},
    {"amount": "1500.00", "catalogue_class": "C"},
]


def bill(person: User, number: str = "ZY2026-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "settlement_number": number,
        "id_number": person.id_number,
        "name": person.full_name,
        "admission_date": (TODAY - dt.timedelta(days=9)).isoformat(),
        "discharge_date": (TODAY - dt.timedelta(days=2)).isoformat(),
        "lines": LINES,
    }
    body.update(overrides)
    return body


def referral_body(person: User, **overrides: Any) -> dict[str, Any]:
    body = {
        "token": "REF-1",
        "id_number": person.id_number,
        "name": person.full_name,
        "destination": "310100",
        "diagnosis": "肺癌",
        "referral_date": TODAY.isoformat(),
    }
    body.update(overrides)
    return body


# --- credentials -------------------------------------------------------------


ENDPOINTS = [
    (CHECK, check_body),
    (SETTLE, bill),
    (REFER, referral_body),
    (reversal("ZY2026-0001"), lambda person: {}),
    (
        "/api/v1/admission-checks/by-voucher",
        lambda person: {"voucher": "ABCD-EFGH-JKLM", "day": TODAY.isoformat()},
    ),
    (
        "/api/v1/admissions",
        lambda person: {
            **check_body(person),
            "admission_number": "A1",
            "self_pay_agreement": False,
        },
    ),
]


@pytest.mark.parametrize(("path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_missing_wrong_or_revoked_credential(
    client: Client, credential: Credential, retiree: User, path: str, body: Any
) -> None:
    data = body(retiree)
    assert post(client, path, data, None).status_code == 401
    prefix = credential.key.split(".")[0]
    for wrong in (f"{prefix}.not-the-secret", "garbage", f"{prefix}.", "a.b"):
        response = client.post(
            path,
            data,
            content_type="application/json",
            headers={"Authorization": f"Bearer {wrong}"},
        )
        assert response.status_code == 401, wrong
    credential.client.revoke()
    assert post(client, path, data, credential).status_code == 401
    assert not Filing.objects.filter(person=retiree).exists()
    assert not Settlement.objects.exists() and not Admission.objects.exists()


def test_a_rotated_credential_replaces_the_old_one(
    client: Client, credential: Credential, retiree: User
) -> None:
    new_key = credential.client.rotate()
    assert post(client, CHECK, check_body(retiree), credential).status_code == 401
    fresh = Credential(credential.client, new_key)
    assert post(client, CHECK, check_body(retiree), fresh).status_code == 200
    assert credential.client.rotated_at is not None


def test_the_secret_is_kept_only_as_its_hash(credential: Credential) -> None:
    secret = credential.key.split(".", 1)[1]
    row = credential.client
    row.refresh_from_db()
    assert secret not in row.secret_hash and len(secret) >= 40
    assert row.accepts(secret) and not row.accepts(secret + "x")


def test_every_authenticated_call_is_audited(
    client: Client, credential: Credential, retiree: User, shanghai_hospital: Facility
) -> None:
    post(client, CHECK, check_body(retiree), credential)
    call = ApiCall.objects.get()
    assert (call.client, call.facility, call.endpoint, call.method) == (
        credential.client,
        shanghai_hospital,
        CHECK,
        "POST",
    )
    assert call.at is not None


def test_calls_over_the_rate_are_refused_per_client(
    client: Client, credential: Credential, retiree: User, settings: Any, hefei_hospital: Facility
) -> None:
    settings.HOSPITAL_API_RATE = "3/m"
    codes = [post(client, CHECK, check_body(retiree), credential).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = make_client(hefei_hospital)
    assert post(client, CHECK, check_body(retiree), other).status_code == 200


# --- admission check ---------------------------------------------------------


def test_the_admission_check_answers_from_her_filing_at_the_hospital_itself(
    client: Client, credential: Credential, retiree: User
) -> None:
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    response = post(client, CHECK, check_body(retiree), credential)
    assert response.status_code == 200
    data = response.json()
    assert data["direct"] is True and data["answer"] == "direct"
    assert data["filing"]["reference"] == filing.reference
    assert any(r["code"] == "local_terms" for r in data["reasons"])


def test_without_a_filing_the_hospital_is_told_what_to_do(
    client: Client, credential: Credential, retiree: User
) -> None:
    data = post(client, CHECK, check_body(retiree), credential).json()
    assert data["direct"] is False and data["action"] == "file"


def test_a_hospital_in_another_city_gets_its_own_place_not_hers(
    client: Client, retiree: User
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))  # to 上海
    beijing = make_client(
        make_facility(
            code="H11010100001", name="北京协和医院", province_id="110000", city_id="110100"
        )
    )
    data = post(client, CHECK, check_body(retiree), beijing).json()
    assert data["direct"] is False


@pytest.mark.parametrize(
    "change",
    [
        {"name": "张桂"},
        {"name": "李明"},
        {"id_number": "110101199003077777"},
    ],
)
def test_a_wrong_name_or_an_unknown_number_gets_the_same_not_found(
    client: Client, credential: Credential, retiree: User, change: dict[str, str]
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    response = post(client, CHECK, check_body(retiree, **change), credential)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_the_id_number_alone_is_not_enough(
    client: Client, credential: Credential, retiree: User
) -> None:
    body = check_body(retiree)
    del body["name"]
    assert post(client, CHECK, body, credential).status_code == 422


# --- discharge settlement ------------------------------------------------------


def settled(
    client: Client, credential: Credential, body: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    response = post(client, SETTLE, body, credential)
    assert response.status_code == status, response.content
    data: dict[str, Any] = response.json()
    return data


def test_a_discharge_is_settled_by_the_engine_and_stored_as_hers(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    data = settled(client, credential, bill(retiree))
    expected = engine.settle(
        policy=inpatient_policy.terms(),
        situation=FilingSituation.LONG_TERM,
        level=FacilityLevel.LEVEL_3,
        lines=[
            engine.BillLine(Decimal("20000.00"), CatalogueClass.A),
            engine.BillLine(Decimal("5000.00"), CatalogueClass.B, Decimal(10)),
            engine.BillLine(Decimal("1500.00"), CatalogueClass.C),
        ],
    )
    for name, value in expected.parts.items():
        if name != "paid_in_full":
            assert Decimal(data[name]) == value, name
    assert Decimal(data["total"]) == expected.total == Decimal("26500.00")
    assert Decimal(data["personal"]) == expected.personal
    assert data["direct"] is True and data["situation"] == "long_term"
    assert [Decimal(b["fund"]) for b in data["bands"]] == [b.fund for b in expected.bands]
    record = Settlement.objects.get(number=data["record_number"])
    assert record.person == retiree and record.fund == expected.fund
    assert record.facility_name == "上海市第一人民医院" and record.treatment_city_id == "310100"


def test_the_settlement_is_on_her_settlement_page(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    data = settled(client, credential, bill(retiree))
    client.force_login(retiree)
    html = client.get(reverse("claims:list")).content.decode()
    record = Settlement.objects.get(number=data["record_number"])
    assert reverse("claims:settlement", args=[record.pk]) in html
    assert "上海市第一人民医院" in html


def test_the_same_settlement_number_twice_returns_the_first_result(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    first = settled(client, credential, bill(retiree))
    again = settled(client, credential, bill(retiree), status=200)
    assert again == first
    assert Settlement.objects.count() == 1


def test_a_settlement_number_reused_for_another_bill_is_a_conflict(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    settled(client, credential, bill(retiree))
    other = bill(retiree, lines=[{"amount": "99.00", "catalogue_class": "A"}])
    assert post(client, SETTLE, other, credential).status_code == 409
    assert Settlement.objects.count() == 1


def test_two_hospitals_may_use_the_same_settlement_number(
    client: Client,
    credential: Credential,
    retiree: User,
    inpatient_policy: Any,
    hefei_hospital: Facility,
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    settled(client, credential, bill(retiree))
    settled(client, make_client(hefei_hospital), bill(retiree))
    assert HospitalSettlement.objects.count() == 2


def test_a_later_settlement_uses_only_the_cap_left(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    big = [{"amount": "80000.00", "catalogue_class": "A"}]
    first = settled(client, credential, bill(retiree, "N1", lines=big))
    second = settled(client, credential, bill(retiree, "N2", lines=big))
    assert Decimal(first["fund"]) + Decimal(second["fund"]) == Decimal("100000.00")
    assert Decimal(second["over_cap"]) > 0


def test_without_a_filing_the_stay_is_recorded_paid_in_full(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    data = settled(client, credential, bill(retiree))
    assert data["direct"] is False and Decimal(data["fund"]) == 0
    assert Decimal(data["personal"]) == Decimal("26500.00")


def test_a_large_case_is_flagged(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    data = settled(
        client, credential, bill(retiree, lines=[{"amount": "30000.00", "catalogue_class": "A"}])
    )
    assert data["large_case"] is True


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"amount": "-1.00", "catalogue_class": "A"}]},
        {"lines": [{"amount": "1.005", "catalogue_class": "A"}]},
        {"lines": [{"amount": "10.00", "catalogue_class": "A", "first_self_pay_share": "10"}]},
        {"discharge_date": (TODAY - dt.timedelta(days=20)).isoformat()},
        {"discharge_date": (TODAY + dt.timedelta(days=1)).isoformat()},
        {"settlement_number": "has space"},
    ],
)
def test_a_bill_that_breaks_a_rule_is_refused(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any, change: Any
) -> None:
    assert post(client, SETTLE, bill(retiree, **change), credential).status_code == 422
    assert not Settlement.objects.exists()


def test_without_a_policy_the_bill_is_refused_not_crashed(
    client: Client, credential: Credential, retiree: User
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    assert post(client, SETTLE, bill(retiree), credential).status_code == 422


# --- reversal ------------------------------------------------------------------


def test_a_reversal_gives_back_the_year_to_date(
    client: Client, credential: Credential, retiree: User, inpatient_policy: Any
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    data = settled(client, credential, bill(retiree))
    fund = Decimal(data["fund"])

    def used() -> Decimal:
        return claim_services.year_to_date(
            person_id_number=retiree.id_number,
            care_type=CareType.INPATIENT,
            before=TODAY,
            whole_year=True,
        ).fund_paid

    assert used() == fund
    response = post(client, reversal("ZY2026-0001"), {}, credential)
    assert response.status_code == 200
    body = response.json()
    assert Decimal(body["fund_returned"]) == fund
    assert Decimal(body["year_to_date"]["fund_paid"]) == 0 == used()
    assert body["year_to_date"]["admissions"] == 0
    assert Settlement.objects.get().reversed_at is not None
    # Twice is the same as once; a new stay settles against the whole cap again.
    assert post(client, reversal("ZY2026-0001"), {}, credential).status_code == 200
    again = settled(client, credential, bill(retiree, "ZY2026-0002"))
    assert Decimal(again["fund"]) == fund
    client.force_login(retiree)
    assert "已冲正" in client.get(reverse("claims:list")).content.decode()


def test_a_hospital_cannot_reverse_another_hospitals_settlement(
    client: Client,
    credential: Credential,
    retiree: User,
    inpatient_policy: Any,
    hefei_hospital: Facility,
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=60))
    settled(client, credential, bill(retiree))
    other = make_client(hefei_hospital)
    assert post(client, reversal("ZY2026-0001"), {}, other).status_code == 404
    assert Settlement.objects.get().reversed_at is None


# --- referral filing -----------------------------------------------------------


def test_a_hefei_hospital_with_referral_rights_files_her_referral(
    client: Client, referrer: Credential, retiree: User
) -> None:
    response = post(client, REFER, referral_body(retiree), referrer)
    assert response.status_code == 200, response.content
    filing = Filing.objects.get(person=retiree)
    assert filing.category == rules.Category.REFERRAL
    assert filing.filed_by_role == FiledBy.HOSPITAL and filing.filed_by is None
    assert filing.referring_hospital == "安徽医科大学第一附属医院"
    assert response.json()["reference"] == filing.reference


def test_the_same_client_token_makes_one_filing(
    client: Client, referrer: Credential, retiree: User
) -> None:
    first = post(client, REFER, referral_body(retiree), referrer).json()
    again = post(client, REFER, referral_body(retiree), referrer).json()
    assert first == again and Filing.objects.filter(person=retiree).count() == 1


def test_a_second_referral_for_the_same_period_is_a_duplicate(
    client: Client, referrer: Credential, retiree: User
) -> None:
    post(client, REFER, referral_body(retiree), referrer)
    response = post(client, REFER, referral_body(retiree, token="REF-2"), referrer)
    assert response.status_code == 409
    assert Filing.objects.filter(person=retiree).count() == 1


def test_a_hospital_without_referral_rights_is_refused(
    client: Client, hefei_hospital: Facility, retiree: User
) -> None:
    plain = make_client(hefei_hospital)
    assert post(client, REFER, referral_body(retiree), plain).status_code == 403
    assert not Filing.objects.exists()


def test_a_hospital_outside_her_insured_place_gets_not_found(
    client: Client, shanghai_hospital: Facility, retiree: User
) -> None:
    shanghai = make_client(shanghai_hospital, can_refer=True)
    assert post(client, REFER, referral_body(retiree), shanghai).status_code == 404
    assert not Filing.objects.exists()


def test_a_referral_breaking_a_filing_rule_is_refused(
    client: Client, referrer: Credential, retiree: User
) -> None:
    same_province = referral_body(retiree, destination="340200")
    response = post(client, REFER, same_province, referrer)
    assert response.status_code == 422
    assert not Filing.objects.exists()


def test_chronic_care_needs_a_known_disease(
    client: Client, credential: Credential, retiree: User
) -> None:
    body = check_body(retiree, care="chronic", disease="NOPE")
    assert post(client, CHECK, body, credential).status_code == 422


# --- the document and its docs page --------------------------------------------


def test_the_openapi_document_is_served_without_a_credential(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/admission-checks", "/api/v1/settlements", "/api/v1/referrals"} <= set(
        document["paths"]
    )


def test_the_docs_page_loads_its_scripts_from_the_app_not_a_cdn(client: Client) -> None:
    response = client.get("/api/docs", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "<script>" not in html


def test_a_refused_credential_is_logged_by_its_prefix_never_its_secret(
    client: Client, credential: Credential, retiree: User, caplog: Any
) -> None:
    prefix = credential.key.split(".")[0]
    wrong = f"{prefix}.a-wrong-secret-of-some-length"
    with caplog.at_level("WARNING", logger="admissions.api"):
        client.post(
            CHECK,
            check_body(retiree),
            content_type="application/json",
            headers={"Authorization": f"Bearer {wrong}"},
        )
    assert prefix in caplog.text and "a-wrong-secret" not in caplog.text
    assert not ApiCall.objects.exists()
