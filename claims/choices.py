"""The vocabulary of settlement, shared by the policy models, the engine and
other apps (filings maps its categories onto FilingSituation). Plain enums:
importing this module touches no database."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CareType(models.TextChoices):
    INPATIENT = "inpatient", _("住院")
    GENERAL_OUTPATIENT = "outpatient", _("普通门诊")
    CHRONIC_OUTPATIENT = "chronic", _("门诊慢特病")


class FacilityLevel(models.TextChoices):
    """Hospital grade (医院等级). Ratios may differ by level to steer patients
    (domain.md, Money rules; 医保发〔2022〕22号 二(六))."""

    LEVEL_1 = "1", _("一级")
    LEVEL_2 = "2", _("二级")
    LEVEL_3 = "3", _("三级")


class FilingSituation(models.TextChoices):
    """How the person stands for this treatment, as far as money goes.

    Long-term filers (异地安置退休、异地长期居住、常驻异地工作) get the insured
    place's local terms; temporary filers may get ratios cut by at most 10
    (referral, emergency) or 20 (other) percentage points; no filing means no
    direct settlement (医保发〔2022〕22号 二(五)(六))."""

    LONG_TERM = "long_term", _("长期备案（异地安置退休、异地长期居住、常驻异地工作）")
    REFERRAL = "referral", _("转诊备案（参保地医院开具转诊）")
    EMERGENCY = "emergency", _("急诊抢救")
    OTHER_TEMPORARY = "other_temporary", _("其他临时外出就医")
    NONE = "none", _("没有备案")


class CatalogueClass(models.TextChoices):
    """Item class under the treatment place's catalogue (就医地目录)."""

    A = "A", _("甲类")
    B = "B", _("乙类")
    C = "C", _("丙类（目录外，自费）")


class ReimbursementReason(models.TextChoices):
    """Why the person paid in full (domain.md: no filing; a chronic disease
    outside the five nationally direct-settled ones; a failure at discharge)."""

    NO_FILING = "no_filing", _("看病时没有备案，或备案的城市不是看病的城市")
    CHRONIC_NOT_LISTED = "chronic", _("门诊慢特病不在可以跨省直接结算的五种病里")
    SYSTEM_FAILURE = "system_failure", _("出院结算时系统出了故障，没能直接结算")
    OTHER = "other", _("其他原因（请在补充说明里写清楚）")
