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
