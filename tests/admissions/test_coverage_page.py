"""能直接结算吗: the page, its fragment, and the places that ask the same
rule (the filing card, the facility page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chronic.models import ChronicDisease, Qualification
from notices.models import DowntimeNotice
from portal.models import User
from tests.conftest import make_filing, make_grant
from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PAGE = reverse("admissions:coverage")
YES = "✓ 可以直接结算"  # the answer's heading


def ask(client: Client, **params: Any) -> str:
    query = {"day": TODAY.isoformat(), "province": "310000", "city": "310100", "care": "inpatient"}
    query.update(params)
    response = client.get(PAGE, query)
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_can_open_the_page_and_it_is_in_the_navigation(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert f'href="{PAGE}"' in html
    page = client.get(PAGE)
    assert page.status_code == 200 and "能直接结算吗" in page.content.decode()


def test_without_signing_in_the_answer_depends_on_the_filing(client: Client) -> None:
    html = ask(client)
    assert "要看您的备案" in html and "登录后按我的备案回答" in html


def test_her_long_term_filing_answers_yes_in_her_destination(client: Client, retiree: User) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    client.force_login(retiree)
    html = ask(client)
    assert YES in html and 'data-reason="local_terms"' in html


def test_without_a_filing_the_button_goes_to_filing(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    html = ask(client)
    assert "现在还不能直接结算" in html and f'href="{reverse("filings:new")}"' in html


def test_after_a_self_paid_discharge_she_is_told_to_file_then_claim(
    client: Client, retiree: User
) -> None:
    client.force_login(retiree)
    html = ask(client, paid="1", day=(TODAY - dt.timedelta(days=3)).isoformat())
    assert 'data-reason="file_then_claim"' in html


def test_the_son_acting_for_her_gets_her_answer_not_his(
    client: Client, retiree: User, relative: User
) -> None:
    """李明 is insured in 上海: for himself 上海 is no cross-province case.
    Acting for his mother, the answer is from her 合肥 insurance and filing."""
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    make_grant(retiree, relative)
    client.force_login(relative)
    assert "这不是跨省就医" in ask(client)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    html = ask(client)
    assert YES in html and f"按 {retiree.full_name} 的备案" in html


def test_htmx_gets_the_answer_alone(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    query = {"day": TODAY.isoformat(), "province": "310000", "city": "310100", "care": "inpatient"}
    fragment = client.get(PAGE, query, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert '<div id="answer"' in html and "<html" not in html
    assert "HX-Request" in fragment["Vary"]


def test_a_chronic_disease_she_is_recognised_for_at_a_networked_hospital(
    client: Client, retiree: User
) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    hospital = make_facility()
    hypertension = ChronicDisease.objects.get(code="hypertension")
    client.force_login(retiree)
    asked = {"care": "chronic", "disease": hypertension.code, "facility": hospital.code}
    assert 'data-reason="not_qualified"' in ask(client, **asked)
    Qualification.objects.create(
        person=retiree,
        disease=hypertension,
        insured_region_id="340100",
        recognised_on=TODAY - dt.timedelta(days=100),
    )
    assert YES in ask(client, **asked)


def test_a_downtime_over_the_day_is_said(client: Client, retiree: User) -> None:
    make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    now = timezone.now()
    DowntimeNotice.objects.create(
        region_id="310000",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        message="系统升级",
        pages=["settlement"],
    )
    client.force_login(retiree)
    assert 'data-reason="downtime"' in ask(client)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"facility": "NOSUCH1"}, "facility", "没有找到这个编码的机构"),
        ({"day": "0001-01-01"}, "day", "请选择两年前到一年后之间的日期"),
        ({"day": "tomorrow"}, "day", "请按 年-月-日 填写日期"),
        ({"city": "110100"}, "city", "请从列表中选择所选省份的城市"),
        ({"care": "chronic"}, "disease", "选了门诊慢特病，请再选是哪个病种"),
        ({"province": "31x000"}, "province", "请从列表中选择省份"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_kept(
    client: Client, params: dict[str, str], field: str, message: str
) -> None:
    html = ask(client, **params)
    assert message in html
    assert f'id="id_{field}_error"' in html or f'aria-describedby="id_{field}' in html
    assert YES not in html


def test_a_facility_in_another_city_is_refused(client: Client) -> None:
    hospital = make_facility()
    assert "这家机构不在所选的城市" in ask(
        client, province="320000", city="320100", facility=hospital.code
    )


# --- one rule, four places ----------------------------------------------------


@pytest.mark.parametrize("case", ["filed", "expired", "other_city", "none"])
def test_the_page_the_filing_card_and_the_facility_page_agree(
    client: Client, retiree: User, case: str
) -> None:
    hospital = make_facility()
    if case == "filed":
        filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    elif case == "expired":
        filing = make_filing(
            retiree,
            category="other",
            start_date=TODAY - dt.timedelta(days=200),
            end_date=TODAY - dt.timedelta(days=1),
        )
    elif case == "other_city":
        filing = make_filing(
            retiree, start_date=TODAY - dt.timedelta(days=30), destination_id="320100"
        )
    else:
        filing = None
    client.force_login(retiree)
    direct = YES in ask(client, facility=hospital.code)
    assert direct == (case == "filed")
    if filing is not None:
        card = client.get(reverse("filings:list")).content.decode()
        detail = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
        on_card = "今天入院可以直接结算" in card and "今天入院可以直接结算" in detail
        # The card speaks of its own destination: 南京 for the other-city filing.
        assert on_card == (case in {"filed", "other_city"})
    fragment = client.get(
        PAGE,
        {"facility": hospital.code, "care": "inpatient", "embedded": "1"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert (YES in fragment) == direct
    page = client.get(reverse("facilities:detail", args=[hospital.code])).content.decode()
    assert f"{PAGE}?facility={hospital.code}&amp;care=inpatient&amp;embedded=1" in page


def test_a_settlement_paid_in_full_asks_the_same_rule_why(client: Client, retiree: User) -> None:
    from tests.claims.factories import make_settlement

    settlement = make_settlement(retiree, direct=False)
    client.force_login(retiree)
    page = client.get(reverse("claims:settlement", args=[settlement.pk])).content.decode()
    assert "为什么没有直接结算" in page
    query = settlement.coverage_query
    assert f"{PAGE}?{query.replace('&', '&amp;')}&amp;embedded=1" in page
    answer = client.get(f"{PAGE}?{query}", headers={"HX-Request": "true"}).content.decode()
    assert 'data-reason="no_filing"' in answer and 'data-reason="file_then_claim"' in answer


def test_an_answer_from_her_records_is_not_kept_by_shared_caches(
    client: Client, retiree: User
) -> None:
    assert "private" not in ask_response(client).get("Cache-Control", "")
    client.force_login(retiree)
    assert "no-store" in ask_response(client)["Cache-Control"]


def ask_response(client: Client) -> Any:
    query = {"day": TODAY.isoformat(), "province": "310000", "city": "310100", "care": "inpatient"}
    return client.get(PAGE, query)
