from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from claims.choices import CareType, FacilityLevel
from claims.models import Policy, PolicyBand
from demo.claims import DEMO_POLICIES
from portal.models import MemberStatus, Scheme, User
from tests.claims.factories import make_policy

pytestmark = pytest.mark.django_db

JAN_2025, DEC_2025, JAN_2026 = dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1)


def refused(**fields: Any) -> bool:
    """True if the database refuses to save such a policy."""
    try:
        with transaction.atomic():
            make_policy(**fields)
    except IntegrityError:
        return True
    return False


def test_two_versions_of_a_policy_may_follow_each_other() -> None:
    make_policy(valid_from=JAN_2025, valid_until=DEC_2025)
    make_policy(valid_from=JAN_2026)
    assert Policy.objects.count() == 2


def test_the_database_refuses_two_versions_of_a_policy_that_overlap_in_time() -> None:
    make_policy(valid_from=JAN_2025, valid_until=DEC_2025)
    assert refused(valid_from=dt.date(2025, 12, 31))
    # An open-ended version overlaps every later one.
    make_policy(valid_from=JAN_2026)
    assert refused(valid_from=dt.date(2030, 1, 1), valid_until=dt.date(2030, 12, 31))


def test_policies_for_other_members_care_types_or_regions_may_share_dates() -> None:
    make_policy()
    make_policy(member_status=MemberStatus.WORKING)
    make_policy(care_type=CareType.GENERAL_OUTPATIENT)
    make_policy(insured_region_id="110100")
    make_policy(scheme=Scheme.RESIDENT, member_status="")
    assert Policy.objects.count() == 5


def test_validation_explains_an_overlap_in_chinese() -> None:
    make_policy(valid_from=JAN_2025)
    clash = Policy(
        insured_region_id="340100",
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.RETIRED,
        care_type=CareType.INPATIENT,
        valid_from=JAN_2026,
        deductible=Decimal(1000),
        annual_cap=Decimal(100000),
    )
    with pytest.raises(ValidationError, match="有效期不能重叠"):
        clash.full_clean()


@pytest.mark.parametrize(
    ("field", "allowed", "too_much"),
    [
        ("referral_reduction", "10", "10.01"),
        ("emergency_reduction", "10", "10.5"),
        ("other_temporary_reduction", "20", "20.01"),
    ],
)
def test_the_database_refuses_reductions_beyond_the_national_limits(
    field: str, allowed: str, too_much: str
) -> None:
    # 医保发〔2022〕22号 二(六): referral/emergency at most 10 points, other 20.
    assert not refused(**{field: Decimal(allowed)})
    Policy.objects.all().delete()
    assert refused(**{field: Decimal(too_much)})
    assert refused(**{field: Decimal(-1)})


def test_the_database_refuses_a_member_status_for_residents_and_none_for_employees() -> None:
    assert refused(scheme=Scheme.RESIDENT, member_status=MemberStatus.RETIRED)
    assert refused(scheme=Scheme.EMPLOYEE, member_status="")


def test_the_database_refuses_inconsistent_money_and_dates() -> None:
    assert refused(annual_cap=Decimal(0))
    assert refused(deductible=Decimal(-1))
    assert refused(valid_from=JAN_2026, valid_until=DEC_2025)
    assert refused(later_admission_deductible=Decimal(1500))  # above the first admission's
    assert refused(care_type=CareType.GENERAL_OUTPATIENT, later_admission_deductible=Decimal(100))


def test_the_database_refuses_bands_that_are_not_percentages_or_a_second_top_band() -> None:
    policy = make_policy()
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyBand.objects.create(
            policy=policy, up_to=None, ratio_level_1=90, ratio_level_2=90, ratio_level_3=90
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyBand.objects.create(
            policy=policy,
            up_to=Decimal(1000),
            ratio_level_1=Decimal("100.01"),
            ratio_level_2=90,
            ratio_level_3=90,
        )


def test_the_version_in_force_is_the_one_covering_the_day() -> None:
    old = make_policy(valid_from=JAN_2025, valid_until=DEC_2025, deductible=Decimal(800))
    new = make_policy(valid_from=JAN_2026, deductible=Decimal(700))
    mine = Policy.objects.for_member(
        insured_region="340100",
        scheme=Scheme.EMPLOYEE,
        member_status=MemberStatus.RETIRED,
        care_type=CareType.INPATIENT,
    )
    assert list(mine.in_force(dt.date(2025, 6, 1))) == [old]
    assert list(mine.in_force(DEC_2025)) == [old]
    assert list(mine.in_force(JAN_2026)) == [new]
    assert list(mine.in_force(dt.date(2024, 12, 31))) == []
    assert old.covers(DEC_2025) and not old.covers(JAN_2026)


def test_residents_are_found_whatever_member_status_is_asked_for() -> None:
    resident = make_policy(scheme=Scheme.RESIDENT, member_status="")
    found = Policy.objects.for_member(
        insured_region="340100",
        scheme=Scheme.RESIDENT,
        member_status=MemberStatus.RETIRED,
        care_type=CareType.INPATIENT,
    )
    assert list(found) == [resident]


def test_the_adapter_gives_the_engine_the_bands_in_order_with_the_top_band_last(
    django_assert_num_queries: Any,
) -> None:
    policy = make_policy(
        bands=((None, "95", "92", "90"), ("50000", "90", "88", "85"), ("20000", "80", "80", "80")),
        later_admission_deductible=Decimal(500),
        other_temporary_reduction=Decimal(15),
    )
    policy = Policy.objects.get(pk=policy.pk)
    with django_assert_num_queries(1):
        terms = policy.terms()
    assert [band.up_to for band in terms.bands] == [Decimal(20000), Decimal(50000), None]
    assert terms.bands[1].ratios[FacilityLevel.LEVEL_3] == Decimal(85)
    assert terms.later_admission_deductible == Decimal(500)
    assert terms.other_temporary_reduction == Decimal(15)
    assert terms.care_type == CareType.INPATIENT


def test_a_policy_without_a_top_band_cannot_be_used_by_the_engine() -> None:
    policy = make_policy(bands=(("50000", "90", "88", "85"),))
    with pytest.raises(ValueError, match="last band"):
        policy.terms()


def test_the_demo_policies_are_idempotent_and_cover_three_regions_both_schemes() -> None:
    call_command("seed_demo", "--force", stdout=io.StringIO())
    first = Policy.objects.count()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Policy.objects.count() == first == len(DEMO_POLICIES)
    today = dt.date(2026, 6, 1)
    for region in ("340100", "110100", "310100"):
        for scheme, status in (
            (Scheme.EMPLOYEE, MemberStatus.WORKING),
            (Scheme.EMPLOYEE, MemberStatus.RETIRED),
            (Scheme.RESIDENT, ""),
        ):
            for care_type in CareType:
                policy = (
                    Policy.objects.for_member(
                        insured_region=region,
                        scheme=scheme,
                        member_status=status,
                        care_type=care_type,
                    )
                    .in_force(today)
                    .get()
                )
                policy.terms()  # complete enough for the engine
    # 北京 has a lower deductible for later admissions; 上海 has none.
    beijing = (
        Policy.objects.for_member(
            insured_region="110100",
            scheme=Scheme.EMPLOYEE,
            member_status=MemberStatus.RETIRED,
            care_type=CareType.INPATIENT,
        )
        .in_force(today)
        .get()
    )
    assert beijing.later_admission_deductible == Decimal(650)
    # Last year's settlements (the prepayment quota reads its fourth quarter)
    # find a 2025 version of every demo policy.
    for region in ("340100", "110100", "310100"):
        for care_type in CareType:
            assert (
                Policy.objects.for_member(
                    insured_region=region,
                    scheme=Scheme.RESIDENT,
                    member_status="",
                    care_type=care_type,
                )
                .in_force(dt.date(2025, 11, 15))
                .exists()
            )


# --- the admin ---------------------------------------------------------------


@pytest.fixture
def superuser(db: None) -> User:
    from tests.conftest import make_person

    return make_person(
        full_name="管理员",
        is_staff=True,
        is_superuser=True,
        insured_region_id=None,
        scheme="",
        member_status="",
    )


def admin_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "insured_region": "340100",
        "scheme": "employee",
        "member_status": "working",
        "care_type": "inpatient",
        "note": "",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "deductible": "700",
        "later_admission_deductible": "350",
        "annual_cap": "300000",
        "referral_reduction": "5",
        "emergency_reduction": "5",
        "other_temporary_reduction": "15",
        "bands-TOTAL_FORMS": "2",
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "1",
        "bands-MAX_NUM_FORMS": "1000",
        "bands-0-up_to": "50000",
        "bands-0-ratio_level_1": "90",
        "bands-0-ratio_level_2": "88",
        "bands-0-ratio_level_3": "85",
        "bands-1-up_to": "",
        "bands-1-ratio_level_1": "95",
        "bands-1-ratio_level_2": "92",
        "bands-1-ratio_level_3": "90",
    }
    data.update(overrides)
    return data


def test_staff_add_a_policy_with_its_bands_in_the_admin(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    assert client.get(reverse("admin:claims_policy_add")).status_code == 200
    response = client.post(reverse("admin:claims_policy_add"), admin_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = Policy.objects.get()
    assert [b.up_to for b in policy.bands.order_by("up_to")] == [Decimal(50000), None]
    assert client.get(reverse("admin:claims_policy_changelist")).status_code == 200
    assert client.get(reverse("admin:claims_policy_change", args=[policy.pk])).status_code == 200


def test_the_admin_asks_for_exactly_one_top_band(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        reverse("admin:claims_policy_add"), admin_form(**{"bands-1-up_to": "80000"})
    )
    assert response.status_code == 200
    assert "只设置一个不填上限的最高费用段" in response.content.decode()
    assert not Policy.objects.exists()


def test_the_admin_explains_a_reduction_beyond_the_limit(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        reverse("admin:claims_policy_add"), admin_form(other_temporary_reduction="25")
    )
    assert response.status_code == 200
    assert "最多降低 20 个百分点" in response.content.decode()
    assert not Policy.objects.exists()


def test_a_regional_reviewer_sees_only_her_own_regions_policies(
    client: Client, reviewer: User
) -> None:
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(Permission.objects.get(codename="view_policy"))
    mine = make_policy()
    theirs = make_policy(insured_region_id="110100")
    client.force_login(reviewer)
    html = client.get(reverse("admin:claims_policy_changelist")).content.decode()
    assert reverse("admin:claims_policy_change", args=[mine.pk]) in html
    assert reverse("admin:claims_policy_change", args=[theirs.pk]) not in html
    response = client.get(reverse("admin:claims_policy_change", args=[theirs.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
