"""The lookup through the postings gives what one plain query gives, and
the postings change with every write, in its transaction."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from demo.management.commands.benchmark_facilities import SEARCHES
from demo.synthetic_facilities import generate_facilities
from facilities import postings, services
from facilities.forms import FacilitySearchForm, RegionChoices
from facilities.importing import import_facilities, read_table
from facilities.models import Facility, Posting
from tests.conftest import make_person
from tests.facilities.conftest import make_facility

pytestmark = pytest.mark.django_db


def assert_postings_current() -> None:
    """Positions follow the rank order, and each posting holds exactly the
    positions of the facilities that hold its piece."""
    ranked = [p for p in Facility.objects.ranked().values_list("position", flat=True) if p]
    assert ranked == sorted(set(ranked)) and len(ranked) == Facility.objects.count()
    expected: dict[str, list[int]] = defaultdict(list)
    for facility in Facility.objects.all():
        assert facility.position is not None
        for piece in facility.search_pieces:
            expected[piece].append(facility.position)
    stored = {p.piece: p.positions for p in Posting.objects.all() if p.positions}
    assert stored == {piece: sorted(positions) for piece, positions in expected.items()}


def found(text: str = "", *, on: dt.date | None = None, **criteria: Any) -> list[str]:
    page = services.lookup_page(services.Criteria(text=text, **criteria), 1, on=on)
    return [f.name for f in page.items]


# The benchmark's fixed set, and nearest first where many match (the walk
# outward from the city) as well as few.
EXTRA_SEARCHES = [
    {"kind": "pharmacy", "sort": "distance", "near": "310100"},
    {"q": "医院", "sort": "distance", "near": "110100"},
    {"q": "yy", "province": "320000", "sort": "distance", "near": "320100"},
]


@pytest.mark.parametrize("cap", [1000, 25])
@pytest.mark.usefixtures("beijing")
def test_every_benchmark_search_gives_the_page_and_count_of_one_plain_query(
    cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_facilities(count=3000)
    make_facility(name="上海未来人民医院", active_from=dt.date(2999, 1, 1))
    monkeypatch.setattr(services, "PAGE_SIZE", 5)
    monkeypatch.setattr(services, "COUNT_CAP", cap)
    regions = RegionChoices.load()
    empty = []
    for search in [*SEARCHES, *EXTRA_SEARCHES]:
        form = FacilitySearchForm(QueryDict(urlencode(search)), regions=regions)
        criteria, _needs = form.criteria()
        # One plain query: every row checked, ordered by the model's rules.
        plain = services.scan_facilities(criteria)
        ordered = plain.nearest_to(criteria.origin) if criteria.origin else plain.ranked()
        total = plain.count()
        count = min(total, cap)
        for number in (1, 2, 9):
            shown = min(number, max(1, math.ceil(count / 5)))
            page = services.lookup_page(criteria, number)
            expected = list(ordered.values_list("pk", flat=True)[(shown - 1) * 5 : shown * 5])
            assert (page.number, page.count, page.capped) == (shown, count, total > cap), search
            assert [f.pk for f in page.items] == expected, (search, number)
        if not total:
            empty.append(search)
    assert len(empty) <= 3, empty  # the comparison means something


def test_a_facility_whose_active_dates_exclude_today_is_not_found() -> None:
    make_facility(code="H31010100001", name="上海已停医院", active_to=dt.date(2021, 1, 1))
    make_facility(code="H31010100002", name="上海未来医院", active_from=dt.date(2999, 1, 1))
    make_facility(code="H31010100003", name="上海现在医院")
    assert found("上海") == ["上海现在医院"]
    assert found(kind="general") == ["上海现在医院"]
    # The dates are read when searching, not when the postings were written.
    assert "上海已停医院" in found("上海", on=dt.date(2020, 6, 1))
    assert "上海未来医院" in found("上海", on=dt.date(2999, 6, 1))


def test_a_change_is_in_the_postings_within_its_transaction_and_rolls_back_with_it() -> None:
    facility = make_facility()
    with transaction.atomic():
        facility.name = "上海市第一康复医院"
        facility.tier, facility.grade = 2, 0
        services.save_facility(facility)
        assert found("康复") == ["上海市第一康复医院"]
        assert found("人民") == []
        assert found(level="2") == ["上海市第一康复医院"] and found(level="3") == []
        assert_postings_current()
        transaction.set_rollback(True)
    assert found("康复") == [] and found("人民", level="3a") == ["上海市第一人民医院"]
    assert_postings_current()


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = make_person(
        is_staff=True, is_superuser=True, insured_region_id=None, scheme="", member_status=""
    )
    client.force_login(admin)
    return client


def test_an_admin_edit_and_delete_change_the_postings(
    admin_client: Client, beijing: list[Facility]
) -> None:
    facility = Facility.objects.get(code="BJA05")  # 北京协和医院
    data = {
        "code": facility.code,
        "name": "北京青松医院",
        "aliases": "青松",
        "kind": "specialist",
        "tier": 3,
        "grade": 3,
        "province": facility.province_id,
        "city": facility.city_id,
        "county": facility.county,
        "address": facility.address,
        "phone": facility.phone,
        "latitude": facility.latitude,
        "longitude": facility.longitude,
        "services": ["inpatient"],
        "active_from": facility.active_from.isoformat(),
        "active_to": "",
    }
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found("青松") == ["北京青松医院"]
    assert "北京青松医院" in found(kind="specialist", service="inpatient")
    assert "北京青松医院" not in found(kind="general")
    assert found("协和医院") == []  # its name and aliases were replaced
    assert_postings_current()
    delete = reverse("admin:facilities_facility_delete", args=[facility.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert found("青松") == []
    assert_postings_current()


HEADER = "医保编码,机构名称,别名,省份,城市,区县,纬度,经度,机构类型,等级,联网服务,开通日期\n"


def run_import(rows: list[str], **kwargs: Any) -> Any:
    text = HEADER + "\n".join(rows) + "\n"
    return import_facilities(read_table(io.BytesIO(text.encode()), "list.csv"), **kwargs)


def test_an_import_changes_the_postings_with_its_rows(beijing: list[Facility]) -> None:
    report = run_import(
        [
            "BJA05,北京青松医院,,北京市,北京市,东城区,,,综合医院,三甲,住院,2020-01-01",
            "H11010100777,北京新开药房,,北京市,北京市,东城区,,,零售药店,,普通门诊,2020-01-01",
        ]
    )
    assert (report.created, report.updated) == (1, 1), report.problems
    assert found("青松") == ["北京青松医院"]
    assert found("协和医院") == []  # its name and aliases were replaced
    assert "北京新开药房" in found(kind="pharmacy")
    assert_postings_current()
    run_import(
        ["H11010100888,北京试试药房,,北京市,北京市,东城区,,,零售药店,,,2020-01-01"], dry_run=True
    )
    assert found("试试") == []
    assert_postings_current()


def test_a_full_gap_renumbers_every_facility(
    beijing: list[Facility], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(postings, "LAST_POSITION", len(beijing) + 1)
        with transaction.atomic():
            postings.rebuild()  # positions 1, 2, 3, ...: no room between any two
    assert list(Facility.objects.ranked().values_list("position", flat=True)[:3]) == [1, 2, 3]
    for n in range(3):
        make_facility(code=f"H3101010000{n}", name=f"上海第{n}医院")
    assert_postings_current()
    assert found("上海") == ["上海第0医院", "上海第1医院", "上海第2医院"]


def test_the_rebuild_command_brings_back_postings_written_by_other_means(
    beijing: list[Facility],
) -> None:
    Posting.objects.all().delete()  # as after a load by hand
    Facility.objects.update(position=None)
    assert found("协和") == []
    out = io.StringIO()
    call_command("rebuild_postings", stdout=out)
    assert out.getvalue().startswith("Postings rebuilt in ")
    assert "中国医学科学院北京协和医院" in found("协和")
    assert_postings_current()
