"""Outpatient chronic and special diseases (门诊慢特病) and the qualifications
(资格认定) insured places grant for them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chronic import rules
from facilities.models import Facility, Service
from family.records import PersonRecord, PersonRecordQuerySet
from portal.models import InsuranceRegion
from portal.ranges import DateRange


class Scope(models.TextChoices):
    NATIONAL = rules.NATIONAL, _("全国跨省直接结算")
    REGIONAL = rules.REGIONAL, _("部分地区认定，不能跨省直接结算")


@pghistory.track(
    model_name="ChronicDiseaseAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class ChronicDisease(models.Model):
    """A disease an insured place may recognise for outpatient benefits.
    The five national ones (Scope.NATIONAL) are direct-settled across
    provinces; each names the facility service that settles it."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("病种名称"), max_length=50, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("其他叫法"),
        default=list,
        blank=True,
        help_text=_("人们常说的名称，用于识别输入的病名。"),
    )
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    facility_service = models.CharField(
        _("对应的联网服务"), max_length=12, choices=Service.choices, blank=True
    )
    summary = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("门诊慢特病病种")
        verbose_name_plural = _("门诊慢特病病种")
        ordering = ["sort_order", "name"]
        constraints = [
            # The five national diseases are settled at facilities networked
            # for them; a regional one is not settled across provinces at all.
            models.CheckConstraint(
                condition=(Q(scope=Scope.NATIONAL) & ~Q(facility_service=""))
                | (Q(scope=Scope.REGIONAL) & Q(facility_service="")),
                name="chronic_disease_service_iff_national",
            ),
            models.UniqueConstraint(
                fields=["facility_service"],
                condition=~Q(facility_service=""),
                name="chronic_disease_one_per_service",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the page's language: the shipped diseases
        (chronic/diseases.py) have English names in the catalogue; one staff
        added shows its Chinese name."""
        return gettext(self.name)

    @property
    def is_national(self) -> bool:
        return self.scope == Scope.NATIONAL

    def facts(self) -> rules.DiseaseFacts:
        return rules.DiseaseFacts(self.code, self.name, self.scope, tuple(self.aliases))


class QualificationQuerySet(PersonRecordQuerySet["Qualification"]):
    def current(self, on: dt.date | None = None) -> QualificationQuerySet:
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on), recognised_on__lte=on
        )


@pghistory.track(
    model_name="QualificationAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Qualification(PersonRecord):
    """资格认定: the insured place recognised the person for a disease, from a
    day (and until a day, or open-ended), possibly naming the facilities
    where the person will be treated."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参保人"),
        on_delete=models.CASCADE,
        related_name="chronic_qualifications",
    )
    disease = models.ForeignKey(
        ChronicDisease, verbose_name=_("病种"), on_delete=models.PROTECT, related_name="+"
    )
    insured_region = models.ForeignKey(
        InsuranceRegion,
        verbose_name=_("认定的参保地"),
        on_delete=models.PROTECT,
        related_name="chronic_qualifications",
    )
    recognised_on = models.DateField(_("认定日期"))
    valid_until = models.DateField(
        _("有效期至"), null=True, blank=True, help_text=_("不填表示长期有效。")
    )
    designated_facilities = models.ManyToManyField(
        Facility,
        verbose_name=_("选定的就医机构"),
        blank=True,
        related_name="+",
        help_text=_("参保地要求选定机构时填写；只能选开通了这个病种跨省结算的机构。"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("门诊慢特病资格认定")
        verbose_name_plural = _("门诊慢特病资格认定")
        ordering = ["-recognised_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("recognised_on")),
                name="qualification_valid_until_after_recognised",
            ),
            # One qualification at a time per person and disease.
            ExclusionConstraint(
                name="qualification_no_overlap_per_disease",
                expressions=[
                    ("person", RangeOperators.EQUAL),
                    ("disease", RangeOperators.EQUAL),
                    (
                        DateRange("recognised_on", "valid_until", models.Value("[]")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    if TYPE_CHECKING:
        person_id: int
        disease_id: int
        insured_region_id: str

    def __str__(self) -> str:
        return f"{self.disease} · {self.person}"

    def status(self, on: dt.date | None = None) -> str:
        return rules.qualification_status(
            self.recognised_on, self.valid_until, on or timezone.localdate()
        )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status()])

    def unsuitable_facilities(self, facilities: list[Facility]) -> list[Facility]:
        """Those of `facilities` not networked for this disease."""
        service = self.disease.facility_service
        return [f for f in facilities if not service or not f.offers(service)]


STATUS_LABELS = {
    "current": _("有效"),
    "upcoming": _("尚未生效"),
    "expired": _("已过期"),
}
