"""The authorisation matrix: owner, relatives by grant state and scope,
guardians, and a stranger, against every filing page and action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from family import access
from family.models import Grant, GrantStatus, Guardianship, Scope
from filings.models import FilingDocument
from portal.idnumbers import make_id_number
from portal.models import User
from tests.conftest import make_filing, make_grant, make_person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


PARTIES = {
    "owner": None,
    "act": {},
    "view": {"scope": Scope.VIEW},
    "expired": {"valid_until": TODAY - dt.timedelta(days=1)},
    "revoked": {"status": GrantStatus.REVOKED, "revoked_at": timezone.now()},
    "pending": {"status": GrantStatus.PENDING},
    "stranger": "stranger",
}
CAN_VIEW = {"owner", "act", "view"}
CAN_ACT = {"owner", "act"}


@pytest.fixture
def world(retiree: User) -> dict[str, Any]:
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=10))
    doc = FilingDocument.objects.create(
        filing=filing,
        kind="other",
        file=SimpleUploadedFile("a.png", PNG),
        original_name="a.png",
        content_type="image/png",
        size=len(PNG),
    )
    return {"filing": filing, "doc": doc}


def party(name: str, owner: User) -> User:
    if name == "owner":
        return owner
    person = make_person(insured_region_id="310100")
    if isinstance(PARTIES[name], dict):
        make_grant(owner, person, **PARTIES[name])  # type: ignore[arg-type]
    return person


VIEW_PAGES = ["detail", "form", "pdf", "document"]
ACT_PAGES = ["change", "cancel"]


def url(page: str, world: dict[str, Any]) -> str:
    ref = world["filing"].reference
    if page == "document":
        return reverse("filings:document", args=[ref, world["doc"].pk])
    return reverse(f"filings:{page}", args=[ref])


@pytest.mark.parametrize("who", list(PARTIES))
@pytest.mark.parametrize("page", VIEW_PAGES + ACT_PAGES)
def test_only_the_right_people_open_each_page(
    client: Client, retiree: User, world: dict[str, Any], who: str, page: str
) -> None:
    client.force_login(party(who, retiree))
    allowed = CAN_ACT if page in ACT_PAGES else CAN_VIEW
    status = client.get(url(page, world)).status_code
    assert status == (200 if who in allowed else 404)


@pytest.mark.parametrize("who", [w for w in PARTIES if w != "owner"])
def test_only_a_relative_with_a_grant_in_force_can_switch_to_the_owner(
    client: Client, retiree: User, world: dict[str, Any], who: str
) -> None:
    client.force_login(party(who, retiree))
    client.post(reverse("family:act_as"), {"person": retiree.pk, "next": "/filings/"})
    html = client.get(reverse("filings:list")).content.decode()
    assert (world["filing"].reference in html) == (who in CAN_VIEW)


@pytest.mark.parametrize("who", ["act", "view"])
def test_only_the_act_scope_may_file_for_the_owner(client: Client, retiree: User, who: str) -> None:
    client.force_login(party(who, retiree))
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    response = client.post(reverse("filings:step", args=["category"]), {"category": "referral"})
    assert response.status_code == (302 if who == "act" else 403)


@pytest.mark.parametrize("who", ["act", "view"])
def test_only_the_act_scope_may_cancel(
    client: Client, retiree: User, world: dict[str, Any], who: str
) -> None:
    client.force_login(party(who, retiree))
    response = client.post(url("cancel", world), {"reason": ""})
    world["filing"].refresh_from_db()
    assert (world["filing"].status == "cancelled") == (who == "act")
    assert response.status_code == (302 if who == "act" else 404)


def test_a_son_files_for_his_mother_and_both_see_who_did_it(
    client: Client, retiree: User, relative: User
) -> None:
    make_grant(retiree, relative)
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    assert "您正在代" in client.get(reverse("filings:new")).content.decode()
    from tests.filings.test_views import submit, walk_temporary

    walk_temporary(
        client,
        category="referral",
        referring_hospital="安医附院",
        diagnosis="肺癌",
        referral_date=TODAY.isoformat(),
    )
    response = submit(client)
    filing = retiree.filings.get()
    assert filing.filed_by == relative and filing.filed_by_role == "relative"
    assert filing.events.first().actor == relative  # type: ignore[union-attr]
    son_sees = client.get(response["Location"]).content.decode()
    client.force_login(retiree)
    mother_sees = client.get(reverse("filings:detail", args=[filing.reference])).content.decode()
    assert "由 李明 代办" in son_sees
    assert "由 李明 代办" in mother_sees


def test_revoking_takes_effect_on_the_next_request(
    client: Client, retiree: User, relative: User, world: dict[str, Any]
) -> None:
    grant = make_grant(retiree, relative)
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    assert world["filing"].reference in client.get(reverse("filings:list")).content.decode()
    other = Client()
    other.force_login(retiree)
    other.post(reverse("family:grant_revoke", args=[grant.pk]))
    assert client.get(url("detail", world)).status_code == 404
    assert world["filing"].reference not in client.get(reverse("filings:list")).content.decode()


def test_a_grant_takes_effect_when_the_relative_accepts(
    client: Client, retiree: User, relative: User
) -> None:
    client.force_login(retiree)
    response = client.post(
        reverse("family:grant_new"),
        {
            "grantee_name": "李明",
            "grantee_id_number": relative.id_number,
            "relationship": "child",
            "scope": "act",
            "valid_until": (TODAY + dt.timedelta(days=100)).isoformat(),
        },
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.status == GrantStatus.PENDING and not access.can_view(relative, retiree)
    son = Client()
    son.force_login(relative)
    son.post(reverse("family:grant_accept", args=[grant.pk]))
    assert access.can_act(relative, retiree)
    assert not access.can_act(retiree, relative)  # one way only


def test_granting_needs_the_relatives_name_and_number_to_match(
    client: Client, retiree: User, relative: User
) -> None:
    client.force_login(retiree)
    response = client.post(
        reverse("family:grant_new"),
        {
            "grantee_name": "李小明",
            "grantee_id_number": relative.id_number,
            "relationship": "child",
            "scope": "act",
            "valid_until": (TODAY + dt.timedelta(days=100)).isoformat(),
        },
    )
    html = response.content.decode()
    assert "没有找到姓名和证件号码都一致的注册账户" in html and 'value="李小明"' in html
    assert not Grant.objects.exists()


def test_a_stranger_cannot_accept_or_revoke_someone_elses_grant(
    client: Client, retiree: User, relative: User, stranger: User
) -> None:
    grant = make_grant(retiree, relative, status=GrantStatus.PENDING)
    client.force_login(stranger)
    assert client.post(reverse("family:grant_accept", args=[grant.pk])).status_code == 404
    assert client.post(reverse("family:grant_revoke", args=[grant.pk])).status_code == 404
    assert client.get(reverse("family:grant_accept", args=[grant.pk])).status_code == 405


def child_born(days_before_sixteen: int) -> User:
    sixteen_ago = TODAY.replace(year=TODAY.year - 16)
    born = sixteen_ago + dt.timedelta(days=days_before_sixteen)
    return make_person(
        id_number=make_id_number("340102", born, 402),
        scheme="resident",
        member_status="",
        mobile=None,
    )


def test_a_confirmed_guardian_acts_for_a_child_until_the_sixteenth_birthday(
    retiree: User, reviewer: User
) -> None:
    child = child_born(1)  # turns 16 tomorrow
    ward = Guardianship.objects.create(guardian=retiree, child=child)
    assert not access.can_act(retiree, child)  # not yet confirmed by staff
    ward.confirmed_at, ward.confirmed_by = timezone.now(), reviewer
    ward.save()
    assert access.can_act(retiree, child)
    assert ward.ends_on() == TODAY
    assert not access.can_act(retiree, child, today=TODAY + dt.timedelta(days=1))
    sixteen = child_born(0)  # 16 today
    Guardianship.objects.create(
        guardian=retiree, child=sixteen, confirmed_at=timezone.now(), confirmed_by=reviewer
    )
    assert not access.can_view(retiree, sixteen)


def test_a_parent_registers_a_child_and_staff_confirm_once(
    client: Client, retiree: User, reviewer: User
) -> None:
    from django.contrib.auth.models import Group

    child_id = make_id_number("340102", TODAY.replace(year=TODAY.year - 8), 522)
    client.force_login(retiree)
    response = client.post(
        reverse("family:child_new"),
        {
            "full_name": "李小宝",
            "id_number": child_id,
            "insured_region": "340100",
            "household_register": SimpleUploadedFile("hukou.png", PNG),
        },
    )
    assert response.status_code == 302
    child = User.objects.get(id_number=child_id)
    assert child.mobile is None and not child.has_usable_password()
    assert not access.can_act(retiree, child)
    reviewer.is_superuser = True
    reviewer.save()
    desk = Client()
    desk.force_login(reviewer)
    desk.post(
        reverse("admin:family_guardianship_changelist"),
        {"action": "confirm", "_selected_action": [Guardianship.objects.get().pk]},
    )
    assert access.can_act(retiree, child)
    del Group


def test_a_child_of_sixteen_or_more_must_register_themselves(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    older = make_id_number("340102", TODAY.replace(year=TODAY.year - 17), 522)
    response = client.post(
        reverse("family:child_new"),
        {
            "full_name": "李大宝",
            "id_number": older,
            "insured_region": "340100",
            "household_register": SimpleUploadedFile("hukou.png", PNG),
        },
    )
    assert "年满 16 周岁" in response.content.decode()


def test_staff_record_a_counter_grant_visible_to_both_once_they_have_accounts(
    client: Client, reviewer: User, retiree: User
) -> None:
    son_id = make_id_number("340102", dt.date(1985, 5, 5), 611)
    reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:family_grant_add"),
        {
            "grantor_id_number": retiree.id_number,
            "grantor_name": retiree.full_name,
            "grantee_id_number": son_id,
            "grantee_name": "李强",
            "relationship": "child",
            "scope": "act",
            "valid_until": (TODAY + dt.timedelta(days=300)).isoformat(),
            "paper": SimpleUploadedFile("auth.pdf", b"%PDF-1.4\n..."),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = Grant.objects.get()
    assert grant.status == GrantStatus.ACTIVE and grant.at_counter and grant.grantee is None
    son = make_person(id_number=son_id, full_name="李强")
    from family.models import link_grants

    link_grants(son)
    assert access.can_act(son, retiree)
    client.force_login(retiree)
    assert "李强" in client.get(reverse("family:home")).content.decode()


def test_the_switcher_names_the_grantor_from_the_relatives_side(
    retiree: User, relative: User
) -> None:
    make_grant(retiree, relative, relationship="child")  # 李明 is her child
    (entry,) = access.people_for(relative)
    assert entry["person"] == retiree and entry["relationship"] == "父母" and entry["can_act"]


@pytest.mark.parametrize("who", list(PARTIES))
def test_only_the_right_people_see_a_settlement(client: Client, retiree: User, who: str) -> None:
    from tests.claims.factories import make_settlement

    settlement = make_settlement(retiree)
    client.force_login(party(who, retiree))
    status = client.get(reverse("claims:settlement", args=[settlement.pk])).status_code
    assert status == (200 if who in CAN_VIEW else 404)


def test_a_relative_is_told_that_the_insured_person_applies_for_reimbursement(
    client: Client, retiree: User, relative: User
) -> None:
    make_grant(retiree, relative)
    client.force_login(relative)
    client.post(reverse("family:act_as"), {"person": retiree.pk})
    html = client.get(reverse("claims:reimbursement_new")).content.decode()
    assert "手工报销需由本人申请" in html


@pytest.mark.parametrize(
    ("person", "next_url"),
    [("²", "/"), ("١٢", "/"), ("me", "foo"), ("me", "https://evil.example/")],
)
def test_the_switch_answers_odd_input_without_an_error(
    client: Client, relative: User, person: str, next_url: str
) -> None:
    """A digit that is not ASCII, or a next that is no path, is not a 500."""
    client.force_login(relative)
    response = client.post(reverse("family:act_as"), {"person": person, "next": next_url})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
