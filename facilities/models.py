"""The directory of networked (跨省联网) medical-insurance facilities."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from facilities import search
from portal.models import Region

EARTH_RADIUS_KM = 6371.0
# Mainland China with its islands, generously: a coordinate outside is a typo.
LATITUDE_RANGE = (3.0, 54.0)
LONGITUDE_RANGE = (73.0, 136.0)
CODE_PATTERN = r"^[A-Z0-9]{5,20}$"


class FacilityKind(models.TextChoices):
    GENERAL = "general", _("综合医院")
    TCM = "tcm", _("中医医院")
    SPECIALIST = "specialist", _("专科医院")
    PRIMARY = "primary", _("基层医疗机构")
    PHARMACY = "pharmacy", _("零售药店")


class Tier(models.IntegerChoices):
    """医院级别. Pharmacies and most primary-care units have none."""

    NONE = 0, _("未定级")
    FIRST = 1, _("一级")
    SECOND = 2, _("二级")
    THIRD = 3, _("三级")


class Grade(models.IntegerChoices):
    """医院等次 within a tier; higher sorts first (甲 before 乙 before 丙)."""

    NONE = 0, _("未定等")
    C = 1, _("丙等")
    B = 2, _("乙等")
    A = 3, _("甲等")


class Service(models.TextChoices):
    """What a facility is networked for across provinces (跨省联网直接结算)."""

    INPATIENT = "inpatient", _("住院")
    OUTPATIENT = "outpatient", _("普通门诊")
    HYPERTENSION = "hypertension", _("高血压")
    DIABETES = "diabetes", _("糖尿病")
    CANCER = "cancer", _("恶性肿瘤门诊放化疗")
    DIALYSIS = "dialysis", _("尿毒症透析")
    TRANSPLANT = "transplant", _("器官移植术后抗排异治疗")


CHRONIC_SERVICES = (
    Service.HYPERTENSION,
    Service.DIABETES,
    Service.CANCER,
    Service.DIALYSIS,
    Service.TRANSPLANT,
)


def choice_labels(choices: type[models.Choices]) -> dict[Any, str]:
    """value -> label of `choices` in the current language, built once per
    language: a list of 20 facilities otherwise translates its labels ~250
    times per page."""
    return _choice_labels(choices, get_language())


@lru_cache(maxsize=64)
def _choice_labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    with override(language):
        return {member.value: str(member.label) for member in choices}


@lru_cache(maxsize=8)
def _detail_url_prefix(script_prefix: str) -> str:
    placeholder = "X0000"  # any code the pattern accepts
    url = reverse("facilities:detail", args=[placeholder])
    return url[: -len(placeholder) - 1]


def level_label(tier: int, grade: int) -> str:
    """'三级甲等', '二级', '未定级'."""
    return _level_label(tier, grade, get_language())


@lru_cache(maxsize=64)
def _level_label(tier: int, grade: int, language: str | None) -> str:
    with override(language):
        return _level_label_now(tier, grade)


def _level_label_now(tier: int, grade: int) -> str:
    if tier == Tier.NONE:
        return str(Tier.NONE.label)
    if grade == Grade.NONE:
        return str(Tier(tier).label)
    # "三级甲等" in Chinese, "Level 3 Grade A" in English.
    return gettext("%(tier)s%(grade)s") % {"tier": Tier(tier).label, "grade": Grade(grade).label}


def level_pieces() -> Func:
    """facility_level_pieces(...): each gram of the name, the kind ('|k:tcm'),
    each service ('|s:dialysis') and '|' (every row), prefixed by the level
    ('r33:医院': real 三级甲等). SQL function of migration facilities 0007;
    its GIN index and statistics serve facilities.ranked. The arguments must
    stay exactly these for PostgreSQL to match the index."""
    return Func(
        F("search_grams"),
        F("kind"),
        F("services"),
        F("is_synthetic"),
        F("tier"),
        F("grade"),
        function="facility_level_pieces",
        output_field=ArrayField(models.TextField()),
    )


def earth_point(latitude: Any, longitude: Any) -> Func:
    """ll_to_earth (earthdistance): the point on the earth's surface in 3-D,
    where straight-line distance orders like the great-circle distance."""
    return Func(latitude, longitude, function="ll_to_earth", output_field=models.FloatField())


def distance_km_from(latitude: float, longitude: float) -> CombinedExpression:
    """Great-circle (haversine) distance in km from a point to each row."""
    lat1, lon1 = Radians(latitude), Radians(longitude)
    lat2, lon2 = Radians(F("latitude")), Radians(F("longitude"))
    a = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lon2 - lon1) / 2), 2)
    return ASin(Sqrt(a)) * (2 * EARTH_RADIUS_KM)


class FacilityQuerySet(models.QuerySet["Facility"]):
    def active(self, on: dt.date | None = None) -> FacilityQuerySet:
        """Networked on `on` (today): started and not yet ended."""
        on = on or timezone.localdate()
        return self.filter(Q(active_to__isnull=True) | Q(active_to__gte=on), active_from__lte=on)

    def matching(self, text: str, *, province: str = "") -> FacilityQuerySet:
        """Name or alias containing `text`, in characters, full pinyin or
        initials (see facilities.search). An empty query matches everything.
        With `province`, only facilities there (through the scoped pieces)."""
        query = search.normalise_query(text)
        if not query:
            return self.filter(province_id=province) if province else self
        grams = search.query_grams(query)
        if province:
            scoped = search.scoped_grams(grams, province)
            found = self.filter(scoped_grams__contains=scoped, province_id=province)
            if grams == [query]:
                return found
            return found.filter(search_text__contains=query)
        if grams == [query]:
            # The query is one whole piece (协和, xh, 医院): containing the
            # piece is the match, and PostgreSQL estimates it well from the
            # array's statistics, so no LIKE to recheck and misestimate.
            return self.filter(search_grams__contains=grams)
        # LIKE (not strpos): PostgreSQL estimates its selectivity from the
        # column statistics, which keeps it off a full walk of the rank index
        # for rare names.
        return self.filter(search_grams__contains=grams, search_text__contains=query)

    def at_level(self, level: str) -> FacilityQuerySet:
        """'3' any 三级, '3a' 三级甲等, '0' 未定级 (see LEVEL_FILTERS)."""
        tier, grade_a, _rest = level.partition("a")
        filtered = self.filter(tier=int(tier))
        return filtered.filter(grade=Grade.A) if grade_a else filtered

    def offering(self, service: str) -> FacilityQuerySet:
        return self.filter(services__contains=[service])

    def ranked(self) -> FacilityQuerySet:
        """Higher level first, then in pinyin order (how people scan a list);
        the real directory before synthetic demo rows (a demo database holds
        both; a real one has no synthetic rows, so nothing changes there)."""
        return self.order_by("is_synthetic", "-tier", "-grade", "pinyin", "pk")

    def nearest_to(self, region: Region) -> FacilityQuerySet:
        """Closest to the region's centre first; facilities without
        coordinates last. Annotates `distance_km`."""
        if region.latitude is None or region.longitude is None:
            return self.ranked()
        return self.annotate(
            distance_km=distance_km_from(float(region.latitude), float(region.longitude))
        ).order_by(F("distance_km").asc(nulls_last=True), "pk")

    def nearest_by_index(self, region: Region) -> FacilityQuerySet:
        """The same order as nearest_to, read from the location index
        (facility_location, GiST on earth_point): PostgreSQL walks outward
        from the region's centre and stops at the first page's worth, instead
        of measuring every match and sorting them. Fast when matches are
        common everywhere; for a rare name nearest_to is (it measures the few
        found through the gram index)."""
        if region.latitude is None or region.longitude is None:
            return self.ranked()
        latitude, longitude = float(region.latitude), float(region.longitude)
        outward = CombinedExpression(
            earth_point(F("latitude"), F("longitude")),
            "<->",
            earth_point(Value(latitude), Value(longitude)),
            output_field=models.FloatField(),
        )
        return self.annotate(
            distance_km=distance_km_from(latitude, longitude), nearness=outward
        ).order_by(F("nearness").asc(nulls_last=True), "pk")


LEVEL_FILTERS = [
    ("3a", _("三级甲等")),
    ("3", _("三级（甲、乙、丙等都算）")),
    ("2a", _("二级甲等")),
    ("2", _("二级（甲、乙、丙等都算）")),
    ("1", _("一级")),
    ("0", _("未定级（社区、诊所、药店等）")),
]


class Facility(models.Model):
    """A designated medical institution or retail pharmacy (定点医药机构) in
    the national directory of networked facilities."""

    code = models.CharField(
        _("医保机构编码"),
        max_length=20,
        unique=True,
        help_text=_("国家医保信息业务编码（如 H11010100001）或地方医保编码；大写字母和数字。"),
        error_messages={"unique": _("这个医保机构编码已经有了。")},
    )
    name = models.CharField(_("机构名称"), max_length=100)
    aliases = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("别名"),
        default=list,
        blank=True,
        help_text=_("曾用名、俗称、简称，如“协和”“北医三院”。"),
    )
    province = models.ForeignKey(
        Region,
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="facilities_in_province",
        limit_choices_to={"level": "province"},
    )
    city = models.ForeignKey(
        Region,
        verbose_name=_("城市"),
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text=_("地级市、直辖市或省直辖县级单位。"),
    )
    county = models.CharField(_("区县"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    kind = models.CharField(_("机构类型"), max_length=12, choices=FacilityKind.choices)
    tier = models.PositiveSmallIntegerField(_("级别"), choices=Tier.choices, default=Tier.NONE)
    grade = models.PositiveSmallIntegerField(_("等次"), choices=Grade.choices, default=Grade.NONE)
    services = ArrayField(
        models.CharField(max_length=12, choices=Service.choices),
        verbose_name=_("跨省联网服务"),
        default=list,
        blank=True,
    )
    active_from = models.DateField(_("开通联网日期"))
    active_to = models.DateField(_("停止联网日期"), null=True, blank=True)
    is_synthetic = models.BooleanField(
        _("演示数据"), default=False, help_text=_("生成的演示机构，不是真实的定点机构。")
    )
    # Precomputed for search (facilities.search); refreshed by index_names().
    pinyin = models.CharField(_("拼音"), max_length=400, editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    search_grams = ArrayField(models.TextField(), editable=False, default=list)
    scoped_grams = ArrayField(models.TextField(), editable=False, default=list)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("定点医药机构")
        verbose_name_plural = _("定点医药机构")
        ordering = ["is_synthetic", "-tier", "-grade", "pinyin", "pk"]
        indexes = [
            # The name pieces, nationwide: a rare name nearest first
            # (nearest_to). Nationwide and province searches in rank order
            # use facility_level_pieces (facilities.ranked). The filters are
            # kept out of the GIN indexes on purpose: there PostgreSQL used
            # them to read a 76,000-row kind list where walking the rank index
            # reads a few hundred rows (facilities migration 0009).
            GinIndex(fields=["search_grams"], name="facility_search_grams"),
            # Nationwide searches, level by level (facilities.ranked).
            GinIndex(level_pieces(), name="facility_level_pieces"),
            # Nearest first, nationwide (FacilityQuerySet.nearest_by_index).
            GistIndex(earth_point(F("latitude"), F("longitude")), name="facility_location"),
            # Searches within a province (search.scoped_grams).
            GinIndex(fields=["scoped_grams", "city"], name="facility_scoped_grams"),
            models.Index(
                F("province"),
                F("is_synthetic"),
                F("tier").desc(),
                F("grade").desc(),
                "pinyin",
                name="facility_province_rank",
            ),
            models.Index(
                F("city"),
                F("is_synthetic"),
                F("tier").desc(),
                F("grade").desc(),
                "pinyin",
                name="facility_city_rank",
            ),
            models.Index(
                F("is_synthetic"),
                F("tier").desc(),
                F("grade").desc(),
                "pinyin",
                "id",
                name="facility_rank",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=CODE_PATTERN), name="facility_code_shape"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="facility_has_a_name"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=LATITUDE_RANGE[0],
                    latitude__lte=LATITUDE_RANGE[1],
                    longitude__gte=LONGITUDE_RANGE[0],
                    longitude__lte=LONGITUDE_RANGE[1],
                ),
                name="facility_coordinates_in_china_or_none",
            ),
            # 甲/乙/丙 grades a tier; there is no grade without one.
            models.CheckConstraint(
                condition=Q(tier__gt=Tier.NONE) | Q(grade=Grade.NONE),
                name="facility_grade_needs_a_tier",
            ),
            models.CheckConstraint(
                condition=Q(tier__lte=Tier.THIRD) & Q(grade__lte=Grade.A),
                name="facility_tier_and_grade_known",
            ),
            # A pharmacy has no hospital level and admits no inpatients.
            models.CheckConstraint(
                condition=~Q(kind=FacilityKind.PHARMACY)
                | (Q(tier=Tier.NONE) & ~Q(services__contains=[Service.INPATIENT])),
                name="facility_pharmacy_has_no_level_or_beds",
            ),
            models.CheckConstraint(
                condition=Q(services__contained_by=Service.values),
                name="facility_services_known",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FacilityKind.values), name="facility_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")),
                name="facility_active_to_after_from",
            ),
        ]

    if TYPE_CHECKING:
        city_id: str
        province_id: str

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """Its public page. Built from the URL pattern once per script prefix:
        `reverse` for each of 20 cards cost more than the cards' other text."""
        return _detail_url_prefix(get_script_prefix()) + self.code + "/"

    def index_names(self, *, pieces: list[str] | None = None) -> None:
        """Recompute the pinyin and search columns from name and aliases
        (`pieces`: the name in parts, for speed; see search.search_parts)."""
        pinyin, self.search_text, self.search_grams = search.index_values(
            self.name, self.aliases, pieces=pieces
        )
        self.scoped_grams = search.scoped_grams(self.search_grams, self.province_id or "")
        self.pinyin = pinyin[:400]

    @property
    def level_label(self) -> str:
        return level_label(self.tier, self.grade)

    @property
    def has_level(self) -> bool:
        return self.tier != Tier.NONE

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.active_from <= on and (self.active_to is None or on <= self.active_to)

    def offers(self, service: str) -> bool:
        return service in self.services

    @property
    def ordered_services(self) -> list[Service]:
        return [s for s in Service if s in self.services]

    @property
    def kind_label(self) -> str:
        return choice_labels(FacilityKind).get(self.kind, self.kind)

    @property
    def service_labels(self) -> list[str]:
        """The labels of its services, in Service order, current language."""
        labels = choice_labels(Service)
        return [label for value, label in labels.items() if value in self.services]

    @property
    def missing_services(self) -> list[Service]:
        missing = [s for s in Service if s not in self.services]
        if self.kind == FacilityKind.PHARMACY:
            missing = [s for s in missing if s != Service.INPATIENT]
        return missing

    @property
    def distance_text(self) -> str:
        """'约 12 公里': `distance_km` (annotated by nearest_to or
        services.facilities_by_id) rounded, or '' without it. In Python: the
        template's floatformat and blocktranslate cost 1.3 ms for 20 cards."""
        km = getattr(self, "distance_km", None)
        if km is None:
            return ""
        return gettext("约 %(km)s 公里") % {"km": round(km)}

    @property
    def place(self) -> str:
        """'北京市 东城区', '安徽省 合肥市 蜀山区'."""
        parts = [self.city.full_name]
        if self.county:
            parts.append(self.county)
        return " ".join(parts)
