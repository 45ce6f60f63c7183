"""The directory of networked (跨省联网) medical-insurance facilities."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import Deferrable, F, Func, Q, Subquery, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt, StrIndex
from django.db.models.lookups import Lookup
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
POSITIONS: ArrayField[list[int], list[int]] = ArrayField(models.IntegerField())


@models.IntegerField.register_lookup
class AnyOf(Lookup):  # type: ignore[type-arg]
    """`position__any_of=<an int[] expression>`: SQL's `= ANY(array)`, which
    PostgreSQL answers from a btree index element by element, in the
    index's order (`in` would be a join)."""

    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


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

    def holding(self, pieces: list[str]) -> FacilityQuerySet:
        """Facilities that hold every one of `pieces` (search.facility_pieces),
        found as the intersection of their postings (intarray's `&`). The
        `position` index gives them in rank order, so a query ordered by
        `position` and sliced stops at the end of the slice."""
        arrays = [
            Subquery(Posting.objects.filter(piece=piece).values("positions")) for piece in pieces
        ]
        every = Func(
            *arrays, template="(%(expressions)s)::int[]", arg_joiner=" & ", output_field=POSITIONS
        )
        return self.filter(position__any_of=every)

    def matching(self, text: str, *, filters: list[str] | None = None) -> FacilityQuerySet:
        """Name or alias containing `text`, in characters, full pinyin or
        initials (see facilities.search), and holding every one of the
        `filters` pieces, through the postings of the pieces that cover the
        query (search.query_grams). When that is more than one piece, holding
        each of them does not make a name contain the query (人民 and 医院
        are not 人民医院), so the text is then confirmed on the row. An
        empty search matches everything."""
        query = search.normalise_query(text)
        grams = search.query_grams(query, cover=True)
        pieces = [*grams, *(filters or [])]
        found = self.holding(pieces) if pieces else self
        return found if grams in ([], [query]) else found.containing(query)

    def containing(self, text: str) -> FacilityQuerySet:
        """The same matches as `matching`, by reading every row's text: no
        postings (what the walk outward from a city filters by, and the plain
        query the tests compare the postings with). strpos, not LIKE: from a
        LIKE PostgreSQL estimates the matches with the statistics of
        search_text, and for 柳镇 nearest 南京 (1,754 matches, 19 estimated)
        it read and sorted the whole table instead of walking outward."""
        query = search.normalise_query(text)
        if not query:
            return self
        return self.alias(found_at=StrIndex("search_text", Value(query))).filter(found_at__gt=0)

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

    def nearness_of(self, region: Region, nth: int) -> float | None:
        """How far the `nth` nearest of these facilities lies from the
        region's centre, straight through the earth (earthdistance's `<->`,
        in metres, which orders as the distance does): PostgreSQL walks
        outward through the location index (facility_location) and stops
        there. None when fewer than `nth` have coordinates."""
        assert region.latitude is not None and region.longitude is not None
        centre = earth_point(Value(float(region.latitude)), Value(float(region.longitude)))
        nearness = CombinedExpression(
            earth_point(F("latitude"), F("longitude")),
            "<->",
            centre,
            output_field=models.FloatField(),
        )
        found = (
            self.filter(latitude__isnull=False)
            .annotate(nearness=nearness)
            .order_by("nearness")
            .values_list("nearness", flat=True)
        )
        return next(iter(found[nth - 1 : nth]), None)

    def around(self, region: Region, nearness: float) -> FacilityQuerySet:
        """Those within `nearness` (see nearness_of) of the region's centre,
        and a few in the corners of the box around that sphere: the box is
        what the location index finds."""
        assert region.latitude is not None and region.longitude is not None
        centre = earth_point(Value(float(region.latitude)), Value(float(region.longitude)))
        box = Func(centre, Func(Value(nearness), function="sec_to_gc"), function="earth_box")
        inside = CombinedExpression(
            earth_point(F("latitude"), F("longitude")),
            "<@",
            box,
            output_field=models.BooleanField(),
        )
        return self.filter(inside)


def level_values(tier: int, grade: int) -> list[str]:
    """The LEVEL_FILTERS values a facility of this level is found by:
    ['3', '3a'] for 三级甲等, ['2'] for 二级乙等, ['0'] for 未定级."""
    return [str(tier), f"{tier}a"] if grade == Grade.A else [str(tier)]


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
    # Every piece the facility can be found by: the grams of its names and
    # one piece per filter value (search.facility_pieces). What it holds in
    # the postings; kept here so a change knows what to take out again.
    search_pieces = ArrayField(models.TextField(), editable=False, default=list)
    # Its place in rank order (FacilityQuerySet.ranked), with gaps; what the
    # postings hold. Set by facilities.postings, never by hand.
    position = models.IntegerField(editable=False, null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("定点医药机构")
        verbose_name_plural = _("定点医药机构")
        ordering = ["is_synthetic", "-tier", "-grade", "pinyin", "pk"]
        indexes = [
            # Nearest first over many matches (nearness_of, around).
            GistIndex(earth_point(F("latitude"), F("longitude")), name="facility_location"),
            # The admin's list, in the default ordering.
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
            # Checked at the end of each statement: renumbering every
            # facility (facilities.postings.rebuild) swaps positions.
            models.UniqueConstraint(
                fields=["position"], name="facility_position", deferrable=Deferrable.IMMEDIATE
            ),
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
        """Recompute the pinyin and search columns from name, aliases and
        the filtered fields (`pieces`: the name in parts, for speed; see
        search.search_parts). The postings follow when the change is saved
        through facilities.services or the import."""
        pinyin, self.search_text, grams = search.index_values(
            self.name, self.aliases, pieces=pieces
        )
        self.search_pieces = search.facility_pieces(
            grams,
            province=self.province_id,
            city=self.city_id,
            kind=self.kind,
            levels=level_values(self.tier, self.grade),
            services=self.services,
        )
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
        the lookup's nearest first) rounded, or '' without it. In Python: the
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


class Posting(models.Model):
    """The facilities that hold one search piece (a gram of a name such as
    协和 or xie, or a filter value such as '|kind:pharmacy'), as their
    positions in rank order: a sorted int[] without duplicates, which
    intarray's `&` intersects, `-` takes from and `|` merges into, all in one
    pass. Written only by facilities.postings, in the transaction that
    changes the facilities."""

    piece = models.TextField(primary_key=True)
    positions = ArrayField(models.IntegerField())

    def __str__(self) -> str:
        return self.piece
