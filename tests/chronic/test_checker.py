"""The public checker at /chronic/: direct settlement across provinces or not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chronic import rules
from chronic.models import ChronicDisease

URL = reverse("chronic:checker")
pytestmark = pytest.mark.django_db

FIVE = ["hypertension", "diabetes", "cancer", "dialysis", "transplant"]


def test_the_five_national_diseases_and_regional_ones_are_loaded_as_data() -> None:
    national = ChronicDisease.objects.filter(scope="national")
    assert set(national.values_list("code", flat=True)) == set(FIVE)
    assert set(national.values_list("name", flat=True)) == {
        "高血压",
        "糖尿病",
        "恶性肿瘤门诊放化疗",
        "尿毒症透析",
        "器官移植术后抗排异治疗",
    }
    assert ChronicDisease.objects.filter(scope="regional").count() >= 10


@pytest.mark.parametrize("code", FIVE)
def test_each_of_the_five_is_settled_directly_after_qualification_filing_and_a_facility(
    client: Client, code: str
) -> None:
    response = client.get(URL, {"disease": code})
    verdict = response.context["verdict"]
    assert verdict.answer == rules.Answer.DIRECT
    html = response.content.decode()
    assert "可以跨省直接结算" in html
    assert "在参保地办好资格认定" in html  # qualification at home
    assert "办理跨省异地就医备案" in html  # a filing
    assert "选一家开通了这个病种的联网机构" in html  # a designated facility
    assert f"/facilities/?service={code}" in html
    assert "要先自己全额付费" not in html


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("高血压", "hypertension"),
        ("原发性高血压", "hypertension"),
        ("2型糖尿病", "diabetes"),
        ("肺癌化疗", "cancer"),
        ("尿毒症", "dialysis"),
        ("肾衰竭透析", "dialysis"),
        ("肝移植术后", "transplant"),
    ],
)
def test_a_typed_name_is_understood(client: Client, typed: str, code: str) -> None:
    response = client.get(URL, {"q": typed})
    assert response.context["disease"].code == code
    assert response.context["verdict"].direct_settled


@pytest.mark.parametrize("typed", ["痛风", "银屑病", "良性肿瘤", "xyz"])
def test_any_other_disease_gets_the_pay_in_full_and_claim_at_home_warning(
    client: Client, typed: str
) -> None:
    response = client.get(URL, {"q": typed})
    assert response.context["verdict"].answer == rules.Answer.NOT_COVERED
    html = response.content.decode()
    assert f"“{typed}”不能跨省直接结算" in html
    assert "要先自己全额付费" in html and "回参保地按规定申请手工报销" in html


def test_a_regionally_recognised_disease_is_not_settled_across_provinces(client: Client) -> None:
    response = client.get(URL, {"q": "冠心病"})
    assert response.context["verdict"].answer == rules.Answer.REGIONAL_ONLY
    html = response.content.decode()
    assert "“冠心病”不能跨省直接结算" in html and "全额付费" in html and "手工报销" in html


def test_picking_from_the_list_works_without_javascript(client: Client) -> None:
    html = client.get(URL).content.decode()
    assert 'method="get" action="/chronic/"' in html
    assert '<optgroup label="全国跨省直接结算的 5 种">' in html


def test_htmx_gets_only_the_verdict(client: Client) -> None:
    response = client.get(URL, {"disease": "diabetes"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="verdict">') and "<html" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "糖" * 500},
        {"q": "\x00\x1b高血压"},
        {"q": "' OR 1=1 --"},
        {"disease": "nope"},
        {"disease": "<script>"},
        {"q": "   "},
    ],
)
def test_hostile_input_never_breaks_the_checker(client: Client, params: dict[str, str]) -> None:
    response = client.get(URL, params)
    # A NUL byte may be refused before the view (400); never a server error.
    assert response.status_code == 200 or (
        response.status_code == 400 and any("\x00" in value for value in params.values())
    )
    assert "<script>" not in response.content.decode()


def test_the_matching_rule_prefers_the_national_disease_and_exact_names() -> None:
    diseases = [d.facts() for d in ChronicDisease.objects.all()]
    both = rules.match_disease("冠心病合并高血压", diseases)
    assert both is not None and both.code == "hypertension"
    dialysis = rules.match_disease("透析", diseases)
    assert dialysis is not None and dialysis.code == "dialysis"
    assert rules.match_disease("", diseases) is None


def test_the_notice_page_is_public_and_names_the_five_and_manual_reimbursement(
    client: Client,
) -> None:
    html = client.get(reverse("chronic:notice")).content.decode()
    for name in ("高血压", "糖尿病", "恶性肿瘤门诊放化疗", "尿毒症透析", "器官移植术后抗排异治疗"):
        assert name in html
    assert "手工报销" in html and "资格认定" in html
