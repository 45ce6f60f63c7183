"""Hospitals as clients of the portal: a credential per networked facility,
every call it makes, and the settlements it uploaded (seed 003; 医保发〔2022〕
22号 三(三))."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.models import Settlement
from facilities.models import Facility
from family.records import PersonRecord, PersonRecordQuerySet
from filings.models import Filing
from portal.models import InsuranceRegion, User

PREFIX_BYTES = 6  # 12 hex characters: finds the row, is not a secret
SECRET_BYTES = 32  # 256 random bits


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret. The secret is 256 random bits from `secrets`,
    so nobody can guess it from its hash, slow or fast; a password hasher's
    work factor protects low-entropy passwords and would only add ~100 ms to
    every API call here."""
    return hashlib.sha256(secret.encode()).hexdigest()


def facilities_managed_by(user: object) -> QuerySet[Facility]:
    """The facilities whose API clients an agency account manages: those in
    the cities it serves as treatment place (就医地管理) or as insured place;
    every facility for a national superuser, none for anyone else."""
    if not isinstance(user, User) or not user.is_staff:
        return Facility.objects.none()
    regions = user.insured_regions_served()
    if regions is None:
        return Facility.objects.all()
    return Facility.objects.filter(
        Q(city__in=user.staff_treatment_regions.all()) | Q(city_id__in=regions.values("region_id"))
    )


class HospitalClientQuerySet(models.QuerySet["HospitalClient"]):
    def for_staff(self, user: object) -> HospitalClientQuerySet:
        if isinstance(user, User) and user.is_superuser:
            return self
        return self.filter(facility__in=facilities_managed_by(user))

    def active(self) -> HospitalClientQuerySet:
        return self.filter(revoked_at__isnull=True)


class HospitalClient(models.Model):
    """A networked facility's API credential: `<prefix>.<secret>` sent as a
    bearer token; only the secret's SHA-256 is kept. Rotating replaces the
    secret (the old one stops working at once); revoking ends the client."""

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("定点医药机构"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    name = models.CharField(_("客户端名称"), max_length=100, help_text=_("如“住院收费系统”。"))
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    can_refer = models.BooleanField(
        _("有转诊权"),
        default=False,
        help_text=_("参保地指定的、可以为本院病人办理转诊备案的医院。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(_("更换密钥时间"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    objects = HospitalClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("医院接口客户端")
        verbose_name_plural = _("医院接口客户端")
        ordering = ["facility__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key_prefix__regex=r"^[0-9a-f]{12}$"), name="hospitalclient_prefix_shape"
            ),
            models.CheckConstraint(
                condition=Q(secret_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106  # a shape, not a password
                name="hospitalclient_hash_shape",
            ),
        ]

    if TYPE_CHECKING:
        facility_id: int

    def __str__(self) -> str:
        return f"{self.facility.name} · {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def new_secret(self) -> str:
        """Give the client a new secret and return the whole credential, to
        be shown once. The caller saves."""
        if not self.key_prefix:
            self.key_prefix = secrets.token_hex(PREFIX_BYTES)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        self.secret_hash = hash_secret(secret)
        return f"{self.key_prefix}.{secret}"

    def rotate(self) -> str:
        credential = self.new_secret()
        self.rotated_at = timezone.now()
        self.save(update_fields=["secret_hash", "rotated_at"])
        return credential

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def accepts(self, secret: str) -> bool:
        return self.is_active and hmac.compare_digest(self.secret_hash, hash_secret(secret))


class ApiCall(models.Model):
    """One authenticated call: who (the client), the facility, which
    endpoint, when, and how it ended."""

    client = models.ForeignKey(
        HospitalClient, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="calls"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("定点医药机构"), on_delete=models.PROTECT, related_name="+"
    )
    endpoint = models.CharField(_("接口"), max_length=100)
    method = models.CharField(_("方法"), max_length=10)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接口调用记录")
        verbose_name_plural = _("接口调用记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "-at"], name="apicall_client_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint}"


class HospitalSettlement(models.Model):
    """A settlement a hospital uploaded, under its own settlement number
    (unique per client: a retried upload returns the first result)."""

    client = models.ForeignKey(
        HospitalClient,
        verbose_name=_("客户端"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    hospital_number = models.CharField(_("医院结算号"), max_length=32)
    settlement = models.OneToOneField(
        Settlement,
        verbose_name=_("结算记录"),
        on_delete=models.PROTECT,
        related_name="hospital_upload",
    )
    request_digest = models.CharField(_("请求摘要"), max_length=64)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("医院上传的结算")
        verbose_name_plural = _("医院上传的结算")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "hospital_number"], name="hospitalsettlement_number_per_client"
            )
        ]

    if TYPE_CHECKING:
        settlement_id: int

    def __str__(self) -> str:
        return self.hospital_number


class AdmissionQuerySet(PersonRecordQuerySet["Admission"]):
    """Staff see admissions of people insured in their regions
    (PersonRecordQuerySet.for_staff); people their own and their relatives'."""


class Admission(PersonRecord):
    """入院登记: a hospital recorded the person's admission on a day, with the
    filing the coverage rule found and whether the person signed the
    自费项目协议书 for items outside the treatment place's catalogue (seed 003)."""

    person = models.ForeignKey(
        User, verbose_name=_("参保人"), on_delete=models.PROTECT, related_name="admissions"
    )
    insured_region = models.ForeignKey(
        InsuranceRegion, verbose_name=_("参保地"), on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        HospitalClient,
        verbose_name=_("客户端"),
        on_delete=models.PROTECT,
        related_name="admissions",
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("定点医药机构"), on_delete=models.PROTECT, related_name="+"
    )
    admission_number = models.CharField(_("医院住院号"), max_length=32)
    admitted_on = models.DateField(_("入院日期"))
    filing = models.ForeignKey(
        Filing,
        verbose_name=_("依据的备案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    direct = models.BooleanField(_("入院时可直接结算"))
    self_pay_agreement = models.BooleanField(_("已签自费项目协议书"), default=False)
    self_pay_items = models.JSONField(_("自费项目"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = AdmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("入院登记")
        verbose_name_plural = _("入院登记")
        ordering = ["-admitted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "admission_number"], name="admission_number_per_client"
            )
        ]

    if TYPE_CHECKING:
        person_id: int
        filing_id: int | None

    def __str__(self) -> str:
        return self.admission_number


VOUCHER_MINUTES = 5
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
VOUCHER_LENGTH = 12  # 60 bits: not guessable in five minutes at any rate we allow


def normalise_voucher(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


class EVoucher(models.Model):
    """医保电子凭证码: a short-lived, one-time code the person shows at
    admission instead of reading out an ID number. Only its SHA-256 is kept."""

    person = models.ForeignKey(
        User, verbose_name=_("参保人"), on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(_("凭证码摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子凭证码")
        verbose_name_plural = _("电子凭证码")
        indexes = [models.Index(fields=["expires_at"], name="evoucher_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.created_at:%Y-%m-%d %H:%M}"

    if TYPE_CHECKING:
        person_id: int

    @classmethod
    def issue(cls, person: User) -> tuple[EVoucher, str]:
        """A new code for `person`, valid five minutes; returns it formatted
        as XXXX-XXXX-XXXX, to be shown once."""
        code = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_LENGTH))
        now = timezone.now()
        voucher = cls.objects.create(
            person=person,
            code_hash=hash_secret(code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=VOUCHER_MINUTES),
        )
        return voucher, "-".join(code[i : i + 4] for i in range(0, VOUCHER_LENGTH, 4))
