from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Left, Right
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from family.records import PersonRecord, PersonRecordQuerySet
from filings import coverage, rules
from portal.idnumbers import mask_id_number
from portal.models import InsuranceRegion, Region
from portal.ranges import DateRange

if TYPE_CHECKING:
    pass


class FilingCategory(models.TextChoices):
    RETIRED_RESETTLEMENT = rules.Category.RETIRED_RESETTLEMENT, _("异地安置退休人员")
    LONG_TERM_RESIDENCE = rules.Category.LONG_TERM_RESIDENCE, _("异地长期居住人员")
    POSTED_WORK = rules.Category.POSTED_WORK, _("常驻异地工作人员")
    REFERRAL = rules.Category.REFERRAL, _("异地转诊就医人员")
    EMERGENCY = rules.Category.EMERGENCY, _("异地急诊抢救人员")
    OTHER_TEMPORARY = rules.Category.OTHER_TEMPORARY, _("其他跨省临时外出就医人员")


class FilingGroup(models.TextChoices):
    LONG_TERM = rules.Group.LONG_TERM, _("跨省异地长期居住人员")
    TEMPORARY = rules.Group.TEMPORARY, _("跨省临时外出就医人员")


class Channel(models.TextChoices):
    QUICK = "quick", _("快速备案")
    SELF_SERVICE = "self_service", _("自助开通")
    LOCAL = "local", _("地方平台")


class FiledBy(models.TextChoices):
    SELF = "self", _("本人")
    RELATIVE = "relative", _("亲属代办")
    STAFF = "staff", _("经办机构")
    HOSPITAL = "hospital", _("转出医院")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("审核中")
    EFFECTIVE = "effective", _("已生效")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")
    REPLACED = "replaced", _("已变更")
    WITHDRAWN = "withdrawn", _("已撤回")


# In the enum's order, never a set's: migrations must come out the same on every run.
LONG_TERM_VALUES = [c.value for c in rules.Category if c in rules.LONG_TERM_CATEGORIES]
TEMPORARY_VALUES = [c.value for c in rules.Category if c not in rules.LONG_TERM_CATEGORIES]
CURRENT_STATUSES = [Status.SUBMITTED, Status.EFFECTIVE]


@pghistory.track(
    model_name="FilingSettingsAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class FilingSettings(models.Model):
    """An insured region's filing rules (per-region settings of 22号文)."""

    region = models.OneToOneField(
        InsuranceRegion,
        verbose_name=_("参保统筹地区"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="filing_settings",
    )
    temporary_validity_months = models.PositiveSmallIntegerField(
        _("临时备案有效期（月）"), default=rules.MIN_TEMPORARY_VALIDITY_MONTHS
    )
    change_lock_months = models.PositiveSmallIntegerField(
        _("长期备案变更、取消限制期（月）"), default=0
    )
    online_effective_at_once = models.BooleanField(
        _("线上备案即时生效"),
        default=True,
        help_text=_("不勾选时，线上备案需经办机构审核后生效。"),
    )
    retroactive_days = models.PositiveSmallIntegerField(
        _("急诊、其他临时备案可补办的天数"), default=90
    )
    online_channel = models.CharField(
        _("线上备案渠道"),
        max_length=20,
        choices=[
            (Channel.QUICK, Channel.QUICK.label),
            (Channel.SELF_SERVICE, Channel.SELF_SERVICE.label),
        ],
        default=Channel.QUICK,
    )

    class Meta:
        verbose_name = _("备案规则")
        verbose_name_plural = _("备案规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(temporary_validity_months__gte=rules.MIN_TEMPORARY_VALIDITY_MONTHS),
                name="filing_settings_temporary_at_least_6_months",
            ),
            models.CheckConstraint(
                condition=Q(change_lock_months__lte=rules.MAX_CHANGE_LOCK_MONTHS),
                name="filing_settings_lock_at_most_6_months",
            ),
            models.CheckConstraint(
                condition=Q(online_channel__in=[Channel.QUICK, Channel.SELF_SERVICE]),
                name="filing_settings_online_channel",
            ),
        ]

    def __str__(self) -> str:
        return str(self.region)

    def as_rules(self) -> rules.RegionRules:
        return rules.RegionRules(
            temporary_validity_months=self.temporary_validity_months,
            change_lock_months=self.change_lock_months,
            online_effective_at_once=self.online_effective_at_once,
            retroactive_days=self.retroactive_days,
        )


def settings_for(region_id: str) -> FilingSettings:
    """The region's settings, or the national defaults when none are stored."""
    found = FilingSettings.objects.filter(region_id=region_id).first()
    return found or FilingSettings(region_id=region_id)


class FilingQuerySet(PersonRecordQuerySet["Filing"]):
    def current(self, today: dt.date | None = None) -> FilingQuerySet:
        """Submitted or effective, and not past its last day."""
        today = today or timezone.localdate()
        return self.filter(status__in=CURRENT_STATUSES).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )

    def covering(self, *, person_id_number: str, city_code: str, day: dt.date) -> FilingQuerySet:
        """Filings under which an admission in `city_code` on `day` is
        direct-settled: approved, for that city, with `day` inside validity
        (cancelled or replaced filings still cover the days before they ended)."""
        return (
            self.filter(
                person_id_number=person_id_number,
                destination_id=city_code,
                status__in=[Status.EFFECTIVE, Status.CANCELLED, Status.REPLACED],
                start_date__lte=day,
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
            .order_by("-group", "start_date")  # temporary before long-term: more specific
        )

    def overdue(self, today: dt.date | None = None) -> FilingQuerySet:
        """Filings still waiting after the next working day ended, whatever
        their channel (Filing.is_overdue, as a query): submitted before the
        last working day before today."""
        today = today or timezone.localdate()
        cutoff = rules.last_working_day_before(today)
        start_of_cutoff = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
        return self.filter(status=Status.SUBMITTED, submitted_at__lt=start_of_cutoff)

    def awaiting_materials(self) -> FilingQuerySet:
        """Current commitment filings (个人承诺制) whose materials are not yet
        confirmed."""
        return self.filter(
            commitment=True, materials_received_on__isnull=True, status__in=CURRENT_STATUSES
        )

    def materials_to_review(self) -> FilingQuerySet:
        """材料待审: commitment filings with uploaded materials that staff
        have not yet confirmed."""
        uploaded = FilingDocument.objects.filter(filing=OuterRef("pk"))
        return self.awaiting_materials().filter(Exists(uploaded))

    def materials_overdue(self, today: dt.date | None = None) -> FilingQuerySet:
        """Past the deadline with nothing uploaded."""
        uploaded = FilingDocument.objects.filter(filing=OuterRef("pk"))
        return (
            self.awaiting_materials()
            .filter(materials_due__lt=today or timezone.localdate())
            .exclude(Exists(uploaded))
        )

    def overlapping(self, *, group: str, start: dt.date, end: dt.date | None) -> FilingQuerySet:
        qs = self.filter(group=group).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        return qs if end is None else qs.filter(start_date__lte=end)


def _upload_to(instance: FilingDocument, filename: str) -> str:
    return f"filings/{uuid.uuid4().hex}"


@pghistory.track(
    model_name="FilingAudit", obj_field=pghistory.ObjForeignKey(related_name="audit_trail")
)
class Filing(PersonRecord):
    reference = models.CharField(_("备案编号"), max_length=24, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参保人账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
        help_text=_("窗口为未注册的人办理时为空；本人用同一身份证号码注册后自动关联。"),
    )
    person_id_number = models.CharField(_("参保人身份证号码"), max_length=18, db_index=True)
    person_name = models.CharField(_("参保人姓名"), max_length=50)
    insured_region = models.ForeignKey(
        InsuranceRegion, verbose_name=_("参保地"), on_delete=models.PROTECT, related_name="filings"
    )
    category = models.CharField(_("备案类型"), max_length=20, choices=FilingCategory.choices)
    group = models.CharField(
        _("人员类别"), max_length=20, choices=FilingGroup.choices, editable=False
    )
    destination = models.ForeignKey(
        Region,
        verbose_name=_("备案地（就医地）"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": ["prefecture", "county"]},
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("截止日期"), null=True, blank=True)
    channel = models.CharField(_("备案渠道"), max_length=20, choices=Channel.choices)
    filed_by_role = models.CharField(_("办理人"), max_length=20, choices=FiledBy.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings_made",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    referring_hospital = models.CharField(_("转出医院"), max_length=100, blank=True)
    diagnosis = models.CharField(_("诊断"), max_length=200, blank=True)
    referral_date = models.DateField(_("转诊日期"), null=True, blank=True)
    treating_hospital = models.CharField(_("急诊就医医院"), max_length=100, blank=True)
    admission_date = models.DateField(_("急诊入院日期"), null=True, blank=True)
    commitment = models.BooleanField(
        _("个人承诺"), default=False, help_text=_("以个人承诺代替证明材料办理长期备案。")
    )
    materials_due = models.DateField(_("补交材料期限"), null=True, blank=True)
    materials_received_on = models.DateField(_("材料补齐日期"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("变更自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    submission_token = models.UUIDField(
        _("提交令牌"), null=True, blank=True, unique=True, editable=False
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings_decided",
    )
    rejection_reason = models.TextField(_("不予备案的原因"), blank=True)
    ended_on = models.DateField(
        _("终止日期"), null=True, blank=True, help_text=_("取消或变更后，原备案的最后有效日。")
    )
    ended_at = models.DateTimeField(
        _("撤回、取消或变更的时间"), null=True, blank=True, editable=False
    )

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("异地就医备案")
        verbose_name_plural = _("异地就医备案")
        ordering = ["-submitted_at"]
        indexes = [
            # The review queue's order; category and destination ride along
            # so the dashboard counts from this index alone (filings.dashboard).
            models.Index(
                fields=["insured_region", "status", "-submitted_at"],
                include=["category", "destination"],
                name="filing_queue_idx",
            ),
            models.Index(fields=["person", "-submitted_at"], name="filing_person_idx"),
            models.Index(fields=["destination", "status"], name="filing_destination_idx"),
            models.Index(fields=["category", "status"], name="filing_category_idx"),
            # Big lists: newest first, overall and per region or status.
            models.Index(fields=["-submitted_at"], name="filing_newest_idx"),
            models.Index(
                fields=["insured_region", "-submitted_at"], name="filing_region_newest_idx"
            ),
            models.Index(fields=["status", "-submitted_at"], name="filing_status_newest_idx"),
            models.Index(fields=["destination", "-submitted_at"], name="filing_dest_newest_idx"),
            # The admin search ORs reference, ID number and name: each needs an index.
            models.Index(fields=["person_name"], name="filing_person_name_idx"),
            # Search by a masked ID number: its first and last four characters.
            models.Index(
                Left("person_id_number", 4),
                Right("person_id_number", 4),
                name="filing_masked_id_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(group=rules.Group.LONG_TERM, category__in=LONG_TERM_VALUES)
                | Q(group=rules.Group.TEMPORARY, category__in=TEMPORARY_VALUES),
                name="filing_group_matches_category",
            ),
            # Long-term filings have no end; temporary ones end on or after their start.
            models.CheckConstraint(
                condition=Q(group=rules.Group.LONG_TERM, end_date__isnull=True)
                | Q(group=rules.Group.TEMPORARY, end_date__gte=F("start_date")),
                name="filing_end_date_by_group",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REJECTED) | ~Q(rejection_reason=""),
                name="filing_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(category=rules.Category.REFERRAL)
                | (~Q(referring_hospital="") & ~Q(diagnosis="") & Q(referral_date__isnull=False)),
                name="filing_referral_details",
            ),
            models.CheckConstraint(
                condition=~Q(category=rules.Category.EMERGENCY)
                | (~Q(treating_hospital="") & Q(admission_date__isnull=False)),
                name="filing_emergency_details",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(channel=Channel.LOCAL),
                name="filing_without_account_only_at_counter",
            ),
            models.CheckConstraint(
                condition=~Q(commitment=True)
                | Q(group=rules.Group.LONG_TERM, materials_due__isnull=False),
                name="filing_commitment_is_long_term_with_deadline",
            ),
            # A person never holds two current filings of the same group whose
            # periods overlap (domain.md: 已有备案信息,无需再次备案). A pending
            # change is checked when it is approved and its original ends.
            ExclusionConstraint(
                name="filing_no_overlapping_current",
                expressions=[
                    ("person_id_number", RangeOperators.EQUAL),
                    ("group", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", Value("[]")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status=Status.EFFECTIVE)
                | Q(status=Status.SUBMITTED, replaces__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["replaces"],
                condition=Q(status=Status.SUBMITTED),
                name="filing_one_pending_change",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- what follows from the stored facts -------------------------------

    @property
    def is_long_term(self) -> bool:
        return self.group == rules.Group.LONG_TERM

    @property
    def last_day(self) -> dt.date | None:
        """Last day of validity: the end date, or the day a cancellation or
        change ended it, whichever is earlier; None for open-ended."""
        days = [d for d in (self.end_date, self.ended_on) if d is not None]
        return min(days) if days else None

    def covers(self, day: dt.date) -> bool:
        """Whether an admission starting on `day` is direct-settled under this filing."""
        if self.status not in (Status.EFFECTIVE, Status.CANCELLED, Status.REPLACED):
            return False
        return rules.covers(self.start_date, self.last_day, day)

    @property
    def covers_today(self) -> bool:
        """An inpatient admission today, at any networked hospital of the
        destination city, is settled directly: the one coverage rule
        (filings.coverage) asked with this filing alone."""
        today = timezone.localdate()
        destination = self.destination_id
        question = coverage.Question(
            day=today,
            care=coverage.Care.INPATIENT,
            place=coverage.Place(city=destination, province=rules.province_of(destination)),
            insured_province=rules.province_of(self.insured_region_id),
            filings=(self.facts(),),
        )
        return coverage.coverage(question).direct

    def facts(self) -> coverage.FilingFacts:
        """This filing as the coverage rule reads it."""
        return coverage.FilingFacts(
            reference=self.reference,
            category=self.category,
            destination=self.destination_id,
            start=self.start_date,
            last_day=self.last_day,
            status=self.status,
            commitment_pending=not self.two_way,
        )

    def state(self, today: dt.date | None = None) -> str:
        """Status as a person reads it; 'expired' follows from the dates, so it
        is right even when no job has run."""
        today = today or timezone.localdate()
        if self.status == Status.EFFECTIVE:
            if today < self.start_date:
                return "upcoming"
            if self.last_day is not None and today > self.last_day:
                return "expired"
            return "effective"
        return str(self.status)

    STATE_LABELS = {
        "upcoming": _("已生效，未到开始日期"),
        "effective": _("有效"),
        "expired": _("已过期"),
        "submitted": _("审核中"),
        "rejected": _("未通过"),
        "cancelled": _("已取消"),
        "replaced": _("已变更"),
        "withdrawn": _("已撤回"),
    }

    def state_label(self, today: dt.date | None = None) -> str:
        return str(self.STATE_LABELS[self.state(today)])

    @property
    def never_valid(self) -> bool:
        """Ended before its first day: withdrawn under review, or cancelled
        or changed before it started (its last day falls before its start)."""
        if self.status == Status.WITHDRAWN:
            return True
        return self.status in (Status.CANCELLED, Status.REPLACED) and (
            self.last_day is not None and self.last_day < self.start_date
        )

    def validity_label(self) -> str:
        """有效期 as a person reads it: the period it is (or was) valid, or
        what happened instead; never an end before the start."""
        return self._validity(str)

    @property
    def validity_html(self) -> SafeString:
        """The same, for pages: a date never breaks inside ("2027-06-" / "03")."""
        # Safe: _validity escapes its own text, and the dates pass through format_html.
        nowrap = '<span class="nowrap">{}</span>'
        return mark_safe(  # noqa: S308
            self._validity(lambda day: format_html(nowrap, day), text=conditional_escape)
        )

    def _validity(self, show: Callable[[str], str], text: Callable[[str], str] = str) -> str:
        if self.never_valid:
            day = timezone.localdate(self.ended_at) if self.ended_at else self.start_date
            template = {
                Status.WITHDRAWN: _("已于 %(day)s 撤回（未生效）"),
                Status.CANCELLED: _("已于 %(day)s 撤销（未生效）"),
                Status.REPLACED: _("已于 %(day)s 变更（原备案未生效）"),
            }[Status(self.status)]
            return text(str(template)) % {"day": show(day.isoformat())}
        if self.status == Status.REJECTED:
            return text(str(_("未通过，未生效")))
        last = show(self.last_day.isoformat()) if self.last_day else text(str(_("长期有效")))
        return f"{show(self.start_date.isoformat())} — {last}"

    @property
    def decision_due(self) -> dt.date:
        """The day a decision is due by: the next working day after it was
        submitted (domain.md, Processing time)."""
        return rules.next_working_day_end(timezone.localdate(self.submitted_at))

    @property
    def asks_for_materials(self) -> bool:
        """A commitment filing still owes its materials; once it is replaced,
        cancelled or withdrawn, the filing in force (if any) asks instead."""
        return (
            self.commitment
            and self.materials_received_on is None
            and self.status in CURRENT_STATUSES
        )

    def materials_overdue(self, today: dt.date | None = None) -> bool:
        """Still owing materials after the deadline (materials_due)."""
        today = today or timezone.localdate()
        return (
            self.asks_for_materials
            and self.materials_due is not None
            and today > self.materials_due
        )

    def days_left(self, today: dt.date | None = None) -> int | None:
        return rules.days_left(self.last_day, today or timezone.localdate())

    @property
    def two_way(self) -> bool:
        """双向享受: benefits in both places once materials are in; on a bare
        commitment, the filing place only (domain.md, 个人承诺制)."""
        return not self.commitment or self.materials_received_on is not None

    @property
    def masked_person_name(self) -> str:
        name = self.person_name
        if len(name) <= 1:
            return "*"
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.person_id_number)

    def first_change_day(self) -> dt.date | None:
        effective_from = timezone.localdate(self.decided_at) if self.decided_at else self.start_date
        effective_from = max(effective_from, self.start_date)
        return rules.first_change_day(
            self.category, effective_from, settings_for(self.insured_region_id).as_rules()
        )

    def can_change(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        if self.status not in CURRENT_STATUSES or self.state(today) == "expired":
            return False
        if self.status == Status.SUBMITTED:
            return True
        first = self.first_change_day()
        return first is None or today >= first

    def waiting_since(self) -> dt.datetime:
        return self.submitted_at

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Waiting past the next working day (domain.md, Processing time). A
        counter filing is settled on the spot, so one still under review is
        late too: the channel does not excuse it."""
        if self.status != Status.SUBMITTED:
            return False
        return (today or timezone.localdate()) > self.decision_due

    if TYPE_CHECKING:
        person_id: int | None
        insured_region_id: str
        destination_id: str
        replaces_id: int | None


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("提交备案")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("不予备案")
    CANCELLED = "cancelled", _("取消备案")
    CHANGE_REQUESTED = "change_requested", _("申请变更")
    WITHDRAWN = "withdrawn", _("撤回备案")
    MATERIALS_SUBMITTED = "materials_submitted", _("补交证明材料")
    REPLACED = "replaced", _("变更生效，原备案终止")
    MATERIALS_RECEIVED = "materials_received", _("材料已补齐")
    LINKED = "linked", _("关联到本人账户")


class FilingEvent(models.Model):
    """One entry of a filing's history: who did what, when and why."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("身份"), max_length=20, choices=FiledBy.choices, blank=True)
    action = models.CharField(_("操作"), max_length=30, choices=EventAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("备案记录")
        verbose_name_plural = _("备案记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.action}"

    if TYPE_CHECKING:
        filing_id: int


class DocumentKind(models.TextChoices):
    RESIDENCE_PERMIT = "residence_permit", _("居住证")
    HOUSEHOLD_REGISTER = "household_register", _("户口簿")
    POSTING_LETTER = "posting_letter", _("单位派驻证明")
    OTHER = "other", _("其他证明材料")


class FilingDraft(models.Model):
    """A filing being written, kept in the database so that it survives a
    session expiry and the login redirect."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filing_drafts"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    token = models.UUIDField(default=uuid.uuid4, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("备案草稿")
        verbose_name_plural = _("备案草稿")
        constraints = [
            models.UniqueConstraint(fields=["owner", "person"], name="filing_draft_one_per_person")
        ]

    def __str__(self) -> str:
        return f"draft {self.token}"


class FilingDocument(models.Model):
    """Evidence for a long-term filing; stored outside the static root and
    served only to those who may see the filing."""

    filing = models.ForeignKey(
        Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    draft = models.ForeignKey(
        FilingDraft, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    kind = models.CharField(_("材料类型"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=_upload_to)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="filing_document_allowed_type",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
