from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.idnumbers import make_id_number
from portal.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_ID = make_id_number("340104", dt.date(1990, 5, 6), 222)


def registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "赵敏",
        "id_number": NEW_ID,
        "mobile": "13700001111",
        "email": "",
        "insured_region": "340100",
        "scheme": "employee",
        "member_status": "working",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def test_registering_creates_one_account_and_logs_in(client: Client) -> None:
    response = client.post(reverse("register"), registration())
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    user = User.objects.get(id_number=NEW_ID)
    assert user.insured_region_id == "340100"
    assert user.check_password(PASSWORD)
    assert client.get(reverse("profile")).status_code == 200


def test_a_lower_case_x_is_stored_upper_case(client: Client) -> None:
    number = next(
        n
        for seq in range(1000)
        if (n := make_id_number("110101", dt.date(1985, 3, 3), seq)).endswith("X")
    )
    client.post(reverse("register"), registration(id_number=number.lower()))
    assert User.objects.filter(id_number=number).exists()


def test_a_bad_id_number_is_explained_next_to_the_field_and_input_is_kept(client: Client) -> None:
    bad = NEW_ID[:-1] + ("1" if NEW_ID[-1] != "1" else "2")
    response = client.post(reverse("register"), registration(id_number=bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert "校验位" in html
    assert 'href="#id_id_number"' in html  # the error summary links to the field
    assert f'value="{bad}"' in html
    assert 'value="赵敏"' in html
    assert not User.objects.filter(full_name="赵敏").exists()


def test_a_second_registration_with_the_same_id_number_points_to_login_and_learns_nothing(
    client: Client, retiree: User
) -> None:
    response = client.post(
        reverse("register"), registration(id_number=retiree.id_number, mobile="13700002222")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已经注册过账户" in html
    assert reverse("login") in html and reverse("password_reset") in html
    for secret in (retiree.full_name, str(retiree.mobile), "13955100001", retiree.masked_mobile):
        assert secret not in html
    assert User.objects.filter(id_number=retiree.id_number).count() == 1


def test_the_employee_scheme_needs_working_or_retired(client: Client) -> None:
    response = client.post(reverse("register"), registration(member_status=""))
    assert "职工医保请选择在职或退休" in response.content.decode()
    assert not User.objects.filter(id_number=NEW_ID).exists()


def test_the_resident_scheme_stores_no_member_status(client: Client) -> None:
    client.post(reverse("register"), registration(scheme="resident", member_status="retired"))
    assert User.objects.get(id_number=NEW_ID).member_status == ""


@pytest.mark.parametrize("mobile", ["1270000111", "12700001111", "137000011112", "1370000111a"])
def test_it_rejects_a_malformed_mobile(client: Client, mobile: str) -> None:
    response = client.post(reverse("register"), registration(mobile=mobile))
    assert 'id="id_mobile_error"' in response.content.decode()
    assert not User.objects.filter(id_number=NEW_ID).exists()


def test_mismatched_and_weak_passwords_are_refused(client: Client) -> None:
    html = client.post(
        reverse("register"), registration(password2="other-Pass-99")
    ).content.decode()
    assert "两次输入的密码不一致" in html
    html = client.post(
        reverse("register"), registration(password1="12345678", password2="12345678")
    ).content.decode()
    assert 'id="id_password1_error"' in html
    assert not User.objects.filter(id_number=NEW_ID).exists()


def test_a_database_constraint_refuses_member_status_on_the_resident_scheme(retiree: User) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=retiree.pk).update(scheme="resident", member_status="retired")


@pytest.mark.parametrize("identifier", ["id_number", "mobile", "id_number_lower"])
def test_login_works_with_the_id_number_or_the_mobile(client: Client, identifier: str) -> None:
    from tests.conftest import make_person

    number = next(
        n
        for seq in range(1000)
        if (n := make_id_number("110101", dt.date(1975, 7, 7), seq)).endswith("X")
    )
    person = make_person(id_number=number)
    username = {
        "id_number": person.id_number,
        "mobile": person.mobile,
        "id_number_lower": person.id_number.lower(),
    }[identifier]
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_a_wrong_password_is_refused_with_a_plain_message(client: Client, retiree: User) -> None:
    response = client.post(reverse("login"), {"username": retiree.mobile, "password": "nope"})
    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_users_are_sent_to_login_from_private_pages(client: Client) -> None:
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('profile')}"


def test_public_pages_need_no_login(client: Client) -> None:
    for name in ("home", "register", "login", "password_reset"):
        assert client.get(reverse(name)).status_code == 200, name


def test_the_full_id_number_shows_only_on_the_owners_profile(client: Client, retiree: User) -> None:
    client.force_login(retiree)
    profile = client.get(reverse("profile")).content.decode()
    assert retiree.id_number in profile
    home = client.get(reverse("home")).content.decode()
    assert retiree.id_number not in home


def test_the_user_is_shown_with_a_masked_id_number(retiree: User) -> None:
    assert str(retiree) == f"张桂兰（{retiree.id_number[:4]}{'*' * 10}{retiree.id_number[-4:]}）"


def test_the_admin_user_list_masks_id_numbers(client: Client, retiree: User) -> None:
    from tests.conftest import make_person

    admin = make_person(is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get(reverse("admin:portal_user_changelist")).content.decode()
    assert retiree.masked_id_number in html
    assert retiree.id_number not in html


def test_password_reset_by_mobile_sends_a_link_to_the_accounts_email(
    client: Client, retiree: User
) -> None:
    retiree.email = "guilan@example.com"
    retiree.save()
    response = client.post(reverse("password_reset"), {"identifier": retiree.mobile})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["guilan@example.com"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Pass-77", "new_password2": "Brand-New-Pass-77"},
    )
    assert response.status_code == 302
    retiree.refresh_from_db()
    assert retiree.check_password("Brand-New-Pass-77")


def test_password_reset_answers_the_same_whether_or_not_an_account_matches(
    client: Client, retiree: User
) -> None:
    known = client.post(reverse("password_reset"), {"identifier": retiree.id_number})
    unknown = client.post(reverse("password_reset"), {"identifier": "13000000000"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 0  # the retiree has no email on file


def test_registering_takes_over_the_counter_records_made_for_that_id_number(
    client: Client, retiree: User
) -> None:
    """Staff filed at the counter, and a counter grant named this ID number,
    before the person had an account (portal.signals.registered)."""
    from family.models import Grant, GrantStatus
    from tests.conftest import make_filing

    filing = make_filing(
        retiree,
        person=None,
        person_id_number=NEW_ID,
        person_name="赵敏",
        insured_region_id="340100",
        channel="local",
        filed_by_role="staff",
        filed_by=None,
    )
    grant = Grant.objects.create(
        grantor=None,
        grantor_id_number=NEW_ID,
        grantor_name="赵敏",
        grantee=retiree,
        grantee_id_number=retiree.id_number,
        grantee_name=retiree.full_name,
        relationship="parent",
        scope="view",
        valid_until=dt.date.today() + dt.timedelta(days=30),
        status=GrantStatus.ACTIVE,
        at_counter=True,
        paper="family/paper.pdf",
    )
    response = client.post(reverse("register"), registration(), follow=True)
    user = User.objects.get(id_number=NEW_ID)
    filing.refresh_from_db()
    grant.refresh_from_db()
    assert filing.person == user and grant.grantor == user
    assert "窗口为您办理过的 1 份备案已关联到您的账户" in response.content.decode()
