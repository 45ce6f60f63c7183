"""Import facility directories from CSV or XLSX (format: facilities/data/README.md).

Reading and checking a row are plain functions; `import_facilities` writes
in one transaction and upserts by code, so importing the same file twice
changes nothing and a fatal problem leaves the directory as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities import postings
from facilities.models import (
    CODE_PATTERN,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    Facility,
    FacilityKind,
    Grade,
    Service,
    Tier,
)
from portal.models import Region, RegionLevel

# field -> accepted headers (the first is the one shown in reports).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("医保编码", "医保机构编码", "机构编码", "code"),
    "name": ("机构名称", "名称", "name"),
    "aliases": ("别名", "aliases"),
    "province": ("省份", "省", "province"),
    "city": ("城市", "地市", "city"),
    "county": ("区县", "county"),
    "address": ("地址", "address"),
    "phone": ("电话", "联系电话", "phone"),
    "latitude": ("纬度", "latitude"),
    "longitude": ("经度", "longitude"),
    "kind": ("机构类型", "类型", "kind"),
    "level": ("等级", "医院等级", "level"),
    "services": ("联网服务", "跨省联网服务", "services"),
    "active_from": ("开通日期", "active_from"),
    "active_to": ("停止日期", "active_to"),
}
REQUIRED = ("code", "name", "city", "kind")
MAX_ROWS = 500_000
CHUNK = 2000
LIST_SPLIT = re.compile(r"[、;；,，]+")
CHANGEABLE = (
    "name",
    "aliases",
    "province_id",
    "city_id",
    "county",
    "address",
    "phone",
    "latitude",
    "longitude",
    "kind",
    "tier",
    "grade",
    "services",
    "active_from",
    "active_to",
)
_TIERS = {
    "一": Tier.FIRST,
    "二": Tier.SECOND,
    "三": Tier.THIRD,
    "1": Tier.FIRST,
    "2": Tier.SECOND,
    "3": Tier.THIRD,
}
_GRADES = {"甲": Grade.A, "乙": Grade.B, "丙": Grade.C}
_SERVICE_NAMES = {str(s.label): s.value for s in Service} | {s.value: s.value for s in Service}
_SERVICE_NAMES |= {"跨省住院": Service.INPATIENT, "门诊": Service.OUTPATIENT}
_KIND_NAMES = {str(k.label): k.value for k in FacilityKind} | {
    k.value: k.value for k in FacilityKind
}


class ImportRejected(Exception):
    """The file as a whole cannot be imported; nothing was written."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def skipped_lines(self) -> int:
        return len({p.line for p in self.problems})

    def summary(self) -> str:
        text = _(
            "共 %(rows)d 行：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，"
            "有问题跳过 %(skipped)d。"
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_lines,
        }
        if self.dry_run:
            text += " " + _("这是检查，没有写入。")
        return text


# Reading -----------------------------------------------------------------


def read_table(stream: IO[bytes], filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) for each non-empty row of a CSV or XLSX
    file; the header row is line 1. Raises ImportRejected on an unreadable
    file or missing required columns."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(stream.read())
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(stream)
    else:
        raise ImportRejected(_("只能导入 .csv 或 .xlsx 文件。"))
    try:
        header = next(table)
    except StopIteration:
        raise ImportRejected(_("文件是空的。")) from None
    columns = _map_header(header)
    for number, cells in enumerate(table, start=2):
        if not any(c.strip() for c in cells):
            continue
        yield (
            number,
            {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()},
        )


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV。"))
    if "\x00" in text:
        raise ImportRejected(_("这不是 CSV 文本文件。"))
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as error:
        raise ImportRejected(_("CSV 格式有误：%(error)s") % {"error": error}) from error


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise ImportRejected(_("无法打开这个 Excel 文件。")) from error
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _map_header(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        title = title.strip().lstrip("\ufeff").lower()
        for name, titles in COLUMNS.items():
            if title in {t.lower() for t in titles} and name not in found:
                found[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in found]
    if missing:
        raise ImportRejected(
            _("第 1 行（表头）缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)}
        )
    return found


# Checking ----------------------------------------------------------------


class RegionIndex:
    """Provinces and destination cities by code and by name, loaded once."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.provinces: dict[str, Region] = {}
        self.cities: dict[str, Region] = {}
        self.cities_by_name: dict[str, list[Region]] = {}
        for region in regions:
            if region.level == RegionLevel.PROVINCE:
                self.provinces[region.code] = region
                self.provinces.setdefault(region.name, region)
            else:
                self.cities[region.code] = region
                self.cities_by_name.setdefault(region.name, []).append(region)

    @classmethod
    def load(cls) -> RegionIndex:
        return cls(Region.objects.all())

    def province(self, text: str) -> Region | None:
        return self.provinces.get(text) or self.provinces.get(_with_suffix(text, "省"))

    def city(self, text: str, province: Region | None) -> list[Region]:
        if text in self.cities:
            return [self.cities[text]]
        candidates = self.cities_by_name.get(text) or self.cities_by_name.get(
            _with_suffix(text, "市"), []
        )
        if province is not None:
            candidates = [c for c in candidates if c.parent_id == province.code]
        return candidates


def _with_suffix(text: str, suffix: str) -> str:
    return text if text.endswith(suffix) else text + suffix


def parse_level(text: str) -> tuple[int, int] | None:
    """'三级甲等' / '三甲' / '3级' -> (3, 3); '' / '未定级' -> (0, 0); else None."""
    text = text.replace(" ", "")
    if text in ("", "未定级", "无", "-"):
        return Tier.NONE, Grade.NONE
    match = re.fullmatch(r"([一二三123])级?([甲乙丙])?等?", text)
    if not match:
        return None
    return _TIERS[match.group(1)], _GRADES[match.group(2)] if match.group(2) else Grade.NONE


def parse_date(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class ParsedRow:
    values: dict[str, Any]
    problems: list[Problem]


def parse_row(line: int, raw: dict[str, str], regions: RegionIndex) -> ParsedRow:
    """Check one row; the values are Facility fields (active_from may be None:
    'keep what is stored, or today for a new facility')."""
    problems: list[Problem] = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(line, COLUMNS[name][0], message))

    values: dict[str, Any] = {}
    code = raw.get("code", "").strip().upper()
    if not code:
        problem("code", _("不能为空。"))
    elif not re.fullmatch(CODE_PATTERN, code):
        problem("code", _("应为 5 到 20 位大写字母或数字。"))
    values["code"] = code

    name = " ".join(raw.get("name", "").split())
    if not name:
        problem("name", _("不能为空。"))
    elif len(name) > 100:
        problem("name", _("太长了（最多 100 个字）。"))
    values["name"] = name
    aliases = [a.strip() for a in LIST_SPLIT.split(raw.get("aliases", "")) if a.strip()]
    if any(len(a) > 100 for a in aliases):
        problem("aliases", _("每个别名最多 100 个字。"))
    values["aliases"] = list(dict.fromkeys(a for a in aliases if a != name))

    province = None
    if raw.get("province"):
        province = regions.province(raw["province"])
        if province is None:
            problem("province", _("找不到这个省份：%(value)s") % {"value": raw["province"]})
    city_text = raw.get("city", "")
    cities = regions.city(city_text, province) if city_text else []
    if not city_text:
        problem("city", _("不能为空。"))
    elif not cities:
        problem("city", _("找不到这个城市：%(value)s") % {"value": city_text})
    elif len(cities) > 1:
        problem("city", _("有同名城市，请同时填写省份，或填写 6 位行政区划代码。"))
    else:
        city = cities[0]
        if province is not None and city.parent_id != province.code:
            problem(
                "city",
                _("%(city)s 不属于 %(province)s。")
                % {"city": city.name, "province": province.name},
            )
        values["city_id"] = city.code
        values["province_id"] = city.parent_id

    for name_, limit in (("county", 30), ("address", 200), ("phone", 40)):
        text = raw.get(name_, "")
        if len(text) > limit:
            problem(name_, _("太长了（最多 %(limit)d 个字）。") % {"limit": limit})
        values[name_] = text[:limit]

    values["latitude"] = values["longitude"] = None
    lat_text, lon_text = raw.get("latitude", ""), raw.get("longitude", "")
    if lat_text or lon_text:
        lat, lon = _float(lat_text), _float(lon_text)
        if lat is None or not LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]:
            problem("latitude", _("应为中国境内的纬度（如 39.9042），并与经度一起填写。"))
        elif lon is None or not LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]:
            problem("longitude", _("应为中国境内的经度（如 116.4074），并与纬度一起填写。"))
        else:
            values["latitude"], values["longitude"] = lat, lon

    kind = _KIND_NAMES.get(raw.get("kind", ""))
    if kind is None:
        problem("kind", _("应为综合医院、中医医院、专科医院、基层医疗机构或零售药店。"))
    values["kind"] = kind

    level = parse_level(raw.get("level", ""))
    if level is None:
        problem(
            "level",
            _("看不懂这个等级：%(value)s（例如 三级甲等、二级、未定级）") % {"value": raw["level"]},
        )
        level = (Tier.NONE, Grade.NONE)
    values["tier"], values["grade"] = level
    if kind == FacilityKind.PHARMACY and values["tier"] != Tier.NONE:
        problem("level", _("零售药店没有医院等级。"))

    services: set[str] = set()
    for item in LIST_SPLIT.split(raw.get("services", "")):
        item = item.strip()
        if not item:
            continue
        if item not in _SERVICE_NAMES:
            problem("services", _("看不懂这项服务：%(value)s") % {"value": item})
        else:
            services.add(_SERVICE_NAMES[item])
    if kind == FacilityKind.PHARMACY and Service.INPATIENT in services:
        problem("services", _("零售药店不能开通住院。"))
    values["services"] = [s.value for s in Service if s in services]

    values["active_from"] = values["active_to"] = None
    for name_ in ("active_from", "active_to"):
        if raw.get(name_):
            day = parse_date(raw[name_])
            if day is None:
                problem(name_, _("日期应写成 2024-01-31 这样。"))
            values[name_] = day
    if (
        values["active_from"]
        and values["active_to"]
        and values["active_to"] < values["active_from"]
    ):
        problem("active_to", _("停止日期不能早于开通日期。"))
    return ParsedRow(values, problems)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# Writing -----------------------------------------------------------------


def import_facilities(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    """Upsert every good row by code; report the others. Runs in one
    transaction, the postings of the facilities it creates or changes
    with it: an ImportRejected or a database error leaves nothing behind,
    and so does `dry_run` (everything checked, nothing kept)."""
    today = today or timezone.localdate()
    report = ImportReport(dry_run=dry_run)
    regions = RegionIndex.load()
    try:
        with transaction.atomic():
            postings.lock()
            written = Written()
            seen: dict[str, int] = {}
            chunk: list[dict[str, Any]] = []
            for line, raw in rows:
                report.rows += 1
                if report.rows > MAX_ROWS:
                    raise ImportRejected(
                        _("一次最多导入 %(max)d 行，请分成几个文件。") % {"max": MAX_ROWS}
                    )
                parsed = parse_row(line, raw, regions)
                code = parsed.values["code"]
                if code and code in seen:
                    parsed.problems.append(
                        Problem(
                            line,
                            COLUMNS["code"][0],
                            _("与第 %(line)d 行的编码重复。") % {"line": seen[code]},
                        )
                    )
                if parsed.problems:
                    report.problems.extend(parsed.problems)
                    continue
                seen[code] = line
                chunk.append(parsed.values)
                if len(chunk) >= CHUNK:
                    _write(chunk, report, today, written)
                    chunk = []
            if chunk:
                _write(chunk, report, today, written)
            if report.rows == 0:
                raise ImportRejected(_("文件里没有数据行。"))
            if dry_run:
                transaction.set_rollback(True)
            else:
                postings.update(written.before, written.ids)
    except DatabaseError as error:
        raise ImportRejected(
            _("数据库拒绝了这次导入，没有写入任何数据：%(error)s") % {"error": error}
        ) from error
    return report


@dataclass
class Written:
    """The facilities an import created or changed, and what they held in
    the postings before (postings.entries)."""

    ids: list[int] = field(default_factory=list)
    before: dict[int, postings.Entry] = field(default_factory=dict)


def _write(
    chunk: list[dict[str, Any]], report: ImportReport, today: dt.date, written: Written
) -> None:
    existing = Facility.objects.in_bulk([v["code"] for v in chunk], field_name="code")
    new: list[Facility] = []
    changed: list[Facility] = []
    for values in chunk:
        facility = existing.get(values["code"])
        if facility is None:
            facility = Facility(**{**values, "active_from": values["active_from"] or today})
            facility.index_names()
            new.append(facility)
            continue
        if values["active_from"] is None:
            values["active_from"] = facility.active_from
        if all(getattr(facility, f) == values[f] for f in CHANGEABLE):
            report.unchanged += 1
            continue
        for name in CHANGEABLE:
            setattr(facility, name, values[name])
        facility.index_names()
        facility.updated_at = timezone.now()  # bulk_update skips auto_now
        changed.append(facility)
    written.before.update(postings.entries(f.pk for f in changed))
    Facility.objects.bulk_create(new, batch_size=CHUNK)
    if changed:
        Facility.objects.bulk_update(
            changed,
            [*CHANGEABLE, "pinyin", "search_text", "search_pieces", "updated_at"],
            batch_size=500,
        )
    written.ids.extend(f.pk for f in [*new, *changed])
    report.created += len(new)
    report.updated += len(changed)
