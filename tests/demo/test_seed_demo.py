from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from portal.idnumbers import validate_id_number
from portal.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_every_id_number_is_valid() -> None:
    call_command("seed_demo", "--force", "--scale", "50", stdout=io.StringIO())
    first = User.objects.count()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.count() == first
    assert first >= 54
    for number in User.objects.values_list("id_number", flat=True):
        validate_id_number(number)
    retiree = User.objects.get(full_name="张桂兰")
    assert retiree.insured_region_id == "340100" and retiree.member_status == "retired"
    reviewer = User.objects.get(full_name="王芳")
    assert reviewer.is_staff and list(reviewer.staff_regions.values_list("pk", flat=True)) == [
        "340100"
    ]


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_scale_means_at_least_that_many_so_a_second_run_adds_nothing() -> None:
    call_command("seed_demo", "--force", "--scale", "30", stdout=io.StringIO())
    synthetic = User.objects.filter(mobile__startswith="170").count()
    call_command("seed_demo", "--force", "--scale", "30", stdout=io.StringIO())
    assert User.objects.filter(mobile__startswith="170").count() == synthetic >= 29
    from filings.models import Filing

    assert Filing.objects.filter(person__mobile__startswith="170").count() == synthetic


def test_a_larger_scale_tops_up_people_and_their_filings_without_audit_rows() -> None:
    from django.apps import apps

    from filings.models import Filing

    FilingAudit = apps.get_model("filings", "FilingAudit")
    UserAudit = apps.get_model("portal", "UserAudit")

    call_command("seed_demo", "--force", "--scale", "20", stdout=io.StringIO())
    user_audit = UserAudit.objects.count()
    filing_audit = FilingAudit.objects.count()
    call_command("seed_demo", "--force", "--scale", "45", stdout=io.StringIO())
    synthetic = User.objects.filter(mobile__startswith="170")
    assert synthetic.count() == 45
    assert Filing.objects.filter(person__in=synthetic).count() == 45
    # Synthetic rows are not changes anyone made: the audit trail stays as it was.
    assert User.pgh_event_model.objects.count() == user_audit  # type: ignore[attr-defined]
    assert Filing.pgh_event_model.objects.count() == filing_audit  # type: ignore[attr-defined]
    for filing in Filing.objects.filter(person__in=synthetic).select_related("person"):
        assert filing.person is not None
        assert filing.person_id_number == filing.person.id_number
        assert filing.insured_region_id == filing.person.insured_region_id
        assert filing.destination_id[:2] != filing.insured_region_id[:2]


def test_bulk_people_get_distinct_valid_id_numbers_across_many_birth_date_steps() -> None:
    from demo.management.commands.seed_demo import _bulk_person

    people = [_bulk_person(i, "!") for i in range(0, 7 * 1000 * 4 + 7)]
    numbers = [p.id_number for p in people]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[::997]:
        validate_id_number(number)
    births = {n[6:14] for n in numbers}
    assert len(births) == 5  # a new birth date every 1,000 people of a city


def test_copy_with_skip_existing_leaves_out_a_clashing_row_and_keeps_the_rest() -> None:
    from demo.management.commands.seed_demo import _bulk_person
    from portal.bulk import copy_instances

    first, second = _bulk_person(0, "!"), _bulk_person(1, "!")
    first.save()
    clash = _bulk_person(0, "!")  # same ID number and mobile as `first`
    assert copy_instances(User, [clash, second], skip_existing=True) == 1
    assert User.objects.filter(mobile__startswith="170").count() == 2


def test_the_demo_review_queue_has_commitment_materials_to_review() -> None:
    from filings.models import Filing

    call_command("seed_demo", "--force", stdout=io.StringIO())
    waiting = Filing.objects.materials_to_review()
    assert [f.person_name for f in waiting] == ["赵桂芝"]
    assert waiting[0].documents.get().file.read().startswith(b"\x89PNG")
