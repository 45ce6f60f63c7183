"""The settlement engine: what the fund pays and what the person pays for one
bill, under the rule 就医地目录、参保地政策 (domain.md, "The one-line rule";
医保发〔2022〕22号 二(一)):

- the treatment place's catalogue has already classed each bill line as 甲
  (fully in scope), 乙 (in scope after a first self-paid share) or 丙 (out of
  the catalogue, paid by the person);
- the insured place's policy sets the deductible (起付线), the payment ratios
  (支付比例, in cost bands and by facility level) and the annual cap (最高支付限额).

Pure: plain values in, plain values out, no ORM. Money is Decimal yuan; every
amount the engine produces is rounded half up to the fen (0.01), and the parts
of a settlement add up to its total exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from claims.choices import CareType, CatalogueClass, FacilityLevel, FilingSituation

__all__ = [
    "MAX_REDUCTION",
    "Band",
    "BandShare",
    "BillLine",
    "CareType",
    "CatalogueClass",
    "FacilityLevel",
    "FilingSituation",
    "PolicyTerms",
    "Settlement",
    "YearToDate",
    "settle",
    "to_fen",
]

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Temporary filers may be paid at lower ratios than at a same-level facility at
# home, by at most 10 percentage points for referral and emergency and at most
# 20 for other temporary filers (医保发〔2022〕22号 二(六); domain.md, Money rules).
MAX_REDUCTION: Mapping[FilingSituation, Decimal] = {
    FilingSituation.REFERRAL: Decimal(10),
    FilingSituation.EMERGENCY: Decimal(10),
    FilingSituation.OTHER_TEMPORARY: Decimal(20),
}


def to_fen(amount: Decimal) -> Decimal:
    """Round half up to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _is_fen(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(FEN)


def _money(name: str, amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not _is_fen(amount) or amount < 0:
        raise ValueError(f"{name} must be a non-negative Decimal in fen, not {amount!r}")


def _percent(name: str, value: Decimal, maximum: Decimal = HUNDRED) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be a Decimal from 0 to {maximum}, not {value!r}")


@dataclass(frozen=True, slots=True)
class Band:
    """Payment ratios (percent, by facility level) for the part of a bill's
    in-scope cost from the previous band's limit up to `up_to` yuan;
    `up_to=None` is the top band, without limit."""

    up_to: Decimal | None
    ratios: Mapping[FacilityLevel, Decimal]


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    """The insured place's terms for one scheme, member status and care type.

    `deductible` is per admission for inpatient care (with
    `later_admission_deductible` for the second and later admissions of the
    year, where the region has one) and per year for outpatient care.
    Reductions are percentage points off every band's ratio for temporary
    filers; long-term filers get the local terms (医保发〔2022〕22号 二(五))."""

    care_type: CareType
    deductible: Decimal
    annual_cap: Decimal
    bands: tuple[Band, ...]
    later_admission_deductible: Decimal | None = None
    referral_reduction: Decimal = ZERO
    emergency_reduction: Decimal = ZERO
    other_temporary_reduction: Decimal = ZERO

    def __post_init__(self) -> None:
        _money("deductible", self.deductible)
        _money("annual_cap", self.annual_cap)
        if self.later_admission_deductible is not None:
            _money("later_admission_deductible", self.later_admission_deductible)
            if self.care_type != CareType.INPATIENT:
                raise ValueError("only inpatient care has a deductible per admission")
        for situation, limit in MAX_REDUCTION.items():
            _percent(f"{situation.name.lower()} reduction", self.reduction_for(situation), limit)
        if not self.bands:
            raise ValueError("a policy needs at least one cost band")
        limits = [band.up_to for band in self.bands]
        if limits[-1] is not None or None in limits[:-1]:
            raise ValueError("the last band, and only the last, has no upper limit")
        finite = [limit for limit in limits if limit is not None]
        for limit in finite:
            _money("band limit", limit)
        if any(a >= b for a, b in pairwise(finite)) or (finite and finite[0] <= 0):
            raise ValueError("band limits must be positive and increasing")
        for band in self.bands:
            for level in FacilityLevel:
                if level not in band.ratios:
                    raise ValueError(f"band up to {band.up_to} has no ratio for level {level}")
                _percent("ratio", band.ratios[level])

    def reduction_for(self, situation: FilingSituation) -> Decimal:
        return {
            FilingSituation.REFERRAL: self.referral_reduction,
            FilingSituation.EMERGENCY: self.emergency_reduction,
            FilingSituation.OTHER_TEMPORARY: self.other_temporary_reduction,
        }.get(situation, ZERO)

    def deductible_due(self, year: YearToDate) -> Decimal:
        """What is left of the deductible for this bill, before looking at the bill."""
        if self.care_type == CareType.INPATIENT:
            if year.admissions > 0 and self.later_admission_deductible is not None:
                return self.later_admission_deductible
            return self.deductible
        # Outpatient deductibles are annual: what was met earlier this year counts.
        return max(ZERO, self.deductible - year.deductible_met)


@dataclass(frozen=True, slots=True)
class YearToDate:
    """What the person has used this calendar year under the same cap:
    outpatient deductible already met, fund payments so far, and inpatient
    admissions already settled."""

    deductible_met: Decimal = ZERO
    fund_paid: Decimal = ZERO
    admissions: int = 0

    def __post_init__(self) -> None:
        _money("deductible_met", self.deductible_met)
        _money("fund_paid", self.fund_paid)
        if not isinstance(self.admissions, int) or self.admissions < 0:
            raise ValueError("admissions must be a non-negative int")


@dataclass(frozen=True, slots=True)
class BillLine:
    """One line of the bill as classed by the treatment place's catalogue.
    `first_self_pay_share` (percent) applies to class 乙 only."""

    amount: Decimal
    catalogue_class: CatalogueClass
    first_self_pay_share: Decimal = ZERO

    def __post_init__(self) -> None:
        _money("amount", self.amount)
        _percent("first_self_pay_share", self.first_self_pay_share)
        if self.catalogue_class != CatalogueClass.B and self.first_self_pay_share:
            raise ValueError("only class 乙 items have a first self-paid share")

    @property
    def first_self_pay(self) -> Decimal:
        if self.catalogue_class != CatalogueClass.B:
            return ZERO
        return to_fen(self.amount * self.first_self_pay_share / HUNDRED)


@dataclass(frozen=True, slots=True)
class BandShare:
    """How one cost band was paid: `amount` of in-scope cost above the
    deductible fell in [lower, upper); the fund share at `ratio` (after any
    reduction), before the annual cap; the rest is the person's co-payment."""

    lower: Decimal
    upper: Decimal | None
    ratio: Decimal
    amount: Decimal
    fund: Decimal

    @property
    def co_payment(self) -> Decimal:
        return self.amount - self.fund


@dataclass(frozen=True, slots=True)
class Settlement:
    """The breakdown of one bill. For a direct settlement

        total = out_of_catalogue + first_self_pay + deductible
                + co_payment + over_cap + fund

    and the person pays everything but the fund share. Without a filing there
    is no direct settlement: the person pays the whole bill at the facility
    (`paid_in_full`) and claims manual reimbursement (手工报销) at home."""

    situation: FilingSituation
    total: Decimal
    out_of_catalogue: Decimal = ZERO
    first_self_pay: Decimal = ZERO
    deductible: Decimal = ZERO
    bands: tuple[BandShare, ...] = ()
    over_cap: Decimal = ZERO
    fund: Decimal = ZERO
    paid_in_full: Decimal = ZERO

    @property
    def direct(self) -> bool:
        return self.situation != FilingSituation.NONE

    @property
    def needs_manual_reimbursement(self) -> bool:
        return not self.direct

    @property
    def in_scope(self) -> Decimal:
        """政策范围内费用: what the catalogue covers, after 乙 items' first share."""
        return self.total - self.out_of_catalogue - self.first_self_pay - self.paid_in_full

    @property
    def co_payment(self) -> Decimal:
        return _sum(band.co_payment for band in self.bands)

    @property
    def personal(self) -> Decimal:
        return self.total - self.fund

    @property
    def parts(self) -> dict[str, Decimal]:
        """The parts that add up to the total, by name."""
        return {
            "out_of_catalogue": self.out_of_catalogue,
            "first_self_pay": self.first_self_pay,
            "deductible": self.deductible,
            "co_payment": self.co_payment,
            "over_cap": self.over_cap,
            "fund": self.fund,
            "paid_in_full": self.paid_in_full,
        }


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def settle(
    *,
    policy: PolicyTerms,
    situation: FilingSituation,
    level: FacilityLevel,
    lines: Sequence[BillLine],
    year: YearToDate | None = None,
) -> Settlement:
    """Settle one bill (one admission, or one outpatient visit) under `policy`."""
    year = year or YearToDate()
    total = _sum(line.amount for line in lines)
    if situation == FilingSituation.NONE:
        # No filing, no direct settlement: pay in full, then 手工报销 at the
        # insured place (domain.md, Validity and changes: 补办 and 手工报销).
        return Settlement(situation=situation, total=to_fen(total), paid_in_full=to_fen(total))

    # 就医地目录: 丙 items are outside the catalogue; 乙 items first carry a
    # self-paid share; what remains is the in-scope cost (政策范围内费用).
    out_of_catalogue = _sum(
        line.amount for line in lines if line.catalogue_class == CatalogueClass.C
    )
    first_self_pay = _sum(line.first_self_pay for line in lines)
    in_scope = total - out_of_catalogue - first_self_pay

    # 参保地政策: the deductible is taken from the bottom of the in-scope cost,
    # the bands pay the rest at their ratio for this facility level, less the
    # reduction for temporary filers (long-term filers: none, 二(五)).
    deductible = min(policy.deductible_due(year), in_scope)
    reduction = policy.reduction_for(situation)
    shares = []
    lower = ZERO
    for band in policy.bands:
        start = max(lower, deductible)
        end = in_scope if band.up_to is None else min(band.up_to, in_scope)
        amount = max(ZERO, end - start)
        ratio = max(ZERO, band.ratios[level] - reduction)
        shares.append(
            BandShare(
                lower=lower,
                upper=band.up_to,
                ratio=ratio,
                amount=to_fen(amount),
                fund=to_fen(amount * ratio / HUNDRED),
            )
        )
        lower = band.up_to if band.up_to is not None else lower

    # 最高支付限额: the fund pays at most what is left of the annual cap.
    fund_due = _sum(share.fund for share in shares)
    cap_left = max(ZERO, policy.annual_cap - year.fund_paid)
    fund = min(fund_due, cap_left)
    return Settlement(
        situation=situation,
        total=to_fen(total),
        out_of_catalogue=to_fen(out_of_catalogue),
        first_self_pay=to_fen(first_self_pay),
        deductible=to_fen(deductible),
        bands=tuple(shares),
        over_cap=to_fen(fund_due - fund),
        fund=to_fen(fund),
        paid_in_full=ZERO,
    )
