"""Build portal/data/hotlines.csv: for every pooling region, 12393 as a caller
in another city dials it (the region's long-distance area code + 12393).

12393 is the national medical-insurance service number and each pooling
region answers it locally, so from another city one dials the area code
first (the son in 上海 calling his mother's 合肥 agency: 0551-12393).

Run once when the region list or the sources change; the output is committed
and neither source is a runtime dependency:

    pip install phonenumbers==9.0.43 py-cn-phone-area-code==1.0.5
    python scripts/build_hotlines.py

Sources, in order (the `source` column names the one used):
1. `phonenumbers` 9.0.43 (Python port of Google's libphonenumber, Apache-2.0):
   its geocoding data names the city of every valid Chinese fixed-line
   area code (`geocoder.description_for_number`, language "zh").
2. `py-cn-phone-area-code` 1.0.5 (PyPI, 2017): a table of area codes and
   short city names; used only for regions the first source does not name
   (for example 0371 for 郑州 and 开封, 0391 for 焦作 and 济源).

Every number is marked `unconfirmed`: it follows the national rule, not a
number the region's agency was seen to publish. A region neither source
names gets no number (the page then says so and gives 12393). Staff enter a
region's own published number in the admin (InsuranceRegion.hotline); that
number wins.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "portal" / "data"
OUT = DATA / "hotlines.csv"
SERVICE_NUMBER = "12393"
SOURCE_LIBPHONENUMBER = "phonenumbers 9.0.43 (libphonenumber geocoding, zh)"
SOURCE_CN_AREA_CODE = "py-cn-phone-area-code 1.0.5"
# A province name as the sources shorten it ("内蒙古", "广西", "新疆").
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
# Sample local numbers: a code is real when one of them is a valid fixed line.
SAMPLE_LOCALS = ("62345678", "6234567", "2345678", "22345678", "8234567", "5234567")


def short(name: str, suffixes: tuple[str, ...] = PROVINCE_SUFFIXES) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def stem(name: str) -> str:
    """The first two characters name a prefecture uniquely within its
    province (黔东南/黔南/黔西南, 海北/海东/海南/海西, 阿克苏/阿勒泰/阿拉尔)."""
    return name[:2]


def libphonenumber_codes() -> dict[str, str]:
    """Every valid fixed-line area code (without the trunk 0) and the place
    libphonenumber names for it, e.g. "551": "安徽省合肥市"."""
    import phonenumbers
    from phonenumbers import PhoneNumberType, geocoder

    fixed = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
    candidates = ["10", *map(str, range(20, 30)), *map(str, range(300, 1000))]
    found = {}
    for code in candidates:
        for local in SAMPLE_LOCALS:
            number = phonenumbers.parse(f"+86{code}{local}")
            if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in fixed:
                place = geocoder.description_for_number(number, "zh")
                if place:
                    found[code] = place
                    break
    return found


def cn_area_code_table() -> dict[str, list[str]]:
    """py-cn-phone-area-code's table, read from its source: "0371": ["郑州", "开封"]."""
    import ast

    import py_cn_phone_area_code

    tree = ast.parse(Path(py_cn_phone_area_code.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            table = ast.literal_eval(node.value)
            return {
                k: v if isinstance(v, list) else [v] for k, v in table.items() if k.startswith("0")
            }
    raise SystemExit("py-cn-phone-area-code: no table found")


def places(description: str, province: str) -> list[str]:
    """ "广西壮族自治区南宁市、崇左市" → ["南宁市", "崇左市"] for 广西."""
    for prefix in (province, short(province)):
        if description.startswith(prefix):
            description = description[len(prefix) :]
            break
    return [p for p in description.split("、") if p]


def match(name: str, province: str, libphone: dict[str, str], table: dict[str, list[str]]):
    """(area code with its trunk 0, source) for a region, or ("", "")."""
    if province == "" or name == province:  # a municipality or the 兵团
        codes = [c for c, d in libphone.items() if d == name]
    else:
        codes = [
            c
            for c, d in libphone.items()
            if d.startswith(short(province))
            and any(stem(p) == stem(name) for p in places(d, province))
        ]
    table_hits = [c for c, names in table.items() if any(name.startswith(n) for n in names)]
    if len(codes) == 1:
        return f"0{codes[0]}", SOURCE_LIBPHONENUMBER
    if len(codes) > 1:
        # Two codes named for one place (晋中 and 吕梁 both on 0354 and 0358):
        # the second source says which is whose; if it cannot, no number.
        agreed = [c for c in table_hits if c[1:] in codes]
        if len(agreed) == 1:
            return agreed[0], f"{SOURCE_LIBPHONENUMBER}; {SOURCE_CN_AREA_CODE}"
        return "", ""
    if len(table_hits) == 1:
        return table_hits[0], SOURCE_CN_AREA_CODE
    # A province with one code for all its places (海南: 0898).
    whole = [c for c, names in table.items() if short(province) in names]
    if len(whole) == 1 and name != province:
        return whole[0], f"{SOURCE_CN_AREA_CODE} ({short(province)})"
    return "", ""


def build() -> list[dict[str, str]]:
    regions = list(csv.DictReader((DATA / "regions.csv").open(encoding="utf-8")))
    provinces = {r["code"]: r["name"] for r in regions if r["level"] == "province"}
    libphone, table = libphonenumber_codes(), cn_area_code_table()
    out = []
    for row in regions:
        pooling = row["level"] != "province" or row["code"] == "660000"
        if not pooling:
            continue
        province = provinces.get(row["parent"], "")
        # 新疆生产建设兵团 (660000) has no place of its own in either source.
        area_code, source = match(row["name"], province or row["name"], libphone, table)
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "area_code": area_code,
                "hotline": f"{area_code}-{SERVICE_NUMBER}" if area_code else "",
                "status": "unconfirmed" if area_code else "",
                "source": source,
            }
        )
    return out


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    missing = [r["name"] for r in rows if not r["hotline"]]
    print(f"{len(rows)} regions, {len(rows) - len(missing)} with a number", file=sys.stderr)
    print("without: " + "、".join(missing), file=sys.stderr)


if __name__ == "__main__":
    main()
