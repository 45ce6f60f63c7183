from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

import pghistory
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.idnumbers import (
    ID_NUMBER_SHAPE,
    birth_date,
    check_id_number,
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    validate_mobile,
)
from portal.places import is_english, place_name
from portal.reference import Hotline, derived_hotlines

MUNICIPALITY_PREFIXES = frozenset({"11", "12", "31", "50"})


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地市级")
    COUNTY = "county", _("省直辖县级")


class RegionQuerySet(models.QuerySet["Region"]):
    def provinces(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.PROVINCE)

    def destinations(self) -> RegionQuerySet:
        """Prefecture-level cities, municipalities and county-level units
        directly under a province: what a filing names (domain.md, 备案地)."""
        return self.filter(level__in=[RegionLevel.PREFECTURE, RegionLevel.COUNTY])


class Region(models.Model):
    """A division from GB/T 2260 (plus 新疆生产建设兵团, 660000)."""

    code = models.CharField(_("行政区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^\d{6}$"), name="region_code_6_digits"
            ),
            models.CheckConstraint(
                condition=Q(level=RegionLevel.PROVINCE, parent__isnull=True)
                | (~Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=False)),
                name="region_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def province_code(self) -> str:
        return self.code if self.level == RegionLevel.PROVINCE else (self.parent_id or "")

    @property
    def is_municipality(self) -> bool:
        return self.code[:2] in MUNICIPALITY_PREFIXES

    @property
    def display_name(self) -> str:
        """The name in the page's language: '合肥市', or '合肥市 Hefei' in English."""
        return place_name(self.name)

    @property
    def full_name(self) -> str:
        """'安徽省 合肥市' ('合肥市 Hefei, 安徽省 Anhui' on English pages); a
        municipality or a province is its name alone."""
        if self.level == RegionLevel.PROVINCE or self.is_municipality or self.parent is None:
            return self.display_name
        if is_english():
            return f"{self.display_name}, {self.parent.display_name}"
        return f"{self.parent.name} {self.name}"


class InsuranceRegion(models.Model):
    """A pooling region (统筹地区) and its agency (经办机构). Money rules come later."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("统筹地区"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="insurance",
    )
    agency_name = models.CharField(_("经办机构"), max_length=100)
    hotline = models.CharField(_("咨询电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("参保统筹地区")
        verbose_name_plural = _("参保统筹地区")
        ordering = ["region_id"]

    def __str__(self) -> str:
        return self.region.full_name

    @property
    def province_code(self) -> str:
        return self.region.province_code

    @property
    def phone(self) -> Hotline | None:
        """The number to call from another city: the one staff entered (the
        agency's own published number) or else the region's area code +
        12393 (portal/data/hotlines.csv), shown as unconfirmed; None when
        neither source knows the region's area code."""
        if self.hotline:
            return Hotline(self.hotline, confirmed=True)
        return derived_hotlines().get(self.region.pk)


class Scheme(models.TextChoices):
    EMPLOYEE = "employee", _("职工基本医疗保险")
    RESIDENT = "resident", _("城乡居民基本医疗保险")


class MemberStatus(models.TextChoices):
    WORKING = "working", _("在职")
    RETIRED = "retired", _("退休")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, id_number: str, password: str | None, **extra: Any) -> User:
        user = self.model(id_number=normalise_id_number(id_number), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, id_number: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(id_number, password, **extra)

    def create_superuser(self, id_number: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(id_number, password, **extra)


# Who changed an account, its scheme or its staff rights; not logins or passwords.
@pghistory.track(
    model_name="UserAudit",
    exclude=["password", "last_login"],
    obj_field=pghistory.ObjForeignKey(related_name="audit_trail"),
)
class User(AbstractBaseUser, PermissionsMixin):
    """A real-name account: one per resident identity card number."""

    id_number = models.CharField(
        _("身份证号码"),
        max_length=18,
        unique=True,
        validators=[check_id_number],
        error_messages={"unique": _("该身份证号码已注册。")},
    )
    full_name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(
        _("手机号码"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        help_text=_("家长为未满 16 周岁子女建立的账户可以没有手机号码。"),
        validators=[validate_mobile],
        error_messages={"unique": _("该手机号码已被其他账户使用。")},
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    insured_region = models.ForeignKey(
        InsuranceRegion,
        verbose_name=_("参保地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="insured",
    )
    scheme = models.CharField(_("险种"), max_length=10, choices=Scheme.choices, blank=True)
    member_status = models.CharField(
        _("人员类别"), max_length=10, choices=MemberStatus.choices, blank=True
    )
    staff_regions = models.ManyToManyField(
        InsuranceRegion,
        verbose_name=_("负责的统筹地区"),
        blank=True,
        related_name="staff",
        help_text=_("经办人员只能看到这些统筹地区的数据。"),
    )
    staff_treatment_regions = models.ManyToManyField(
        Region,
        verbose_name=_("负责的就医地"),
        blank=True,
        related_name="treatment_staff",
        help_text=_("就医地经办机构：可以看到在这些城市就医的异地结算（例如大额协查）。"),
    )
    is_staff = models.BooleanField(_("经办人员"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "id_number"
    REQUIRED_FIELDS = ["full_name", "mobile"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [("view_full_id_number", _("可以查看和导出完整身份证号码"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(id_number__regex=ID_NUMBER_SHAPE), name="user_id_number_shape"
            ),
            models.CheckConstraint(
                condition=Q(mobile__isnull=True) | Q(mobile__regex=r"^1[3-9]\d{9}$"),
                name="user_mobile_shape",
            ),
            # 在职/退休 applies to the employee scheme only.
            models.CheckConstraint(
                condition=(Q(scheme=Scheme.EMPLOYEE) & ~Q(member_status=""))
                | (~Q(scheme=Scheme.EMPLOYEE) & Q(member_status="")),
                name="user_member_status_only_for_employees",
            ),
            # An insured person (anyone not staff) has an insured region and a scheme.
            models.CheckConstraint(
                condition=Q(is_staff=True) | (Q(insured_region__isnull=False) & ~Q(scheme="")),
                name="user_insured_has_region_and_scheme",
            ),
        ]

    if TYPE_CHECKING:
        insured_region_id: str | None

    def __str__(self) -> str:
        return f"{self.full_name}（{self.masked_id_number}）"

    def clean(self) -> None:
        super().clean()
        self.id_number = normalise_id_number(self.id_number)

    def insured_regions_served(self) -> QuerySet[InsuranceRegion] | None:
        """The pooling regions whose data this account sees as agency staff:
        None for a national superuser (everything, and no filter at all,
        which keeps big lists fast), none for an account that is not staff.
        Every region-scoped list, admin form and dashboard asks this."""
        if self.is_superuser:
            return None
        if not self.is_staff:
            return InsuranceRegion.objects.none()
        return self.staff_regions.all()

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile or "")

    @property
    def birth_date(self) -> dt.date:
        return birth_date(self.id_number)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name
