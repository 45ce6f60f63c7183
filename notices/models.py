"""Agency downtime notices (停机公告). Hotlines live on portal.InsuranceRegion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import Region


class AffectedPage(models.TextChoices):
    """Where a notice shows as a banner (`{% downtime_banner "filing" %}`)."""

    FILING = "filing", _("备案办理")
    LOOKUP = "lookup", _("定点机构查询")
    SETTLEMENT = "settlement", _("就医直接结算")


class DowntimeNoticeQuerySet(models.QuerySet["DowntimeNotice"]):
    def showing(self, now: dt.datetime | None = None) -> DowntimeNoticeQuerySet:
        """Upcoming or under way: not yet over."""
        return self.filter(ends_at__gt=now or timezone.now())

    def ended(self, now: dt.datetime | None = None) -> DowntimeNoticeQuerySet:
        return self.filter(ends_at__lte=now or timezone.now())

    def affecting(self, page: str) -> DowntimeNoticeQuerySet:
        return self.filter(pages__contains=[page])

    def for_regions(self, codes: Iterable[str]) -> DowntimeNoticeQuerySet:
        """Nationwide notices and those for any of these regions."""
        return self.filter(Q(region__isnull=True) | Q(region__in=list(codes)))


class DowntimeNotice(models.Model):
    region = models.ForeignKey(
        Region,
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downtime_notices",
        help_text=_("不填表示全国。填省份表示全省。"),
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    message = models.TextField(
        _("公告内容"), help_text=_("用简单的话说明哪些业务暂停、期间怎么办。")
    )
    message_en = models.TextField(
        _("公告内容（英文）"),
        blank=True,
        help_text=_("英文页面显示这段；不填则英文页面也显示中文内容。"),
    )
    pages = ArrayField(
        models.CharField(max_length=12, choices=AffectedPage.choices),
        verbose_name=_("影响的页面"),
        help_text=_("在这些页面顶部显示提醒。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    objects = DowntimeNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("停机公告")
        verbose_name_plural = _("停机公告")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["ends_at"], name="downtime_notice_ends_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="downtime_notice_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(pages=[]) & Q(pages__contained_by=AffectedPage.values),
                name="downtime_notice_pages_known",
            ),
            models.CheckConstraint(condition=~Q(message=""), name="downtime_notice_has_message"),
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region else _("全国")
        return f"{where} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def display_message(self) -> str:
        """The text in the page's language: English pages show `message_en`
        when staff wrote one, else the Chinese text."""
        if self.message_en and (get_language() or "").startswith("en"):
            return self.message_en
        return self.message

    def is_under_way(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at

    @property
    def page_labels(self) -> list[str]:
        return [str(AffectedPage(p).label) for p in self.pages if p in AffectedPage.values]


# The banner on the lookup and filing pages reads this list on every request;
# notices are few and change rarely, so it comes from the cache (shared by
# every app server when REDIS_URL is set). Saving or deleting a notice clears
# it; BANNER_CACHE_SECONDS bounds how late any other change shows.
BANNER_CACHE_KEY = "notices:not-over:v1"
BANNER_CACHE_SECONDS = 30


def notices_not_over(now: dt.datetime | None = None) -> list[DowntimeNotice]:
    """Every notice that is upcoming or under way, earliest first."""
    now = now or timezone.now()
    notices: list[DowntimeNotice] | None = cache.get(BANNER_CACHE_KEY)
    if notices is None:
        notices = list(
            DowntimeNotice.objects.showing(now).select_related("region").order_by("starts_at", "pk")
        )
        cache.set(BANNER_CACHE_KEY, notices, BANNER_CACHE_SECONDS)
    return [n for n in notices if n.ends_at > now]


def banner_notices(
    page: str, codes: Iterable[str], now: dt.datetime | None = None, limit: int = 5
) -> list[DowntimeNotice]:
    """What the banner on `page` shows: nationwide notices and those for any
    of the region `codes`; the same rule as
    ``DowntimeNotice.objects.showing().affecting(page).for_regions(codes)``."""
    wanted = set(codes)
    return [
        n
        for n in notices_not_over(now)
        if page in n.pages and (n.region_id is None or n.region_id in wanted)
    ][:limit]


def forget_banner_notices(**kwargs: object) -> None:
    cache.delete(BANNER_CACHE_KEY)


models.signals.post_save.connect(forget_banner_notices, sender=DowntimeNotice)
models.signals.post_delete.connect(forget_banner_notices, sender=DowntimeNotice)
