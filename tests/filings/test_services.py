from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from filings import rules, services
from filings.models import EventAction, FiledBy, Filing, FilingSettings, Status
from filings.services import DuplicateFiling, FilingRequest, NotAllowedYet
from portal.models import User
from tests.conftest import make_filing, make_person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def request_for(category: str = rules.Category.OTHER_TEMPORARY, **kw: object) -> FilingRequest:
    fields: dict[str, object] = {
        "category": category,
        "destination_code": "310100",
        "start_date": TODAY,
        "contact_phone": "13955100001",
    }
    if category == rules.Category.REFERRAL:
        fields.update(referring_hospital="安医附院", diagnosis="肺癌", referral_date=TODAY)
    if category == rules.Category.EMERGENCY:
        fields.update(treating_hospital="瑞金医院", admission_date=TODAY)
    fields.update(kw)
    return FilingRequest(**fields)  # type: ignore[arg-type]


def submit(
    person: User, req: FilingRequest | None = None, token: uuid.UUID | None = None
) -> Filing:
    return services.submit_filing(
        person=person,
        request=req or request_for(),
        by=person,
        role=FiledBy.SELF,
        token=token or uuid.uuid4(),
    )


def test_an_online_filing_takes_effect_at_once_where_the_region_says_so(retiree: User) -> None:
    filing = submit(retiree)
    assert filing.status == Status.EFFECTIVE
    assert filing.end_date == rules.valid_until(filing.category, TODAY, rules.RegionRules())
    assert [e.action for e in filing.events.all()] == [EventAction.SUBMITTED, EventAction.APPROVED]
    assert filing.reference.startswith(f"BA340100{TODAY:%Y%m%d}")


def test_an_online_filing_waits_for_review_where_the_region_reviews(retiree: User) -> None:
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    filing = submit(retiree)
    assert filing.status == Status.SUBMITTED
    assert not filing.covers(TODAY)


def test_the_region_decides_the_online_channel(retiree: User) -> None:
    FilingSettings.objects.create(region_id="340100", online_channel="self_service")
    assert submit(retiree).channel == "self_service"


def test_a_second_overlapping_filing_of_the_same_group_is_not_created(retiree: User) -> None:
    first = submit(retiree)
    with pytest.raises(DuplicateFiling) as info:
        submit(retiree, request_for(destination_code="110100"))
    assert info.value.existing == first
    assert Filing.objects.filter(person=retiree).count() == 1


def test_a_filing_made_by_a_counter_for_the_same_person_is_found_as_existing(retiree: User) -> None:
    counter = make_filing(
        retiree, person=None, channel="local", filed_by_role="staff", filed_by=None
    )
    with pytest.raises(DuplicateFiling) as info:
        submit(retiree, request_for(rules.Category.RETIRED_RESETTLEMENT))
    assert info.value.existing == counter


def test_a_long_term_and_a_temporary_filing_may_overlap(retiree: User) -> None:
    make_filing(retiree, category=rules.Category.RETIRED_RESETTLEMENT)
    assert submit(retiree, request_for(rules.Category.REFERRAL, destination_code="110100")).pk


def test_a_destination_in_the_insured_province_is_refused_with_a_reason(retiree: User) -> None:
    with pytest.raises(ValidationError) as info:
        submit(retiree, request_for(destination_code="340200"))  # 芜湖, 安徽
    assert "同一个省" in info.value.messages[0]


def test_a_retroactive_start_beyond_the_regions_limit_is_refused(retiree: User) -> None:
    FilingSettings.objects.create(region_id="340100", retroactive_days=10)
    ok = submit(
        retiree,
        request_for(
            rules.Category.EMERGENCY,
            start_date=TODAY - dt.timedelta(days=10),
            admission_date=TODAY - dt.timedelta(days=9),
        ),
    )
    assert ok.start_date == TODAY - dt.timedelta(days=10)
    ok.status = Status.CANCELLED
    ok.save()
    with pytest.raises(ValidationError):
        submit(
            retiree, request_for(rules.Category.EMERGENCY, start_date=TODAY - dt.timedelta(days=11))
        )


def test_a_referral_cannot_start_in_the_past(retiree: User) -> None:
    with pytest.raises(ValidationError):
        submit(
            retiree, request_for(rules.Category.REFERRAL, start_date=TODAY - dt.timedelta(days=1))
        )


def test_the_same_submission_token_makes_one_filing(retiree: User) -> None:
    token = uuid.uuid4()
    assert submit(retiree, token=token) == submit(retiree, token=token)
    assert Filing.objects.count() == 1


def test_expiry_follows_from_the_dates_without_any_job(retiree: User) -> None:
    filing = make_filing(
        retiree, category=rules.Category.REFERRAL, start_date=TODAY - dt.timedelta(days=200)
    )
    assert filing.status == Status.EFFECTIVE
    assert filing.state(TODAY) == "expired"
    assert filing.state(TODAY - dt.timedelta(days=100)) == "effective"
    assert Filing.objects.current(TODAY).count() == 0


def test_approval_and_rejection_by_staff(retiree: User, reviewer: User) -> None:
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    filing = submit(retiree)
    with pytest.raises(ValidationError):
        services.reject(filing, by=reviewer, reason="   ")
    services.reject(filing, by=reviewer, reason="材料不清晰")
    filing.refresh_from_db()
    assert filing.status == Status.REJECTED and filing.decided_by == reviewer
    with pytest.raises(ValidationError):
        services.approve(filing, by=reviewer)


def test_the_database_refuses_a_rejection_without_a_reason(retiree: User) -> None:
    filing = make_filing(retiree, status=Status.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.filter(pk=filing.pk).update(status=Status.REJECTED, rejection_reason="")


def test_the_database_refuses_overlapping_current_filings_of_one_group(retiree: User) -> None:
    make_filing(retiree, category=rules.Category.REFERRAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_filing(
            retiree,
            category=rules.Category.OTHER_TEMPORARY,
            start_date=TODAY + dt.timedelta(days=30),
        )
    # Not overlapping: after the first one ends.
    make_filing(
        retiree, category=rules.Category.OTHER_TEMPORARY, start_date=TODAY + dt.timedelta(days=200)
    )


def test_cancelled_and_rejected_filings_do_not_block_a_new_one(retiree: User) -> None:
    make_filing(retiree, status=Status.CANCELLED, ended_on=TODAY - dt.timedelta(days=1))
    make_filing(retiree, status=Status.REJECTED, rejection_reason="x")
    assert make_filing(retiree).pk


@pytest.mark.parametrize(
    ("field", "value"),
    [("temporary_validity_months", 5), ("change_lock_months", 7)],
)
def test_the_database_refuses_region_settings_outside_the_national_limits(
    field: str, value: int
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        FilingSettings.objects.create(region_id="340100", **{field: value})


def test_the_database_refuses_a_long_term_filing_with_an_end_date(retiree: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_filing(retiree, end_date=TODAY + dt.timedelta(days=10))


def test_a_change_makes_a_new_filing_and_keeps_the_original(retiree: User) -> None:
    original = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    new = services.request_change(
        original,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13900000000",
        today=TODAY,
    )
    original.refresh_from_db()
    assert new.status == Status.EFFECTIVE and new.replaces == original and new.start_date == TODAY
    assert original.status == Status.REPLACED
    assert original.ended_on == TODAY - dt.timedelta(days=1)
    assert original.destination_id == "310100"  # never overwritten in place
    assert original.covers(TODAY - dt.timedelta(days=1)) and not original.covers(TODAY)
    assert original.events.filter(action=EventAction.REPLACED).exists()


def test_a_change_needing_review_leaves_the_original_in_force_until_approved(
    retiree: User, reviewer: User
) -> None:
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    original = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    new = services.request_change(
        original,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    original.refresh_from_db()
    assert new.status == Status.SUBMITTED and original.status == Status.EFFECTIVE
    with pytest.raises(ValidationError):
        services.request_change(
            original,
            by=retiree,
            role=FiledBy.SELF,
            destination_code="110100",
            contact_phone="13955100001",
            today=TODAY,
        )
    services.approve(new, by=reviewer)
    original.refresh_from_db()
    assert original.status == Status.REPLACED


def test_a_long_term_filing_cannot_change_or_cancel_during_the_lock(retiree: User) -> None:
    FilingSettings.objects.create(region_id="340100", change_lock_months=3)
    started = TODAY - dt.timedelta(days=10)
    filing = make_filing(
        retiree,
        start_date=started,
        decided_at=timezone.make_aware(dt.datetime.combine(started, dt.time(9))),
    )
    with pytest.raises(NotAllowedYet) as info:
        services.cancel(filing, by=retiree, role=FiledBy.SELF, today=TODAY)
    assert info.value.first_day == rules.add_months(started, 3)
    with pytest.raises(NotAllowedYet):
        services.request_change(
            filing,
            by=retiree,
            role=FiledBy.SELF,
            destination_code="320500",
            contact_phone="13955100001",
            today=TODAY,
        )
    services.cancel(filing, by=retiree, role=FiledBy.SELF, today=rules.add_months(started, 3))


def test_a_filing_not_yet_started_can_be_changed_where_there_is_no_lock(retiree: User) -> None:
    filing = make_filing(retiree, start_date=TODAY + dt.timedelta(days=3))
    assert filing.state(TODAY) == "upcoming" and filing.can_change(TODAY)
    new = services.request_change(
        filing,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    assert new.start_date == filing.start_date


def test_cancelling_ends_validity_the_day_before(retiree: User) -> None:
    filing = make_filing(
        retiree, category=rules.Category.REFERRAL, start_date=TODAY - dt.timedelta(days=5)
    )
    services.cancel(filing, by=retiree, role=FiledBy.SELF, reason="已回合肥", today=TODAY)
    filing.refresh_from_db()
    assert filing.status == Status.CANCELLED and filing.last_day == TODAY - dt.timedelta(days=1)
    assert filing.events.get(action=EventAction.CANCELLED).note == "已回合肥"


def test_a_commitment_filing_covers_the_filing_place_only_until_materials_arrive(
    retiree: User,
) -> None:
    filing = submit(retiree, request_for(rules.Category.RETIRED_RESETTLEMENT, commitment=True))
    assert filing.commitment and filing.materials_due == rules.add_months(TODAY, 6)
    assert not filing.two_way
    filing.materials_received_on = TODAY
    assert filing.two_way


def test_counter_filings_are_linked_when_the_person_registers(db: None) -> None:
    from portal.idnumbers import make_id_number

    number = make_id_number("340102", dt.date(1950, 2, 2), 88)
    stub = make_person()  # only to satisfy the factory's fields
    filing = make_filing(
        stub,
        person=None,
        person_id_number=number,
        person_name="赵大爷",
        channel="local",
        filed_by_role="staff",
        filed_by=None,
    )
    person = make_person(id_number=number, full_name="赵大爷")
    assert services.link_counter_filings(person) == 1
    filing.refresh_from_db()
    assert filing.person == person
    assert filing.events.filter(action=EventAction.LINKED).exists()


def test_covering_finds_the_filing_for_an_admission_day_and_city(retiree: User) -> None:
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    services.cancel(filing, by=retiree, role=FiledBy.SELF, today=TODAY)
    found = Filing.objects.covering
    assert list(
        found(
            person_id_number=retiree.id_number, city_code="310100", day=TODAY - dt.timedelta(days=1)
        )
    ) == [filing]
    assert not found(person_id_number=retiree.id_number, city_code="310100", day=TODAY).exists()
    assert not found(
        person_id_number=retiree.id_number, city_code="110100", day=TODAY - dt.timedelta(days=1)
    ).exists()


@pytest.mark.parametrize(
    "first_day",
    [
        dt.date(2026, 11, 2),  # a Monday in an ordinary fortnight
        dt.date(2026, 2, 9),  # the Spring Festival, with a make-up Saturday before it
        dt.date(2026, 9, 28),  # National Day, with a make-up Saturday after it
    ],
)
def test_the_overdue_query_agrees_with_is_overdue_on_every_day(
    retiree: User, first_day: dt.date
) -> None:
    base = timezone.make_aware(dt.datetime.combine(first_day, dt.time(10, 0)))
    filings = [
        make_filing(
            make_person(),
            status=Status.SUBMITTED,
            decided_at=None,
            submitted_at=base + dt.timedelta(days=d),
        )
        for d in range(12)
    ]
    overdue_on_some_day = set()
    for today in (first_day + dt.timedelta(days=d) for d in range(16)):
        expected = {f.pk for f in filings if f.is_overdue(today)}
        assert set(Filing.objects.overdue(today).values_list("pk", flat=True)) == expected, today
        overdue_on_some_day |= expected
    assert overdue_on_some_day  # the comparison was not between two empty sets


def test_a_filing_under_review_is_withdrawn_and_never_covers_a_day(retiree: User) -> None:
    """撤回: a filing still under review is taken back; it never took effect,
    so even a retroactive start covers nothing, and the period is free for a
    new filing (issue 16, item 6)."""
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    start = TODAY - dt.timedelta(days=5)
    filing = submit(retiree, request_for(start_date=start))
    assert filing.status == Status.SUBMITTED
    services.withdraw(filing, by=retiree, role=FiledBy.SELF, reason="城市填错了")
    filing.refresh_from_db()
    assert filing.status == Status.WITHDRAWN and filing.ended_at is not None
    assert not filing.covers(start) and not filing.covers(TODAY)
    assert not Filing.objects.covering(
        person_id_number=retiree.id_number, city_code="310100", day=TODAY
    ).exists()
    event = filing.events.get(action=EventAction.WITHDRAWN)
    assert event.actor == retiree and event.note == "城市填错了"
    assert filing.validity_label() == f"已于 {TODAY.isoformat()} 撤回（未生效）"
    again = submit(retiree, request_for(start_date=start))
    assert again.status == Status.SUBMITTED
    with pytest.raises(ValidationError):
        services.withdraw(filing, by=retiree, role=FiledBy.SELF)


def test_only_a_filing_under_review_can_be_withdrawn(retiree: User) -> None:
    filing = make_filing(retiree)
    with pytest.raises(ValidationError):
        services.withdraw(filing, by=retiree, role=FiledBy.SELF)
    filing.refresh_from_db()
    assert filing.status == Status.EFFECTIVE


def test_a_filing_cancelled_before_it_started_says_so_instead_of_a_backwards_period(
    retiree: User,
) -> None:
    """Not "2026-12-04 — 2026-12-03": what happened (issue 16, item 5)."""
    filing = make_filing(retiree, category=rules.Category.OTHER_TEMPORARY, start_date=TODAY)
    services.cancel(filing, by=retiree, role=FiledBy.SELF, today=TODAY)
    filing.refresh_from_db()
    assert filing.last_day is not None and filing.last_day < filing.start_date
    assert filing.validity_label() == f"已于 {TODAY.isoformat()} 撤销（未生效）"


def test_a_filing_valid_for_a_while_shows_the_real_period(retiree: User) -> None:
    start = TODAY - dt.timedelta(days=30)
    filing = make_filing(retiree, start_date=start)
    new = services.request_change(
        filing,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    filing.refresh_from_db()
    yesterday = TODAY - dt.timedelta(days=1)
    assert filing.validity_label() == f"{start.isoformat()} — {yesterday.isoformat()}"
    assert new.validity_label() == f"{TODAY.isoformat()} — 长期有效"


def test_a_change_before_the_start_says_the_original_never_took_effect(retiree: User) -> None:
    filing = make_filing(retiree, start_date=TODAY + dt.timedelta(days=3))
    services.request_change(
        filing,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    filing.refresh_from_db()
    assert filing.validity_label() == f"已于 {TODAY.isoformat()} 变更（原备案未生效）"


def test_the_history_of_a_changed_filing_names_who_changed_it(
    retiree: User, relative: User, reviewer: User
) -> None:
    """Approved at once or by a reviewer, the original's "变更生效" entry
    names the person who asked for the change (issue 16, item 5)."""
    filing = make_filing(retiree, start_date=TODAY - dt.timedelta(days=30))
    new = services.request_change(
        filing,
        by=relative,
        role=FiledBy.RELATIVE,
        destination_code="320500",
        contact_phone="13955100001",
        today=TODAY,
    )
    ended = filing.events.get(action=EventAction.REPLACED)
    assert ended.actor == relative and ended.actor_role == FiledBy.RELATIVE
    FilingSettings.objects.create(region_id="340100", online_effective_at_once=False)
    second = services.request_change(
        new,
        by=retiree,
        role=FiledBy.SELF,
        destination_code="310100",
        contact_phone="13955100001",
        today=TODAY,
    )
    services.approve(second, by=reviewer)
    ended = new.events.get(action=EventAction.REPLACED)
    assert ended.actor == retiree and ended.actor_role == FiledBy.SELF
