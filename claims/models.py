from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from claims.choices import CareType, FacilityLevel, FilingSituation
from claims.engine import MAX_REDUCTION, Band, PolicyTerms
from portal.models import InsuranceRegion, MemberStatus, Scheme


class DateRange(Func):
    """PostgreSQL daterange(lower, upper, bounds)."""

    function = "DATERANGE"
    output_field = DateRangeField()


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
