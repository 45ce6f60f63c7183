"""Importing facility directories: the report, upserts by code, atomicity."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from facilities import importing
from facilities.importing import ImportRejected, import_facilities, read_table
from facilities.models import Facility
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

HEADER = "医保编码,机构名称,别名,省份,城市,区县,纬度,经度,机构类型,等级,联网服务,开通日期\n"
GOOD = [
    "H34010100001,安徽医科大学第一附属医院,安医大一附院,安徽省,合肥,蜀山区,31.84,117.27,综合医院,三甲,住院、普通门诊、高血压,2018-01-01",
    "P34010100002,百姓大药房（合肥长江路店）,,340000,340100,庐阳区,,,零售药店,,普通门诊,2019-05-01",
]


def run(text: str, **kwargs: Any) -> importing.ImportReport:
    return import_facilities(read_table(io.BytesIO(text.encode()), "list.csv"), **kwargs)


def test_good_rows_are_created_with_their_search_columns() -> None:
    report = run(HEADER + "\n".join(GOOD))
    assert (report.created, report.updated, report.problems) == (2, 0, [])
    hospital = Facility.objects.get(code="H34010100001")
    assert hospital.province_id == "340000" and hospital.city_id == "340100"
    assert (hospital.tier, hospital.grade) == (3, 3)
    assert hospital.services == ["inpatient", "outpatient", "hypertension"]
    assert hospital.aliases == ["安医大一附院"]
    assert "ahykdxdyfsyy" in hospital.search_text and "aydyfy" in hospital.search_text
    assert Facility.objects.matching("ayd").get() == hospital


def test_importing_the_same_file_again_changes_nothing() -> None:
    run(HEADER + "\n".join(GOOD))
    before = list(Facility.objects.order_by("code").values_list("updated_at", flat=True))
    report = run(HEADER + "\n".join(GOOD))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert list(Facility.objects.order_by("code").values_list("updated_at", flat=True)) == before


def test_a_changed_row_updates_the_facility_with_the_same_code() -> None:
    run(HEADER + "\n".join(GOOD))
    changed = GOOD[0].replace("安徽医科大学第一附属医院", "安徽医科大学第一附属医院（本部）")
    report = run(HEADER + changed)
    assert (report.created, report.updated) == (0, 1)
    hospital = Facility.objects.get(code="H34010100001")
    assert hospital.name.endswith("（本部）") and hospital.active_from == dt.date(2018, 1, 1)
    assert Facility.objects.count() == 2


def test_a_blank_start_date_keeps_the_stored_one_and_is_today_for_a_new_facility() -> None:
    row = GOOD[1].removesuffix("2019-05-01")
    run(HEADER + row, today=dt.date(2024, 2, 1))
    assert Facility.objects.get().active_from == dt.date(2024, 2, 1)
    report = run(HEADER + row, today=dt.date(2025, 3, 3))
    assert report.unchanged == 1 and Facility.objects.get().active_from == dt.date(2024, 2, 1)


def test_the_report_names_line_column_and_problem_and_skips_only_bad_rows() -> None:
    bad = [
        "h1,无编码医院,,安徽省,合肥,,,,综合医院,,,",  # code shape
        "H34010100003,,,安徽省,合肥,,,,综合医院,,,",  # no name
        "H34010100004,某医院,,安徽省,火星市,,,,综合医院,,,",  # unknown city
        "H34010100005,某医院,,安徽省,合肥,,91,200,综合医院,,,",  # coordinates
        "H34010100006,某医院,,安徽省,合肥,,,,医院,,,",  # kind
        "H34010100007,某医院,,安徽省,合肥,,,,综合医院,五级,,",  # level
        "P34010100008,某药房,,安徽省,合肥,,,,零售药店,二级,住院,",  # pharmacy
        "H34010100009,某医院,,安徽省,合肥,,,,综合医院,,看牙,",  # service
        "H34010100010,某医院,,安徽省,合肥,,,,综合医院,,,2024-13-45",  # date
        "H34010100001,重复编码医院,,安徽省,合肥,,,,综合医院,,,",  # duplicate of line 2
        "H34010100011,某医院,,北京市,合肥,,,,综合医院,,,",  # city outside province
    ]
    report = run(HEADER + GOOD[0] + "\n" + "\n".join(bad))
    problems = {(p.line, p.column) for p in report.problems}
    assert {
        (3, "医保编码"),
        (4, "机构名称"),
        (5, "城市"),
        (6, "纬度"),
        (7, "机构类型"),
        (8, "等级"),
        (9, "等级"),
        (9, "联网服务"),
        (10, "联网服务"),
        (11, "开通日期"),
        (12, "医保编码"),
        (13, "城市"),
    } <= problems
    assert report.created == 1 and report.skipped_lines == 11
    assert any("第 2 行" in p.message for p in report.problems if p.line == 12)
    assert Facility.objects.count() == 1


def test_a_missing_required_column_imports_nothing() -> None:
    with pytest.raises(ImportRejected, match="机构类型"):
        run("医保编码,机构名称,城市\nH34010100001,某医院,合肥\n")
    assert not Facility.objects.exists()


def test_a_database_error_midway_rolls_back_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK", 1)
    # The first row is written in its own chunk; the second passes every
    # check but PostgreSQL refuses its NUL character.
    rows = [
        (2, {"code": "H34010100001", "name": "甲医院", "city": "340100", "kind": "综合医院"}),
        (3, {"code": "H34010100002", "name": "乙医院\x00", "city": "340100", "kind": "综合医院"}),
    ]
    with pytest.raises(ImportRejected, match="没有写入任何数据"):
        import_facilities(iter(rows))
    assert not Facility.objects.exists()


def test_a_dry_run_checks_everything_and_writes_nothing() -> None:
    report = run(HEADER + "\n".join(GOOD), dry_run=True)
    assert report.created == 2 and "没有写入" in report.summary()
    assert not Facility.objects.exists()


def test_an_xlsx_file_with_date_and_number_cells_is_read() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["医保编码", "机构名称", "城市", "机构类型", "等级", "开通日期", "纬度", "经度"])
    sheet.append(
        [
            "H31010100001",
            "上海市第一人民医院",
            310100,
            "综合医院",
            "三级甲等",
            dt.datetime(2020, 5, 6),
            31.2,
            121.4,
        ]
    )
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    report = import_facilities(read_table(stream, "list.xlsx"))
    assert report.created == 1, report.problems
    facility = Facility.objects.get()
    assert facility.active_from == dt.date(2020, 5, 6) and facility.city_id == "310100"


def test_a_gb18030_csv_from_excel_is_read() -> None:
    data = (HEADER + GOOD[0]).encode("gb18030")
    report = import_facilities(read_table(io.BytesIO(data), "list.csv"))
    assert report.created == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [("list.txt", b"x"), ("list.csv", b""), ("list.xlsx", b"not a zip"), ("list.csv", b"\x00\x01")],
)
def test_an_unreadable_file_is_rejected_as_a_whole(name: str, data: bytes) -> None:
    with pytest.raises(ImportRejected):
        import_facilities(read_table(io.BytesIO(data), name))


def test_the_command_prints_the_report_and_fails_on_a_fatal_problem(tmp_path: Any) -> None:
    path = tmp_path / "list.csv"
    path.write_text(HEADER + GOOD[0] + "\nH1,坏行,,,合肥,,,,综合医院,,,\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_facilities", str(path), stdout=out)
    assert "line 3\t医保编码" in out.getvalue() and "新增 1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("名称\n某医院\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_facilities", str(bad), stdout=io.StringIO())


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = make_person(
        is_staff=True, is_superuser=True, insured_region_id=None, scheme="", member_status=""
    )
    client.force_login(admin)
    return client


def test_staff_import_a_file_in_the_admin_and_see_the_report(admin_client: Client) -> None:
    url = reverse("admin:facilities_facility_import")
    assert admin_client.get(url).status_code == 200
    upload = io.BytesIO((HEADER + GOOD[0] + "\nH1,坏行,,,合肥,,,,综合医院,,,\n").encode())
    upload.name = "list.csv"
    response = admin_client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "新增 1" in html and "应为 5 到 20 位大写字母或数字" in html
    assert Facility.objects.count() == 1


def test_the_admin_import_is_for_staff_only(client: Client) -> None:
    response = client.get(reverse("admin:facilities_facility_import"))
    assert response.status_code == 302 and "login" in response["Location"]
