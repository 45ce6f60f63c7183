from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.choices import CareType, CatalogueClass, FacilityLevel, FilingSituation
from claims.engine import BillLine
from claims.models import Settlement
from filings import rules
from portal.models import Region, User
from tests.claims.factories import make_policy, make_settlement
from tests.conftest import make_filing

pytestmark = pytest.mark.django_db
LIST = reverse("claims:list")
D = Decimal


def visit(day: dt.date, **overrides: Any) -> services.Visit:
    fields: dict[str, Any] = {
        "city_code": "310100",
        "facility_name": "复旦大学附属中山医院",
        "facility_level": FacilityLevel.LEVEL_3,
        "care_type": CareType.INPATIENT,
        "admission_date": day - dt.timedelta(days=5),
        "discharge_date": day,
    }
    fields.update(overrides)
    return services.Visit(**fields)


# --- the database keeps the money consistent --------------------------------


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        (
            {"fund": D("7000.00"), "personal": D("2000.00")},
            "settlement_personal_is_total_less_fund",
        ),
        ({"deductible": D("2000.00")}, "settlement_parts_add_up_to_total"),
        ({"out_of_catalogue": D("-1.00")}, "settlement_amounts_not_negative"),
        ({"discharge_date": dt.date(2026, 5, 1)}, "settlement_discharge_after_admission"),
        ({"situation": FilingSituation.NONE}, "settlement_direct_needs_a_filing"),
    ],
)
def test_the_database_refuses_a_settlement_whose_money_does_not_add_up(
    retiree: User, overrides: dict[str, Any], constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        make_settlement(retiree, admission_date=dt.date(2026, 5, 10), **overrides)


def test_the_database_refuses_a_fund_payment_on_a_case_paid_in_full(retiree: User) -> None:
    with (
        pytest.raises(IntegrityError, match="settlement_paid_in_full_has_no_fund"),
        transaction.atomic(),
    ):
        make_settlement(
            retiree, direct=False, fund=D("0.00"), deductible=D("100.00"), personal=D("10000.00")
        )


# --- recording a settlement with the engine --------------------------------


def test_a_settlement_under_a_long_term_filing_gets_the_local_terms(retiree: User) -> None:
    # 合肥 retired inpatient: deductible 1,000; 80% at a 三级 hospital; referral −10 points.
    make_policy(referral_reduction=D(10))
    make_filing(retiree, start_date=dt.date(2026, 1, 1))
    s = services.record_settlement(
        number="T-1",
        member=services.Member.of(retiree),
        visit=visit(dt.date(2026, 3, 10)),
        lines=[BillLine(D("20000.00"), CatalogueClass.A)],
    )
    # (20,000 − 1,000) × 80% = 15,200 from the fund; the person pays 4,800.
    assert (s.situation, s.direct) == (FilingSituation.LONG_TERM, True)
    assert (s.deductible, s.fund, s.personal, s.co_payment) == (
        D("1000.00"),
        D("15200.00"),
        D("4800.00"),
        D("3800.00"),
    )
    assert s.breakdown["bands"][0]["ratio"] == "80.00"


def test_a_referral_filer_is_settled_at_the_reduced_ratio(retiree: User) -> None:
    make_policy(referral_reduction=D(10))
    make_filing(retiree, category=rules.Category.REFERRAL, start_date=dt.date(2026, 3, 1))
    s = services.record_settlement(
        number="T-2",
        member=services.Member.of(retiree),
        visit=visit(dt.date(2026, 3, 10)),
        lines=[BillLine(D("20000.00"), CatalogueClass.A)],
    )
    # 80% − 10 points = 70%: (20,000 − 1,000) × 70% = 13,300.
    assert s.situation == FilingSituation.REFERRAL
    assert s.fund == D("13300.00")


def test_without_a_filing_the_case_is_recorded_as_paid_in_full(retiree: User) -> None:
    make_policy()
    s = services.record_settlement(
        number="T-3",
        member=services.Member.of(retiree),
        visit=visit(dt.date(2026, 3, 10)),
        lines=[BillLine(D("5000.00"), CatalogueClass.A)],
    )
    assert (s.situation, s.direct, s.fund, s.personal) == (
        FilingSituation.NONE,
        False,
        D("0.00"),
        D("5000.00"),
    )


def test_the_annual_cap_counts_what_the_fund_paid_earlier_in_the_year(retiree: User) -> None:
    make_policy(annual_cap=D("20000.00"), deductible=D("0.00"))
    make_filing(retiree, start_date=dt.date(2026, 1, 1))
    member = services.Member.of(retiree)
    lines = [BillLine(D("15000.00"), CatalogueClass.A)]
    first = services.record_settlement(
        number="T-4", member=member, visit=visit(dt.date(2026, 3, 10)), lines=lines
    )
    second = services.record_settlement(
        number="T-5", member=member, visit=visit(dt.date(2026, 6, 10)), lines=lines
    )
    assert first.fund == D("12000.00")  # 15,000 × 80%
    assert second.fund == D("8000.00")  # only 20,000 − 12,000 left of the cap
    assert second.over_cap == D("4000.00")


# --- who sees what -----------------------------------------------------------


def test_a_person_sees_only_their_own_settlements(
    retiree: User, stranger: User, reviewer: User
) -> None:
    mine = make_settlement(retiree)
    make_settlement(stranger)
    assert list(Settlement.objects.visible_to(retiree)) == [mine]
    assert not Settlement.objects.visible_to(reviewer).exists()


def test_staff_see_cases_insured_in_their_regions_or_treated_in_their_cities(
    retiree: User, stranger: User, reviewer: User, django_user_model: Any
) -> None:
    insured_in_hefei = make_settlement(retiree)  # 合肥 → 上海
    treated_in_hefei = make_settlement(stranger, treatment_city_id="340100")  # 北京 → 合肥
    make_settlement(stranger)  # 北京 → 上海: not 合肥's business
    assert set(Settlement.objects.for_staff(reviewer)) == {insured_in_hefei}
    # As the treatment place's agency 合肥 also sees who was treated there.
    reviewer.staff_treatment_regions.set(Region.objects.filter(code="340100"))
    seen = set(Settlement.objects.for_staff(reviewer))
    assert seen == {insured_in_hefei, treated_in_hefei}
    superuser = django_user_model.objects.get(pk=reviewer.pk)
    superuser.is_superuser = True
    assert Settlement.objects.for_staff(superuser).count() == 3
    assert not Settlement.objects.for_staff(retiree).exists()


def test_a_case_of_30000_yuan_or_more_is_flagged_for_assisted_review(retiree: User) -> None:
    below = make_settlement(retiree, total="29999.99", fund="20000.00")
    at = make_settlement(retiree, total="30000.00", fund="20000.00")
    assert not below.needs_assisted_review
    assert at.needs_assisted_review
    assert list(Settlement.objects.large_cases()) == [at]


# --- my settlements page ---------------------------------------------------------


def test_my_settlements_needs_a_login(client: Client) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_settlements_lists_the_year_with_totals_and_the_cap_left(
    client: Client, retiree: User
) -> None:
    make_policy(annual_cap=D("100000.00"))
    this_year = timezone.localdate().year
    make_settlement(
        retiree, total="46800.00", fund="37530.00", discharge_date=dt.date(this_year, 1, 20)
    )
    make_settlement(
        retiree,
        total="13100.00",
        direct=False,
        discharge_date=dt.date(this_year, 1, 25),
        facility_name="上海市第六人民医院",
    )
    make_settlement(retiree, total="500.00", fund="100.00", discharge_date=dt.date(2020, 5, 1))
    client.force_login(retiree)
    page = client.get(LIST).content.decode()
    assert "复旦大学附属中山医院" in page and "上海市第六人民医院" in page
    assert "59,900.00" in page  # this year's total: 46,800 + 13,100
    assert "大额协查" in page  # 46,800 ≥ 30,000
    assert "全额自付" in page and "可以申请手工报销" in page
    # Cap 100,000 under the 2026 policy, 37,530 used: 62,470 left.
    if this_year >= 2026:
        assert "62,470.00" in page
    assert "2020 年" in page  # the older year is one click away


def test_an_older_year_is_shown_on_request_and_as_a_fragment_with_htmx(
    client: Client, retiree: User
) -> None:
    make_settlement(retiree, facility_name="旧医院", discharge_date=dt.date(2020, 5, 1))
    make_settlement(retiree, facility_name="新医院", discharge_date=dt.date(2025, 5, 1))
    client.force_login(retiree)
    full = client.get(LIST, {"year": "2020"})
    assert "旧医院" in full.content.decode() and "新医院" not in full.content.decode()
    assert "<html" in full.content.decode()
    fragment = client.get(LIST, {"year": "2020"}, HTTP_HX_REQUEST="true")
    assert "旧医院" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    # Nonsense years fall back to the latest year with records.
    for year in ("abc", "99999999999999999999", "1900"):
        assert "新医院" in client.get(LIST, {"year": year}).content.decode()


def test_the_list_takes_the_same_number_of_queries_for_one_or_many_settlements(
    client: Client, retiree: User, django_assert_num_queries: Any
) -> None:
    make_policy()
    this_year = timezone.localdate().year
    make_settlement(retiree, discharge_date=dt.date(this_year, 1, 2))
    client.force_login(retiree)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    # Ours: yearly totals, the year's settlements, their claims (prefetched),
    # the policies for the caps, fund paid and reimbursed by care type. The
    # rest (session, user, the acting-for bar) belongs to the site.
    ours = [q["sql"] for q in one.captured_queries if '"claims_' in q["sql"]]
    assert len(ours) == 6
    for day in range(3, 13):
        make_settlement(retiree, direct=day % 2 == 0, discharge_date=dt.date(this_year, 1, day))
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_the_detail_page_explains_the_money_in_plain_words(client: Client, retiree: User) -> None:
    make_policy(deductible=D("700.00"))
    make_filing(retiree, start_date=dt.date(2026, 1, 1))
    s = services.record_settlement(
        number="T-9",
        member=services.Member.of(retiree),
        visit=visit(dt.date(2026, 5, 27)),
        lines=[
            BillLine(D("28000.00"), CatalogueClass.A),
            BillLine(D("16000.00"), CatalogueClass.B, D(10)),
            BillLine(D("2800.00"), CatalogueClass.C),
        ],
    )
    client.force_login(retiree)
    page = client.get(reverse("claims:settlement", args=[s.pk])).content.decode()
    # In scope: 28,000 + 16,000 × 90% = 42,400; above the 700 deductible: 41,700 at 80%.
    assert "2,800.00 元" in page  # 丙类
    assert "1,600.00 元" in page  # 乙类 first self-pay
    assert "41,700.00 元，医保按 80% 支付 33,360.00 元，自己付 8,340.00 元" in page
    assert "33,360.00" in page and "13,440.00" in page  # fund and personal
    assert "大额协查" in page


def test_someone_elses_settlement_is_a_404(client: Client, retiree: User, stranger: User) -> None:
    s = make_settlement(retiree)
    client.force_login(stranger)
    assert client.get(reverse("claims:settlement", args=[s.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("claims:settlement", args=[s.pk]))
    assert response.status_code == 302


def test_a_self_paid_case_offers_manual_reimbursement(client: Client, retiree: User) -> None:
    s = make_settlement(retiree, direct=False)
    client.force_login(retiree)
    page = client.get(reverse("claims:settlement", args=[s.pk])).content.decode()
    assert f"{reverse('claims:reimbursement_new')}?settlement={s.pk}" in page


def test_the_settlement_pages_only_answer_get(client: Client, retiree: User) -> None:
    s = make_settlement(retiree)
    client.force_login(retiree)
    assert client.post(LIST).status_code == 405
    assert client.post(reverse("claims:settlement", args=[s.pk])).status_code == 405


def test_signed_in_people_find_their_settlements_and_claims_in_the_menu(
    client: Client, retiree: User
) -> None:
    nav = f'href="{LIST}"'
    claims = f'href="{reverse("claims:reimbursements")}"'
    home = client.get(reverse("home")).content.decode()
    assert nav not in home and claims not in home
    client.force_login(retiree)
    home = client.get(reverse("home")).content.decode()
    assert nav in home and claims in home
    page = client.get(LIST).content.decode()
    assert f'{nav} aria-current="page"' in page
