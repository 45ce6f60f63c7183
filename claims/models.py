from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.banking import mask_bank_account, validate_bank_account
from claims.choices import (
    CareType,
    CatalogueClass,
    FacilityLevel,
    FilingSituation,
    ReimbursementReason,
)
from claims.engine import MAX_REDUCTION, Band, BillLine, PolicyTerms
from family.records import PersonRecord, PersonRecordQuerySet
from portal.idnumbers import ID_NUMBER_SHAPE
from portal.models import InsuranceRegion, MemberStatus, Region, Scheme
from portal.ranges import DateRange


class PolicyQuerySet(models.QuerySet["Policy"]):
    def in_force(self, on: dt.date) -> PolicyQuerySet:
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on), valid_from__lte=on)

    def for_member(
        self,
        *,
        insured_region: InsuranceRegion | str,
        scheme: str,
        member_status: str,
        care_type: str,
    ) -> PolicyQuerySet:
        """The policies for one kind of member: residents have no member status."""
        return self.filter(
            insured_region=insured_region,
            scheme=scheme,
            member_status=member_status if scheme == Scheme.EMPLOYEE else "",
            care_type=care_type,
        )


@pghistory.track(
    model_name="PolicyAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Policy(models.Model):
    """The insured place's money terms (参保地政策: 起付线、支付比例、最高支付
    限额) for one scheme, member status and care type, valid over a period.
    A new version gets a new row; versions of the same key never overlap."""

    insured_region = models.ForeignKey(
        InsuranceRegion,
        verbose_name=_("参保地"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    scheme = models.CharField(_("险种"), max_length=10, choices=Scheme.choices)
    member_status = models.CharField(
        _("人员类别"),
        max_length=10,
        choices=MemberStatus.choices,
        blank=True,
        help_text=_("职工医保选在职或退休；居民医保不选。"),
    )
    care_type = models.CharField(_("待遇类型"), max_length=10, choices=CareType.choices)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(
        _("截止日期"), null=True, blank=True, help_text=_("含当天；不填表示长期有效。")
    )
    deductible = models.DecimalField(
        _("起付线（元）"),
        max_digits=12,
        decimal_places=2,
        help_text=_("住院为每次住院的起付线；门诊为一年的起付线。"),
    )
    later_admission_deductible = models.DecimalField(
        _("年内再次住院起付线（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("同一年第二次及以后住院的起付线；没有这项规定的不填。只用于住院。"),
    )
    annual_cap = models.DecimalField(_("年度最高支付限额（元）"), max_digits=12, decimal_places=2)
    referral_reduction = models.DecimalField(
        _("转诊人员比例降低（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("最多 10 个百分点。"),
    )
    emergency_reduction = models.DecimalField(
        _("急诊抢救人员比例降低（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("最多 10 个百分点。"),
    )
    other_temporary_reduction = models.DecimalField(
        _("其他临时外出就医人员比例降低（百分点）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("最多 20 个百分点。"),
    )
    note = models.CharField(_("依据与说明"), max_length=200, blank=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("待遇政策")
        verbose_name_plural = _("待遇政策")
        ordering = ["insured_region_id", "scheme", "member_status", "care_type", "-valid_from"]
        constraints = [
            # Versions of one policy never overlap in time.
            ExclusionConstraint(
                name="policy_versions_do_not_overlap",
                expressions=[
                    (F("insured_region"), RangeOperators.EQUAL),
                    (F("scheme"), RangeOperators.EQUAL),
                    (F("member_status"), RangeOperators.EQUAL),
                    (F("care_type"), RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_until", Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message=_(
                    "同一参保地、险种、人员类别和待遇类型的政策，有效期不能重叠。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="policy_valid_until_after_valid_from",
                violation_error_message=_("截止日期不能早于生效日期。"),
            ),
            # 在职/退休 applies to the employee scheme only (as on User).
            models.CheckConstraint(
                condition=(Q(scheme=Scheme.EMPLOYEE) & ~Q(member_status=""))
                | (~Q(scheme=Scheme.EMPLOYEE) & Q(member_status="")),
                name="policy_member_status_only_for_employees",
                violation_error_message=_("职工医保须选在职或退休；居民医保不选人员类别。"),
            ),
            models.CheckConstraint(
                condition=Q(deductible__gte=0) & Q(annual_cap__gt=0),
                name="policy_money_positive",
                violation_error_message=_("起付线不能为负数，年度最高支付限额必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(later_admission_deductible__isnull=True)
                | (
                    Q(care_type=CareType.INPATIENT)
                    & Q(later_admission_deductible__gte=0)
                    & Q(later_admission_deductible__lte=F("deductible"))
                ),
                name="policy_later_admission_deductible_inpatient_and_lower",
                violation_error_message=_(
                    "年内再次住院起付线只用于住院，且不能高于首次住院起付线。"
                ),
            ),
            # 医保发〔2022〕22号 二(六): referral and emergency at most 10
            # percentage points lower, other temporary at most 20.
            models.CheckConstraint(
                condition=Q(referral_reduction__gte=0)
                & Q(referral_reduction__lte=MAX_REDUCTION[FilingSituation.REFERRAL]),
                name="policy_referral_reduction_at_most_10_points",
                violation_error_message=_("转诊人员的支付比例最多降低 10 个百分点。"),
            ),
            models.CheckConstraint(
                condition=Q(emergency_reduction__gte=0)
                & Q(emergency_reduction__lte=MAX_REDUCTION[FilingSituation.EMERGENCY]),
                name="policy_emergency_reduction_at_most_10_points",
                violation_error_message=_("急诊抢救人员的支付比例最多降低 10 个百分点。"),
            ),
            models.CheckConstraint(
                condition=Q(other_temporary_reduction__gte=0)
                & Q(other_temporary_reduction__lte=MAX_REDUCTION[FilingSituation.OTHER_TEMPORARY]),
                name="policy_other_temporary_reduction_at_most_20_points",
                violation_error_message=_("其他临时外出就医人员的支付比例最多降低 20 个百分点。"),
            ),
        ]

    def __str__(self) -> str:
        kind = self.get_scheme_display()
        if self.member_status:
            kind = f"{kind}（{self.get_member_status_display()}）"
        return f"{self.insured_region} {kind} {self.get_care_type_display()} {self.valid_from}"

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def terms(self) -> PolicyTerms:
        """The engine's plain view of this policy (reads the bands: prefetch
        them for lists). Raises ValueError if the bands are incomplete."""
        bands = sorted(self.bands.all(), key=PolicyBand.sort_key)
        return PolicyTerms(
            care_type=CareType(self.care_type),
            deductible=self.deductible,
            later_admission_deductible=self.later_admission_deductible,
            annual_cap=self.annual_cap,
            bands=tuple(band.as_band() for band in bands),
            referral_reduction=self.referral_reduction,
            emergency_reduction=self.emergency_reduction,
            other_temporary_reduction=self.other_temporary_reduction,
        )


@pghistory.track(
    model_name="PolicyBandAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class PolicyBand(models.Model):
    """One cost band of a policy: the ratios paid on the in-scope cost from
    the band below's limit up to `up_to` (the top band has none)."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("待遇政策"), on_delete=models.CASCADE, related_name="bands"
    )
    up_to = models.DecimalField(
        _("费用段上限（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("政策范围内费用从上一段的上限算到这个金额；最高一段不填。"),
    )
    ratio_level_1 = models.DecimalField(_("一级医院支付比例（%）"), max_digits=5, decimal_places=2)
    ratio_level_2 = models.DecimalField(_("二级医院支付比例（%）"), max_digits=5, decimal_places=2)
    ratio_level_3 = models.DecimalField(_("三级医院支付比例（%）"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("费用段")
        verbose_name_plural = _("费用段与支付比例")
        ordering = ["policy_id", F("up_to").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(up_to__isnull=True) | Q(up_to__gt=0),
                name="policyband_up_to_positive",
                violation_error_message=_("费用段上限必须大于 0。"),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"policyband_{field}_is_a_percentage",
                    violation_error_message=_("支付比例必须在 0 到 100 之间。"),
                )
                for field in ("ratio_level_1", "ratio_level_2", "ratio_level_3")
            ),
            models.UniqueConstraint(
                fields=["policy", "up_to"],
                name="policyband_one_band_per_limit",
                violation_error_message=_("同一政策的两个费用段不能有相同的上限。"),
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(up_to__isnull=True),
                name="policyband_one_top_band",
                violation_error_message=_("每项政策只能有一个不设上限的最高费用段。"),
            ),
        ]

    def __str__(self) -> str:
        return f"≤ {self.up_to}" if self.up_to is not None else "∞"

    @staticmethod
    def sort_key(band: PolicyBand) -> tuple[bool, Decimal]:
        return (band.up_to is None, band.up_to or Decimal(0))

    def ratio_for(self, level: FacilityLevel) -> Decimal:
        return {
            FacilityLevel.LEVEL_1: self.ratio_level_1,
            FacilityLevel.LEVEL_2: self.ratio_level_2,
            FacilityLevel.LEVEL_3: self.ratio_level_3,
        }[level]

    def as_band(self) -> Band:
        return Band(
            up_to=self.up_to, ratios={level: self.ratio_for(level) for level in FacilityLevel}
        )


# --- settlement records (我的结算) --------------------------------------------

# 大额协查: for costs of 30,000 yuan or more per case the treatment place's
# agency assists the insured place's investigation (domain.md, Money rules).
LARGE_CASE_THRESHOLD = Decimal(30000)
MONEY_FIELDS = (
    "total",
    "out_of_catalogue",
    "first_self_pay",
    "deductible",
    "co_payment",
    "over_cap",
    "fund",
    "personal",
)


def money_field(label: Any) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=Decimal("0.00"))


class SettlementQuerySet(PersonRecordQuerySet["Settlement"]):
    def for_staff(self, user: Any) -> SettlementQuerySet:
        """What an agency account may see: cases of people insured in its
        pooling regions, and cases treated in its treatment regions (the
        treatment place's agency manages and audits the care, 就医地管理,
        and assists with large cases, 大额协查)."""
        regions = user.insured_regions_served()
        if regions is None:
            return self
        if not user.is_staff:
            return self.none()
        return self.filter(
            Q(insured_region__in=regions) | Q(treatment_city__in=user.staff_treatment_regions.all())
        )

    def in_year(self, year: int) -> SettlementQuerySet:
        return self.filter(
            discharge_date__gte=dt.date(year, 1, 1), discharge_date__lt=dt.date(year + 1, 1, 1)
        )

    def large_cases(self) -> SettlementQuerySet:
        return self.filter(total__gte=LARGE_CASE_THRESHOLD)

    def standing(self) -> SettlementQuerySet:
        """Not reversed (冲正): what counts toward the year and the reports."""
        return self.filter(reversed_at__isnull=True)


@pghistory.track(
    model_name="SettlementAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Settlement(PersonRecord):
    """One cross-province settlement record (跨省异地就医结算记录): a hospital
    stay or an outpatient visit, settled directly under a filing or paid in
    full by the person. The amounts are the engine's breakdown at the time."""

    number = models.CharField(_("结算流水号"), max_length=40, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参保人账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlements",
        help_text=_("参保人没有注册本平台时为空。"),
    )
    person_id_number = models.CharField(_("参保人身份证号码"), max_length=18, db_index=True)
    person_name = models.CharField(_("参保人姓名"), max_length=50)
    insured_region = models.ForeignKey(
        InsuranceRegion,
        verbose_name=_("参保地"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    treatment_city = models.ForeignKey(
        Region,
        verbose_name=_("就医地"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": ["prefecture", "county"]},
    )
    facility_name = models.CharField(_("医疗机构"), max_length=100)
    facility_level = models.CharField(_("医院等级"), max_length=1, choices=FacilityLevel.choices)
    care_type = models.CharField(_("看病方式"), max_length=10, choices=CareType.choices)
    situation = models.CharField(
        _("就医时的备案情况"), max_length=20, choices=FilingSituation.choices
    )
    admission_date = models.DateField(_("入院（就诊）日期"))
    discharge_date = models.DateField(_("出院（结算）日期"))
    direct = models.BooleanField(
        _("直接结算"), help_text=_("不勾选表示在医院全额自付，需回参保地手工报销。")
    )
    total = money_field(_("费用总额"))
    out_of_catalogue = money_field(_("目录外费用（丙类）"))
    first_self_pay = money_field(_("乙类先行自付"))
    deductible = money_field(_("起付线"))
    co_payment = money_field(_("按比例自付"))
    over_cap = money_field(_("超过年度最高支付限额"))
    fund = money_field(_("医保基金支付"))
    personal = money_field(_("个人支付"))
    breakdown = models.JSONField(_("计算明细"), default=dict, blank=True)
    # The bill as the hospital uploaded it, so that a stay paid in full can
    # be claimed from the same cost data (医保发〔2022〕22号 三(四)).
    bill_lines = models.JSONField(
        _("医院上传的费用明细"),
        default=list,
        blank=True,
        help_text=_("每行：目录类别、金额、乙类先行自付比例。"),
    )
    fallback_reason = models.CharField(
        _("没有直接结算的原因"),
        max_length=20,
        choices=ReimbursementReason.choices,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    reversed_at = models.DateTimeField(
        _("冲正时间"),
        null=True,
        blank=True,
        help_text=_("医院冲正后，这笔结算不再计入年度累计和资金报表。"),
    )

    objects = SettlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("跨省结算记录")
        verbose_name_plural = _("跨省结算记录")
        ordering = ["-discharge_date", "-pk"]
        indexes = [
            models.Index(fields=["person", "-discharge_date"], name="settlement_person_idx"),
            models.Index(
                fields=["insured_region", "discharge_date"], name="settlement_insured_idx"
            ),
            models.Index(
                fields=["treatment_city", "discharge_date"], name="settlement_treatment_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 0 for name in MONEY_FIELDS}) & Q(total__gt=0),
                name="settlement_amounts_not_negative",
                violation_error_message=_("金额不能是负数，费用总额必须大于 0。"),
            ),
            models.CheckConstraint(
                condition=Q(personal=F("total") - F("fund")),
                name="settlement_personal_is_total_less_fund",
                violation_error_message=_("个人支付应等于费用总额减去医保基金支付。"),
            ),
            # The parts of a direct settlement add up to the total exactly.
            models.CheckConstraint(
                condition=Q(direct=False)
                | Q(
                    total=F("out_of_catalogue")
                    + F("first_self_pay")
                    + F("deductible")
                    + F("co_payment")
                    + F("over_cap")
                    + F("fund")
                ),
                name="settlement_parts_add_up_to_total",
                violation_error_message=_("各部分金额之和应等于费用总额。"),
            ),
            # Paid in full: the fund paid nothing at the facility.
            models.CheckConstraint(
                condition=Q(direct=True)
                | Q(
                    fund=0,
                    out_of_catalogue=0,
                    first_self_pay=0,
                    deductible=0,
                    co_payment=0,
                    over_cap=0,
                ),
                name="settlement_paid_in_full_has_no_fund",
                violation_error_message=_("没有直接结算的，医保基金支付为 0，全部由个人先付。"),
            ),
            # No filing, no direct settlement (医保发〔2022〕22号).
            models.CheckConstraint(
                condition=Q(direct=False) | ~Q(situation=FilingSituation.NONE),
                name="settlement_direct_needs_a_filing",
                violation_error_message=_("没有备案不能直接结算。"),
            ),
            models.CheckConstraint(
                condition=Q(discharge_date__gte=F("admission_date")),
                name="settlement_discharge_after_admission",
                violation_error_message=_("出院日期不能早于入院日期。"),
            ),
            models.CheckConstraint(
                condition=Q(person_id_number__regex=ID_NUMBER_SHAPE),
                name="settlement_person_id_number_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def coverage_query(self) -> str:
        """ "Why was this stay not settled directly?" as the coverage page
        (/coverage/) reads the question: the admission day, the city, the care."""
        return urlencode(
            {
                "day": self.admission_date.isoformat(),
                "city": self.treatment_city_id,
                "care": self.care_type,
                "paid": "1",
                "settlement": self.pk,
            }
        )

    def bill_by_class(self) -> dict[str, tuple[Decimal, Decimal]]:
        """The uploaded bill summed by catalogue class: class → (amount,
        first self-paid share in %, weighted by amount for 乙类)."""
        amounts: dict[str, Decimal] = {}
        shared: dict[str, Decimal] = {}
        for line in self.bill_lines:
            amount = Decimal(line["amount"])
            kind = line["catalogue_class"]
            amounts[kind] = amounts.get(kind, Decimal(0)) + amount
            share = Decimal(line.get("first_self_pay_share") or 0)
            shared[kind] = shared.get(kind, Decimal(0)) + amount * share
        return {
            kind: (amount, (shared[kind] / amount).quantize(Decimal("0.01")))
            for kind, amount in amounts.items()
        }

    @property
    def needs_assisted_review(self) -> bool:
        """大额协查: 30,000 yuan or more for one case."""
        return self.total >= LARGE_CASE_THRESHOLD

    @property
    def paid_in_full(self) -> Decimal:
        return self.total if not self.direct else Decimal("0.00")

    @property
    def in_scope(self) -> Decimal:
        """政策范围内费用 of a direct settlement."""
        return self.total - self.out_of_catalogue - self.first_self_pay - self.paid_in_full

    @property
    def open_claim(self) -> Reimbursement | None:
        """The manual reimbursement claimed for this case, unless rejected
        (reads prefetched reimbursements when a list prefetches them)."""
        claims = sorted(self.reimbursements.all(), key=lambda r: r.submitted_at, reverse=True)
        return next((r for r in claims if r.status != ReimbursementStatus.REJECTED), None)

    if TYPE_CHECKING:
        person_id: int | None
        insured_region_id: str
        treatment_city_id: str


# --- manual reimbursement (手工报销) -----------------------------------------


class ReimbursementStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，等待审核")
    UNDER_REVIEW = "under_review", _("审核中")
    APPROVED = "approved", _("审核通过，等待支付")
    REJECTED = "rejected", _("不予报销")
    PAID = "paid", _("已支付")


# submitted → under review → approved → paid, or under review → rejected.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    ReimbursementStatus.SUBMITTED: frozenset({ReimbursementStatus.UNDER_REVIEW}),
    ReimbursementStatus.UNDER_REVIEW: frozenset(
        {ReimbursementStatus.APPROVED, ReimbursementStatus.REJECTED}
    ),
    ReimbursementStatus.APPROVED: frozenset({ReimbursementStatus.PAID}),
    ReimbursementStatus.REJECTED: frozenset(),
    ReimbursementStatus.PAID: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in NEXT_STATUSES.get(from_status, frozenset())


class ReimbursementQuerySet(PersonRecordQuerySet["Reimbursement"]):
    """Staff see applications of people insured in their regions (the insured
    place reimburses): PersonRecordQuerySet.for_staff."""


BANK_ACCOUNT_SHAPE = r"^\d{16,19}$"


@pghistory.track(
    model_name="ReimbursementAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Reimbursement(PersonRecord):
    """An application for manual reimbursement of a self-paid cross-province
    case, reviewed by the insured place's agency."""

    reference = models.CharField(_("申请编号"), max_length=30, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="reimbursements",
    )
    insured_region = models.ForeignKey(
        InsuranceRegion,
        verbose_name=_("参保地"),
        on_delete=models.PROTECT,
        related_name="reimbursements",
    )
    scheme = models.CharField(_("险种"), max_length=10, choices=Scheme.choices)
    member_status = models.CharField(
        _("人员类别"), max_length=10, choices=MemberStatus.choices, blank=True
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("对应的结算记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reimbursements",
    )
    treatment_city = models.ForeignKey(
        Region,
        verbose_name=_("就医地"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": ["prefecture", "county"]},
    )
    facility_name = models.CharField(_("医疗机构"), max_length=100)
    facility_level = models.CharField(_("医院等级"), max_length=1, choices=FacilityLevel.choices)
    care_type = models.CharField(_("看病方式"), max_length=10, choices=CareType.choices)
    admission_date = models.DateField(_("入院（就诊）日期"))
    discharge_date = models.DateField(_("出院（结算）日期"))
    reason = models.CharField(
        _("为什么没有直接结算"), max_length=20, choices=ReimbursementReason.choices
    )
    note = models.TextField(_("补充说明"), blank=True)
    situation = models.CharField(
        _("就医时的备案情况"),
        max_length=20,
        choices=FilingSituation.choices,
        help_text=_("提交时按备案记录自动判断；审核时可以更正。"),
    )
    bank_name = models.CharField(_("开户银行"), max_length=50)
    bank_account = models.CharField(
        _("银行卡号"), max_length=19, validators=[validate_bank_account]
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ReimbursementStatus.choices,
        default=ReimbursementStatus.SUBMITTED,
    )
    submission_token = models.UUIDField(_("提交令牌"), unique=True, editable=False)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    approved_amount = models.DecimalField(
        _("核定报销金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    breakdown = models.JSONField(_("核定明细"), default=dict, blank=True)
    rejection_reason = models.TextField(_("不予报销的原因"), blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)

    objects = ReimbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("手工报销申请")
        verbose_name_plural = _("手工报销申请")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(
                fields=["insured_region", "status", "-submitted_at"],
                name="reimbursement_queue_idx",
            ),
            models.Index(fields=["person", "-submitted_at"], name="reimbursement_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharge_date__gte=F("admission_date")),
                name="reimbursement_discharge_after_admission",
                violation_error_message=_("出院日期不能早于入院日期。"),
            ),
            models.CheckConstraint(
                condition=Q(bank_account__regex=BANK_ACCOUNT_SHAPE),
                name="reimbursement_bank_account_shape",
                violation_error_message=_("银行卡号应为 16 到 19 位数字。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReimbursementStatus.REJECTED) | ~Q(rejection_reason=""),
                name="reimbursement_rejection_has_reason",
                violation_error_message=_("不予报销须写明原因。"),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ReimbursementStatus.APPROVED, ReimbursementStatus.PAID])
                | Q(approved_amount__gte=0),
                name="reimbursement_approved_has_amount",
                violation_error_message=_("审核通过的申请须有核定金额。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReimbursementStatus.PAID) | Q(paid_at__isnull=False),
                name="reimbursement_paid_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(reason=ReimbursementReason.OTHER) | ~Q(note=""),
                name="reimbursement_other_reason_explained",
                violation_error_message=_("选择“其他原因”时请写补充说明。"),
            ),
            # One self-paid case is claimed once (a rejected claim may be made again).
            models.UniqueConstraint(
                fields=["settlement"],
                condition=Q(settlement__isnull=False) & ~Q(status=ReimbursementStatus.REJECTED),
                name="reimbursement_one_open_claim_per_settlement",
                violation_error_message=_("这次看病已经申请过手工报销。"),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_bank_account(self) -> str:
        return mask_bank_account(self.bank_account)

    def can_move_to(self, status: str) -> bool:
        return can_move(self.status, status)

    if TYPE_CHECKING:
        person_id: int
        insured_region_id: str
        treatment_city_id: str
        settlement_id: int | None


class ReimbursementLine(models.Model):
    """The bill by catalogue class (就医地目录), as the person entered it."""

    reimbursement = models.ForeignKey(Reimbursement, on_delete=models.CASCADE, related_name="lines")
    catalogue_class = models.CharField(_("目录类别"), max_length=1, choices=CatalogueClass.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    first_self_pay_share = models.DecimalField(
        _("乙类先行自付比例（%）"), max_digits=5, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("费用明细")
        verbose_name_plural = _("费用明细")
        ordering = ["reimbursement_id", "catalogue_class"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="reimbursementline_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(first_self_pay_share__gte=0, first_self_pay_share__lte=100)
                & (Q(catalogue_class=CatalogueClass.B) | Q(first_self_pay_share=0)),
                name="reimbursementline_share_only_for_class_b",
            ),
            models.UniqueConstraint(
                fields=["reimbursement", "catalogue_class"],
                name="reimbursementline_one_per_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_catalogue_class_display()} {self.amount}"

    def as_bill_line(self) -> BillLine:
        return BillLine(
            self.amount, CatalogueClass(self.catalogue_class), self.first_self_pay_share
        )


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("医疗收费票据（发票）")
    ITEMISED_BILL = "itemised_bill", _("费用明细清单")


def _document_path(instance: ReimbursementDocument, filename: str) -> str:
    # Under MEDIA_ROOT, outside the static root, with a name nobody can guess.
    return f"claims/reimbursements/{uuid.uuid4().hex}"


class ReimbursementDocument(models.Model):
    """An invoice or itemised bill. Uploaded with the form (kept by the form's
    token if the form has to be corrected), then attached to the application;
    served only to those who may see the application."""

    reimbursement = models.ForeignKey(
        Reimbursement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.UUIDField(_("表单令牌"), db_index=True)
    kind = models.CharField(_("材料类型"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=_document_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报销材料")
        verbose_name_plural = _("报销材料")
        ordering = ["kind", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="reimbursement_document_allowed_type",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ReimbursementEvent(models.Model):
    """One entry of an application's history: who changed its status, when and why."""

    reimbursement = models.ForeignKey(
        Reimbursement, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=ReimbursementStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=ReimbursementStatus.choices)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("报销申请记录")
        verbose_name_plural = _("报销申请记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.reimbursement_id} {self.to_status}"

    if TYPE_CHECKING:
        reimbursement_id: int


class SettlementReport(Settlement):
    """The agency money report in the admin (a proxy: it has its own entry
    and permission, and reads the settlement records)."""

    class Meta:
        proxy = True
        verbose_name = _("跨省就医资金报表")
        verbose_name_plural = _("跨省就医资金报表")
