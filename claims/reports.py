"""Agency money reports over cross-province settlement records: per month and
per (insured province → treatment province) pair, the annual prepayment
quota (先预付后清算) and the inpatient direct-settlement rate.

Every figure is computed in the database from the records the staff member
may see; the pure helpers below only round and divide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import CharField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from claims.choices import CareType
from claims.engine import to_fen
from claims.models import Settlement
from portal.models import Region

ZERO = Decimal("0.00")
# The inpatient direct-settlement rate the national rule aims for.
DIRECT_RATE_TARGET = Decimal(70)
Pair = tuple[str, str]  # (insured province code, treatment province code)


def prepayment_quota(q4_fund: Decimal) -> Decimal:
    """Each January the annual prepayment is twice the monthly average of last
    year's fourth-quarter settlements (domain.md, 先预付后清算)."""
    return to_fen(q4_fund / 3 * 2)


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Figures:
    cases: int = 0
    total: Decimal = ZERO
    fund: Decimal = ZERO
    inpatient: int = 0
    direct_inpatient: int = 0

    @property
    def direct_rate(self) -> Decimal | None:
        return rate(self.direct_inpatient, self.inpatient)

    @property
    def meets_target(self) -> bool | None:
        r = self.direct_rate
        return None if r is None else r >= DIRECT_RATE_TARGET

    def add(self, other: Figures) -> None:
        self.cases += other.cases
        self.total += other.total
        self.fund += other.fund
        self.inpatient += other.inpatient
        self.direct_inpatient += other.direct_inpatient


@dataclass
class PairRow:
    insured: str
    treatment: str
    figures: Figures
    q4_fund: Decimal = ZERO
    insured_name: str = ""
    treatment_name: str = ""

    @property
    def quota(self) -> Decimal:
        return prepayment_quota(self.q4_fund)


@dataclass
class MonthRow:
    month: int
    figures: Figures
    pairs: list[PairRow] = field(default_factory=list)


@dataclass
class Report:
    year: int
    months: list[MonthRow]
    pairs: list[PairRow]
    totals: Figures
    names: dict[str, str]

    @property
    def quota_total(self) -> Decimal:
        return sum((row.quota for row in self.pairs), ZERO)


def _with_pair(queryset: QuerySet[Settlement]) -> Any:
    """The province codes of the insured place (a province-level pooling
    region such as 兵团 is its own province) and of the treatment city."""
    return queryset.annotate(
        insured_province=Coalesce(
            F("insured_region__region__parent_id"),
            F("insured_region_id"),
            output_field=CharField(),
        ),
        treatment_province=F("treatment_city__parent_id"),
    )


def _figures(row: dict[str, object]) -> Figures:
    return Figures(
        cases=int(row["cases"]),  # type: ignore[call-overload]
        total=Decimal(row["total"] or ZERO),  # type: ignore[arg-type]
        fund=Decimal(row["fund"] or ZERO),  # type: ignore[arg-type]
        inpatient=int(row["inpatient"]),  # type: ignore[call-overload]
        direct_inpatient=int(row["direct_inpatient"]),  # type: ignore[call-overload]
    )


def build_report(
    queryset: QuerySet[Settlement],
    *,
    year: int,
    insured_province: str = "",
    treatment_province: str = "",
) -> Report:
    """The year's figures by month and pair, and each pair's prepayment quota
    for the year from last year's fourth quarter (three queries)."""
    # A reversed (冲正) settlement moved no money.
    scoped = _with_pair(queryset.filter(reversed_at__isnull=True))
    if insured_province:
        scoped = scoped.filter(insured_province=insured_province)
    if treatment_province:
        scoped = scoped.filter(treatment_province=treatment_province)
    inpatient = Q(care_type=CareType.INPATIENT)
    rows = (
        scoped.filter(
            discharge_date__gte=dt.date(year, 1, 1), discharge_date__lt=dt.date(year + 1, 1, 1)
        )
        .annotate(month=ExtractMonth("discharge_date"))
        .values("month", "insured_province", "treatment_province")
        .annotate(
            cases=Count("pk"),
            total=Sum("total"),
            fund=Sum("fund"),
            inpatient=Count("pk", filter=inpatient),
            direct_inpatient=Count("pk", filter=inpatient & Q(direct=True)),
        )
        .order_by("month", "insured_province", "treatment_province")
    )
    q4_by_pair: dict[Pair, Decimal] = {
        (insured, treated): fund or ZERO
        for insured, treated, fund in scoped.filter(
            discharge_date__gte=dt.date(year - 1, 10, 1), discharge_date__lt=dt.date(year, 1, 1)
        )
        .values("insured_province", "treatment_province")
        .annotate(fund=Sum("fund"))
        .values_list("insured_province", "treatment_province", "fund")
        .order_by()
    }

    months: dict[int, MonthRow] = {}
    by_pair: dict[Pair, PairRow] = {}
    totals = Figures()
    for row in rows:
        figures = _figures(row)
        pair: Pair = (str(row["insured_province"]), str(row["treatment_province"]))
        month = months.setdefault(int(row["month"]), MonthRow(int(row["month"]), Figures()))
        month.figures.add(figures)
        month.pairs.append(PairRow(*pair, figures))
        by_pair.setdefault(pair, PairRow(*pair, Figures())).figures.add(figures)
        totals.add(figures)
    for pair, fund in q4_by_pair.items():
        by_pair.setdefault(pair, PairRow(*pair, Figures())).q4_fund = fund
    codes = {code for pair in by_pair for code in pair}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for pair_row in [*by_pair.values(), *(p for m in months.values() for p in m.pairs)]:
        pair_row.insured_name = names.get(pair_row.insured, pair_row.insured)
        pair_row.treatment_name = names.get(pair_row.treatment, pair_row.treatment)
    return Report(
        year=year,
        months=[months[m] for m in sorted(months)],
        pairs=[by_pair[p] for p in sorted(by_pair)],
        totals=totals,
        names=names,
    )


def monthly_rates(report: Report) -> list[tuple[int, Figures]]:
    """All twelve months (empty ones too) for the chart."""
    found = {row.month: row.figures for row in report.months}
    return [(month, found.get(month, Figures())) for month in range(1, 13)]


def years_with_data(queryset: QuerySet[Settlement]) -> list[int]:
    return sorted(
        {day.year for day in queryset.dates("discharge_date", "year")},
        reverse=True,
    )


MONTH_HEADER = [
    "月份",
    "参保省份",
    "就医省份",
    "结算人次",
    "医疗费用总额",
    "基金支付",
    "住院人次",
    "住院直接结算人次",
    "住院直接结算率(%)",
]
YEAR_HEADER = [
    "年度",
    "参保省份",
    "就医省份",
    "结算人次",
    "医疗费用总额",
    "基金支付",
    "上年四季度基金支付",
    "年度预付额度",
]


def csv_rows(report: Report) -> list[list[str]]:
    """The report as rows for a CSV file: one per month and pair, then the
    pairs' yearly figures with the prepayment quota."""
    rows = [MONTH_HEADER]
    for month in report.months:
        for pair in month.pairs:
            f = pair.figures
            rows.append(
                [
                    f"{report.year}-{month.month:02d}",
                    pair.insured_name,
                    pair.treatment_name,
                    str(f.cases),
                    f"{f.total:.2f}",
                    f"{f.fund:.2f}",
                    str(f.inpatient),
                    str(f.direct_inpatient),
                    "" if f.direct_rate is None else str(f.direct_rate),
                ]
            )
    rows.append([])
    rows.append(YEAR_HEADER)
    for pair in report.pairs:
        f = pair.figures
        rows.append(
            [
                str(report.year),
                pair.insured_name,
                pair.treatment_name,
                str(f.cases),
                f"{f.total:.2f}",
                f"{f.fund:.2f}",
                f"{pair.q4_fund:.2f}",
                f"{pair.quota:.2f}",
            ]
        )
    return rows
