"""Who may see or act for whom: grants between relatives, and guardians of
children under 16. The decisions themselves are in family/access.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.idnumbers import birth_date, mask_id_number

if TYPE_CHECKING:
    from portal.models import User

GUARDIAN_AGE_LIMIT = 16


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    OTHER = "other", _("其他")


class Scope(models.TextChoices):
    VIEW = "view", _("查看我的备案和结算记录")
    ACT = "act", _("查看，并代我办理和变更备案")


class GrantStatus(models.TextChoices):
    PENDING = "pending", _("待对方接受")
    ACTIVE = "active", _("有效")
    REVOKED = "revoked", _("已撤销")


def _upload_to(instance: object, filename: str) -> str:
    return f"family/{uuid.uuid4().hex}"


@pghistory.track(
    model_name="GrantAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Grant(models.Model):
    """A person (grantor) lets a relative (grantee) see, or also act on,
    their records until an end date. Online grants take effect when the
    relative accepts; counter grants, from a signed paper, at once."""

    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants_given",
    )
    grantor_id_number = models.CharField(_("授权人身份证号码"), max_length=18, db_index=True)
    grantor_name = models.CharField(_("授权人姓名"), max_length=50)
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被授权亲属"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants_received",
    )
    grantee_id_number = models.CharField(_("被授权人身份证号码"), max_length=18, db_index=True)
    grantee_name = models.CharField(_("被授权人姓名"), max_length=50)
    relationship = models.CharField(_("关系"), max_length=10, choices=Relationship.choices)
    scope = models.CharField(_("授权范围"), max_length=10, choices=Scope.choices)
    valid_until = models.DateField(_("授权截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.PENDING
    )
    at_counter = models.BooleanField(_("窗口办理"), default=False)
    paper = models.FileField(_("签字授权书"), upload_to=_upload_to, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("亲属授权")
        verbose_name_plural = _("亲属授权")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(grantor_id_number=F("grantee_id_number")),
                name="grant_not_to_oneself",
            ),
            models.CheckConstraint(
                condition=~Q(status=GrantStatus.REVOKED) | Q(revoked_at__isnull=False),
                name="grant_revoked_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(at_counter=True) | ~Q(paper=""),
                name="grant_counter_has_paper",
            ),
            # One live grant per pair: a new one replaces the old by revoking it first.
            models.UniqueConstraint(
                fields=["grantor_id_number", "grantee_id_number"],
                condition=Q(status__in=[GrantStatus.PENDING, GrantStatus.ACTIVE]),
                name="grant_one_live_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_name} → {self.grantee_name}"

    def is_in_force(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == GrantStatus.ACTIVE and today <= self.valid_until

    def state(self, today: dt.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status != GrantStatus.REVOKED and today > self.valid_until:
            return "expired"
        return str(self.status)

    STATE_LABELS = {
        "pending": _("待对方接受"),
        "active": _("有效"),
        "revoked": _("已撤销"),
        "expired": _("已过期"),
    }

    def state_label(self) -> str:
        return str(self.STATE_LABELS[self.state()])

    @property
    def masked_grantor_id(self) -> str:
        return mask_id_number(self.grantor_id_number)

    @property
    def masked_grantee_id(self) -> str:
        return mask_id_number(self.grantee_id_number)

    if TYPE_CHECKING:
        grantor_id: int | None
        grantee_id: int | None


@pghistory.track(
    model_name="GuardianshipAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Guardianship(models.Model):
    """A parent or guardian of a child under 16 acts for the child without
    a grant; staff confirm the relationship once (from the household
    register); access ends on the child's 16th birthday, which the ID number
    gives."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监护人"),
        on_delete=models.PROTECT,
        related_name="guardianships",
    )
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("未成年子女"),
        on_delete=models.PROTECT,
        related_name="guardians",
    )
    household_register = models.FileField(_("户口簿"), upload_to=_upload_to, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("未成年人监护关系")
        verbose_name_plural = _("未成年人监护关系")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "child"], name="guardianship_once"),
            models.CheckConstraint(
                condition=~Q(guardian=F("child")), name="guardianship_not_oneself"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="guardianship_confirmed_by_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} → {self.child_id}"

    def ends_on(self) -> dt.date:
        """The day before the child's 16th birthday is the last day."""
        born = birth_date(self.child.id_number)
        try:
            sixteenth = born.replace(year=born.year + GUARDIAN_AGE_LIMIT)
        except ValueError:  # born on 29 February
            sixteenth = dt.date(born.year + GUARDIAN_AGE_LIMIT, 3, 1)
        return sixteenth - dt.timedelta(days=1)

    def is_in_force(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.confirmed_at is not None and today <= self.ends_on()

    if TYPE_CHECKING:
        guardian_id: int
        child_id: int


def link_grants(user: User) -> int:
    """Counter grants name people by ID number; attach them to the account
    once that person registers."""
    linked = Grant.objects.filter(grantor__isnull=True, grantor_id_number=user.id_number).update(
        grantor=user
    )
    linked += Grant.objects.filter(grantee__isnull=True, grantee_id_number=user.id_number).update(
        grantee=user
    )
    return linked
