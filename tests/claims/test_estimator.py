from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from claims import services
from claims.choices import CareType, CatalogueClass
from claims.engine import BillLine, YearToDate
from portal.models import Scheme, User
from tests.claims.factories import make_policy

pytestmark = pytest.mark.django_db

URL = reverse("claims:estimate")


@pytest.fixture(autouse=True)
def hefei_retiree_inpatient_policy(db: None) -> None:
    # 合肥, employee, retired, inpatient: deductible 1,000; one band 90/85/80%;
    # cap 100,000; referral −10 points.
    make_policy(referral_reduction=Decimal(10))


def query(**overrides: Any) -> dict[str, Any]:
    data = {
        "province": "340000",
        "region": "340100",
        "scheme": "employee",
        "member_status": "retired",
        "situation": "long_term",
        "care_type": "inpatient",
        "level": "3",
        "amount_a": "20000",
        "amount_b": "10000",
        "b_share": "10",
        "amount_c": "2000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def page(client: Client, **overrides: Any) -> str:
    response = client.get(URL, query(**overrides))
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_can_open_the_estimator_and_sees_no_result_and_no_errors(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "看病费用估算" in text
    assert 'method="get"' in text
    assert "估算结果" not in text
    assert "请修改以下问题" not in text


def test_the_nav_links_to_the_estimator(client: Client) -> None:
    text = client.get(reverse("home")).content.decode()
    assert f'href="{URL}"' in text


def test_a_logged_in_person_starts_from_their_own_insured_place_and_scheme(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    text = client.get(URL).content.decode()
    assert '<option value="340000" selected>' in text
    assert '<option value="340100" selected>' in text
    assert _checked(text, "scheme", "employee")
    assert _checked(text, "member_status", "retired")
    assert not _checked(text, "member_status", "working")


def _checked(text: str, name: str, value: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', text)
    return bool(tag and "checked" in tag.group(0))


def test_a_long_term_filer_reads_the_breakdown_in_plain_words(client: Client) -> None:
    text = page(client)
    # 丙 2,000; 乙 share 10% of 10,000 = 1,000; in scope 29,000; deductible 1,000;
    # 28,000 at 80% (level 3) = 22,400 from the fund; personal 32,000 − 22,400 = 9,600.
    assert "估算结果" in text
    assert "您大约需要自己付 <strong>9,600.00 元</strong>" in text
    assert "医保基金支付 <strong>22,400.00 元</strong>" in text
    assert "32,000.00" in text and "2,000.00" in text and "1,000.00" in text
    assert "28,000.00 元，医保按 80% 支付 22,400.00 元，自己付 5,600.00 元" in text
    assert "按参保地本地的标准报销" in text


def test_a_referral_is_paid_at_the_lower_ratio_and_says_why(client: Client) -> None:
    text = page(client, situation="referral")
    # 28,000 at 80 − 10 = 70% = 19,600; personal 32,000 − 19,600 = 12,400.
    assert "医保基金支付 <strong>19,600.00 元</strong>" in text
    assert "您大约需要自己付 <strong>12,400.00 元</strong>" in text
    assert "低 10 个百分点" in text


def test_the_cap_left_this_year_limits_the_fund(client: Client) -> None:
    text = page(client, fund_paid="95000")
    # Only 100,000 − 95,000 = 5,000 left of the cap; 22,400 − 5,000 = 17,400 over it.
    assert "医保基金支付 <strong>5,000.00 元</strong>" in text
    assert "超过年度最高支付限额" in text and "17,400.00" in text


def test_without_a_filing_the_page_says_pay_in_full_and_claim_manual_reimbursement(
    client: Client,
) -> None:
    text = page(client, situation="none")
    assert "不能直接结算" in text
    assert "<strong>32,000.00 元</strong>需要您先全部付清" in text
    assert "手工报销" in text
    assert "补办备案" in text


def test_it_explains_when_no_policy_exists_for_the_combination(client: Client) -> None:
    text = page(client, care_type=CareType.GENERAL_OUTPATIENT)
    assert "待遇政策还没有录入本平台" in text
    assert "合肥市医疗保障局" in text
    assert "医保基金支付" not in text


def test_residents_have_no_member_status_even_if_the_url_names_one(client: Client) -> None:
    make_policy(scheme=Scheme.RESIDENT, member_status="", deductible=Decimal(800))
    text = page(client, scheme="resident", member_status="retired")
    # 29,000 in scope − 800 = 28,200 at 80% = 22,560.
    assert "医保基金支付 <strong>22,560.00 元</strong>" in text
    assert "城乡居民基本医疗保险 · 住院" in text


def test_the_chronic_disease_note_names_the_five_diseases_and_manual_reimbursement(
    client: Client,
) -> None:
    make_policy(care_type=CareType.CHRONIC_OUTPATIENT, deductible=Decimal(0))
    text = page(client, care_type="chronic")
    assert "尿毒症透析" in text and "器官移植术后抗排异治疗" in text
    assert "手工报销" in text


def test_the_url_wins_over_the_logged_in_persons_defaults(client: Client, retiree: User) -> None:
    make_policy(insured_region_id="110100", deductible=Decimal(1300))
    client.force_login(retiree)
    text = page(client, province="110000", region="110100")
    assert "北京市 · 职工基本医疗保险（退休） · 住院" in text
    # 29,000 − 1,300 = 27,700 at 80% = 22,160.
    assert "医保基金支付 <strong>22,160.00 元</strong>" in text


def test_amounts_may_be_typed_with_commas_yuan_or_full_width_digits(client: Client) -> None:
    text = page(client, amount_a="２０，０００", amount_b="10,000元", amount_c=" 2000 ")
    assert "医保基金支付 <strong>22,400.00 元</strong>" in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount_a", "-5", "不能是负数"),
        ("amount_a", "abc", "请填写数字"),
        ("amount_a", "12.345", "最多填到分"),
        ("amount_a", "1e5", "请填写数字"),
        ("amount_a", "NaN", "请填写数字"),
        ("amount_a", "99999999999", "数额太大了"),
        ("amount_a", "9" * 5000, "数额太大了"),
        ("amount_c", "Infinity", "请填写数字"),
        ("b_share", "150", "比例最多是 100"),
        ("b_share", "", "请同时填写先行自付比例"),
        ("admissions", "-1", "不能是负数"),
        ("admissions", "two", "请填写整数"),
        ("admissions", "100000000000000000000", "次数太多了"),
        ("fund_paid", "-0.01", "不能是负数"),
        ("province", "999999", "请从列表中选择省份"),
        ("province", None, "请选择参保省份"),
        ("region", "110100", "请从列表中选择所选省份的城市"),
        ("region", "<script>alert(1)</script>", "请从列表中选择所选省份的城市"),
        ("scheme", None, "请选择险种"),
        ("scheme", "gold", "请选择险种"),
        ("member_status", None, "职工医保请选择在职或退休"),
        ("situation", "bogus", "请选择备案情况"),
        ("care_type", None, "请选择住院、普通门诊或门诊慢特病"),
        ("level", "9", "请选择医院等级"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_kept(
    client: Client, field: str, value: str | None, message: str
) -> None:
    text = page(client, **{field: value})
    assert "请修改以下问题" in text
    assert message in text
    assert "估算结果" not in text
    # The message sits in the field's own error line.
    assert f'id="id_{field}_error"' in text
    if value and field.startswith(("amount", "b_share", "admissions", "fund")):
        assert f'value="{html.escape(value)}"' in text  # what was typed is kept
    assert "<script>alert(1)</script>" not in text


def test_a_form_with_no_amounts_asks_for_at_least_one(client: Client) -> None:
    text = page(client, amount_a="", amount_b="", amount_c="0")
    assert "请至少填写一项费用" in text


def test_a_bare_or_garbled_query_string_never_fails(client: Client) -> None:
    for qs in (
        "?level=",
        "?amount_a=%00",
        "?scheme=employee&scheme=resident",
        "?region=%ff",
        "?update_region=1&province=%3Cscript%3E&amount_a=%3Cscript%3E",
        "?update_region=1&province=110000%27--",
    ):
        response = client.get(URL + qs)
        assert response.status_code == 200, qs
        assert "<script>" not in response.content.decode().split("</head>")[1], qs


def test_choosing_a_province_without_javascript_offers_its_cities_and_keeps_the_rest(
    client: Client,
) -> None:
    response = client.get(URL, query(province="110000", region="340100", update_region="1"))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<option value="110100" selected>北京市</option>' in text
    assert "合肥市" not in text
    assert "请修改以下问题" not in text and "估算结果" not in text
    assert 'value="20000"' in text


def test_with_htmx_choosing_a_province_swaps_only_the_city_field(client: Client) -> None:
    response = client.get(
        URL, {"province": "340000", "update_region": "1"}, headers={"HX-Request": "true"}
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="region-field">')
    assert "<html" not in text
    assert '<option value="340100">合肥市</option>' in text
    assert "HX-Request" in response["Vary"]


def test_the_bingtuan_is_its_own_city(client: Client) -> None:
    response = client.get(URL, {"province": "660000", "update_region": "1"})
    assert '<option value="660000" selected>新疆生产建设兵团</option>' in response.content.decode()


def test_the_estimator_only_answers_get(client: Client) -> None:
    assert client.post(URL, query()).status_code == 405


def test_an_estimate_takes_a_handful_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        client.get(URL, query())


# --- the estimate service ------------------------------------------------------------


def estimate(**overrides: Any) -> services.Estimate:
    fields: dict[str, Any] = {
        "insured_region_id": "340100",
        "scheme": "employee",
        "member_status": "retired",
        "situation": "referral",
        "care_type": "inpatient",
        "level": "3",
        "lines": [
            BillLine(Decimal("20000.00"), CatalogueClass.A),
            BillLine(Decimal("10000.00"), CatalogueClass.B, Decimal(10)),
            BillLine(Decimal("2000.00"), CatalogueClass.C),
        ],
        "year": YearToDate(
            deductible_met=Decimal("0.00"), fund_paid=Decimal("60000.00"), admissions=0
        ),
        "on": dt.date(2026, 6, 1),
    }
    fields.update(overrides)
    return services.estimate(**fields)


def test_the_service_settles_the_bill_under_the_policy_in_force() -> None:
    found = estimate()
    assert found.policy is not None and found.terms is not None and found.settlement is not None
    # 28,000 above the deductible at 80 − 10 = 70%.
    assert found.settlement.fund == Decimal("19600.00")
    assert found.reduction == Decimal(10)
    assert found.cap_left == Decimal("40000.00")  # 100,000 − 60,000 paid this year
    assert [band.amount for band in found.paid_bands] == [Decimal("28000.00")]
    assert found.member_kind == "职工基本医疗保险（退休）"


def test_the_service_finds_no_policy_before_it_takes_effect() -> None:
    found = estimate(on=dt.date(2025, 12, 31))  # the policy starts on 1 January 2026
    assert found.policy is None and found.settlement is None and found.paid_bands == ()
    assert found.insured_region.pk == "340100"


def test_the_service_ignores_a_residents_member_status() -> None:
    make_policy(scheme=Scheme.RESIDENT, member_status="", deductible=Decimal(800))
    found = estimate(scheme="resident", member_status="retired")
    assert found.policy is not None and found.policy.scheme == Scheme.RESIDENT
    assert found.member_kind == "城乡居民基本医疗保险"


def test_the_service_takes_three_queries(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):  # the region, the policy, its bands
        estimate()
