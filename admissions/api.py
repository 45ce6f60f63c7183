"""The hospitals' JSON API (/api/v1/, OpenAPI 3 at /api/v1/openapi.json, docs
at /api/docs): admission check, discharge settlement and its reversal (冲正),
referral filing. Thin: each operation converts JSON to the service's plain
values and back; the rules are in admissions/services.py.

Every call carries `Authorization: Bearer <prefix>.<secret>` (a
HospitalClient), is rate-limited per client and audited (ApiCall)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from ninja import Field, NinjaAPI, Schema, Status
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from pydantic import field_validator, model_validator

from admissions import services
from admissions.models import HospitalClient
from claims import engine
from claims.choices import CareType, CatalogueClass
from claims.models import Settlement
from filings.coverage import Action, Answer, Care, Coverage
from filings.models import Filing
from filings.services import DuplicateFiling
from portal.forms import is_invisible

ID_NUMBER = r"^\d{17}[\dXx]$"
logger = logging.getLogger(__name__)
MAX_DAYS_BACK = 730  # bills and questions about the last two years


class RateLimited(Exception):
    pass


class ClientKey(HttpBearer):
    """A hospital client's credential, checked, rate-limited and audited."""

    def authenticate(self, request: HttpRequest, token: str) -> HospitalClient | None:
        client = services.client_for(token)
        if client is None:
            # Refused calls have no client to audit against: log the prefix
            # (never the secret) for the security team.
            logger.warning(
                "Hospital API: refused credential (prefix %r) for %s %s",
                token.partition(".")[0][:12],
                request.method,
                request.path,
            )
            return None
        if is_ratelimited(
            request,
            group="hospital-api",
            key=lambda group, request: client.key_prefix,
            rate=settings.HOSPITAL_API_RATE,
            increment=True,
        ):
            raise RateLimited
        services.audit_call(client=client, endpoint=request.path, method=request.method or "")
        return client


api = NinjaAPI(
    title="异地就医 · 医院接口",
    version="1",
    description=(
        "定点医疗机构的接口：入院核验、出院结算与冲正、转诊备案。"
        "每次调用带 `Authorization: Bearer <前缀>.<密钥>`（医保经办机构在管理后台发放）。"
    ),
    auth=ClientKey(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _client(request: HttpRequest) -> HospitalClient:
    client = request.auth  # type: ignore[attr-defined]  # set by ninja from ClientKey
    assert isinstance(client, HospitalClient)
    return client


# --- errors ------------------------------------------------------------------


class Problem(Schema):
    detail: str | list[dict[str, Any]]


def _problem(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _problem(request, 429, "Too many requests")


@api.exception_handler(services.PersonNotFound)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _problem(request, 404, "Not found")


@api.exception_handler(services.NotAllowed)
def _not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _problem(request, 403, str(exc))


@api.exception_handler(services.NumberReused)
def _number_reused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _problem(request, 409, "This number was used before for another patient or bill")


@api.exception_handler(services.NotSettleable)
def _not_settleable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _problem(request, 422, "The insured place has no policy for this care")


@api.exception_handler(DuplicateFiling)
def _duplicate(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, DuplicateFiling)
    return _problem(request, 409, f"A current filing covers this already: {exc.existing.reference}")


@api.exception_handler(DjangoValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, DjangoValidationError)
    return _problem(request, 422, " ".join(str(m) for m in exc.messages))


ALWAYS: dict[int, Any] = {400: Problem, 401: Problem, 422: Problem, 429: Problem}


def _recent(day: dt.date) -> dt.date:
    today = timezone.localdate()
    if not today - dt.timedelta(days=MAX_DAYS_BACK) <= day <= today + dt.timedelta(days=366):
        raise ValueError("the date must be within two years back and one year ahead")
    return day


# --- admission check ---------------------------------------------------------


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _strings(value)


class In(Schema):
    """Every request body: no control or bidi character in any text. None is
    legitimate in a hospital's data, and PostgreSQL cannot store a NUL in
    text or JSON (schemathesis found the 500)."""

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        # django-ninja hands model validators its DjangoGetter around the body.
        body = data._obj if isinstance(data, DjangoGetter) else data
        if any(is_invisible(ch) for text in _strings(body) for ch in text):
            raise ValueError("text must not contain control or bidi characters")
        return data


class Patient(In):
    # The examples are the demo's 张桂兰 (seed_demo).
    id_number: str = Field(
        pattern=ID_NUMBER, description="身份证号码", examples=["340102195704181241"]
    )
    name: str = Field(
        min_length=1, max_length=50, description="姓名，须与身份证号码一致", examples=["张桂兰"]
    )


class CareAsked(In):
    """What an admission check asks about: the day and the kind of care."""

    day: dt.date = Field(description="入院或就诊日期")
    care: Care = Care.INPATIENT
    disease: str = Field("", max_length=20, description="门诊慢特病病种编码（care=chronic 时）")

    @field_validator("day")
    @classmethod
    def _day_is_recent(cls, value: dt.date) -> dt.date:
        return _recent(value)


class AdmissionCheckIn(Patient, CareAsked):
    pass


class FilingOut(Schema):
    reference: str
    category: str
    destination: str
    start: dt.date
    last_day: dt.date | None
    status: str


class ReasonOut(Schema):
    code: str
    text: str
    source: str


class CoverageOut(Schema):
    direct: bool
    answer: Answer
    action: Action
    filing: FilingOut | None
    reasons: list[ReasonOut]


def _coverage_out(result: Coverage) -> dict[str, Any]:
    filing = result.filing
    return {
        "direct": result.direct,
        "answer": result.answer,
        "action": result.action,
        "filing": None
        if filing is None
        else {
            "reference": filing.reference,
            "category": filing.category,
            "destination": filing.destination,
            "start": filing.start,
            "last_day": filing.last_day,
            "status": filing.status,
        },
        "reasons": [
            {"code": r.code, "text": str(r.text), "source": r.source} for r in result.reasons
        ],
    }


@api.post(
    "/admission-checks",
    response={200: CoverageOut, 404: Problem, **ALWAYS},
    summary="入院核验：这次在本院就医能否直接结算",
)
def admission_check(request: HttpRequest, body: AdmissionCheckIn) -> Any:
    result = services.check_admission(
        client=_client(request),
        id_number=body.id_number,
        name=body.name,
        day=body.day,
        care=body.care,
        disease_code=body.disease,
    )
    return Status(200, _coverage_out(result))


class VoucherCheckIn(CareAsked):
    voucher: str = Field(
        pattern=r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$",
        description="参保人出示的电子凭证码（5 分钟内有效，只能用一次）",
    )


@api.post(
    "/admission-checks/by-voucher",
    response={200: CoverageOut, 404: Problem, **ALWAYS},
    summary="入院核验（电子凭证码）：参保人出示一次性凭证码，不必报身份证号",
)
def admission_check_by_voucher(request: HttpRequest, body: VoucherCheckIn) -> Any:
    result = services.check_admission(
        client=_client(request),
        voucher=body.voucher,
        day=body.day,
        care=body.care,
        disease_code=body.disease,
    )
    return Status(200, _coverage_out(result))


# --- admission registration -------------------------------------------------


class AdmissionIn(Patient):
    admission_number: str = Field(
        pattern=r"^[A-Za-z0-9-]{1,32}$", description="医院自己的住院号（同一客户端内唯一）"
    )
    day: dt.date = Field(description="入院日期")
    self_pay_agreement: bool = Field(description="是否已签自费项目协议书")
    self_pay_items: list[str] = Field(
        default_factory=list, max_length=50, description="协议书列出的自费项目"
    )

    @field_validator("day")
    @classmethod
    def _day_is_recent(cls, value: dt.date) -> dt.date:
        return _recent(value)

    @field_validator("self_pay_items")
    @classmethod
    def _items_are_short(cls, value: list[str]) -> list[str]:
        if any(not 1 <= len(item.strip()) <= 100 for item in value):
            raise ValueError("each item has 1 to 100 characters")
        return [item.strip() for item in value]


class AdmissionOut(Schema):
    admission_number: str
    admitted_on: dt.date
    direct: bool = Field(description="登记时能否直接结算")
    filing: str | None = Field(description="依据的备案编号")
    self_pay_agreement: bool
    self_pay_items: list[str]
    coverage: CoverageOut | None = Field(description="本次登记的核验结果（重复提交时为空）")


@api.post(
    "/admissions",
    response={200: AdmissionOut, 201: AdmissionOut, 404: Problem, **ALWAYS},
    summary="入院登记：记下入院、依据的备案和自费项目协议书（同一住院号重复提交返回第一次的记录）",
)
def admission_registration(request: HttpRequest, body: AdmissionIn) -> Any:
    admission, result = services.register_admission(
        client=_client(request),
        registration=services.Registration(
            admission_number=body.admission_number,
            id_number=body.id_number,
            name=body.name,
            day=body.day,
            self_pay_agreement=body.self_pay_agreement,
            self_pay_items=tuple(body.self_pay_items),
        ),
    )
    return Status(
        201 if result is not None else 200,
        {
            "admission_number": admission.admission_number,
            "admitted_on": admission.admitted_on,
            "direct": admission.direct,
            "filing": admission.filing.reference if admission.filing else None,
            "self_pay_agreement": admission.self_pay_agreement,
            "self_pay_items": admission.self_pay_items,
            "coverage": _coverage_out(result) if result is not None else None,
        },
    )


# --- discharge settlement and reversal ---------------------------------------


class BillLineIn(In):
    amount: Decimal = Field(gt=0, le=10_000_000, max_digits=10, decimal_places=2)
    catalogue_class: CatalogueClass = Field(description="A 甲类, B 乙类, C 丙类（目录外）")
    first_self_pay_share: Decimal = Field(
        Decimal(0),
        ge=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="乙类先行自付比例（%）",
    )

    @model_validator(mode="after")
    def _share_only_for_class_b(self) -> BillLineIn:
        if self.catalogue_class != CatalogueClass.B and self.first_self_pay_share:
            raise ValueError("only class B lines have a first self-paid share")
        return self


class DischargeIn(Patient):
    settlement_number: str = Field(
        pattern=r"^[A-Za-z0-9-]{1,32}$", description="医院自己的结算号（同一客户端内唯一）"
    )
    care_type: CareType = CareType.INPATIENT
    admission_date: dt.date
    discharge_date: dt.date
    lines: list[BillLineIn] = Field(min_length=1, max_length=200)
    fallback_reason: Literal["system_failure", "no_filing"] | None = Field(
        None,
        description=(
            "直接结算没能完成时填写（system_failure 系统故障，no_filing 没有可用的备案）："
            "按全额自付记录，参保人回参保地手工报销时按这些费用明细预填"
        ),
    )

    @field_validator("admission_date")
    @classmethod
    def _admission_is_recent(cls, value: dt.date) -> dt.date:
        return _recent(value)

    @field_validator("discharge_date")
    @classmethod
    def _not_in_future(cls, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise ValueError("the discharge date cannot be in the future")
        return _recent(value)

    @model_validator(mode="after")
    def _discharge_after_admission(self) -> DischargeIn:
        if self.discharge_date < self.admission_date:
            raise ValueError("the discharge date cannot be before the admission date")
        return self


class BandOut(Schema):
    lower: Decimal
    upper: Decimal | None
    ratio: Decimal
    amount: Decimal
    fund: Decimal


class SettlementOut(Schema):
    settlement_number: str
    record_number: str = Field(description="平台结算流水号")
    direct: bool
    situation: str
    fallback_reason: str = Field(description="没有直接结算的原因（直接结算时为空）")
    total: Decimal
    out_of_catalogue: Decimal
    first_self_pay: Decimal
    deductible: Decimal
    co_payment: Decimal
    over_cap: Decimal
    fund: Decimal
    personal: Decimal
    bands: list[BandOut]
    large_case: bool = Field(description="30,000 元及以上：大额协查")
    reversed: bool


def _settlement_out(hospital_number: str, settlement: Settlement) -> dict[str, Any]:
    return {
        "settlement_number": hospital_number,
        "record_number": settlement.number,
        "direct": settlement.direct,
        "situation": settlement.situation,
        "fallback_reason": settlement.fallback_reason,
        **{name: getattr(settlement, name) for name in _MONEY},
        "bands": settlement.breakdown.get("bands", []),
        "large_case": settlement.needs_assisted_review,
        "reversed": settlement.reversed_at is not None,
    }


_MONEY = (
    "total",
    "out_of_catalogue",
    "first_self_pay",
    "deductible",
    "co_payment",
    "over_cap",
    "fund",
    "personal",
)


@api.post(
    "/settlements",
    response={200: SettlementOut, 201: SettlementOut, 404: Problem, 409: Problem, **ALWAYS},
    summary="出院结算：按参保地政策计算并记入参保人的结算记录（同一结算号重复上传返回第一次的结果）",
)
def discharge_settlement(request: HttpRequest, body: DischargeIn) -> Any:
    bill = services.Discharge(
        hospital_number=body.settlement_number,
        id_number=body.id_number,
        name=body.name,
        care_type=body.care_type,
        admission_date=body.admission_date,
        discharge_date=body.discharge_date,
        lines=tuple(
            engine.BillLine(line.amount, line.catalogue_class, line.first_self_pay_share)
            for line in body.lines
        ),
        fallback_reason=body.fallback_reason or "",
    )
    upload, created = services.settle_discharge(client=_client(request), bill=bill)
    return Status(
        201 if created else 200, _settlement_out(upload.hospital_number, upload.settlement)
    )


class YearToDateOut(Schema):
    fund_paid: Decimal
    deductible_met: Decimal
    admissions: int


class ReversalOut(Schema):
    settlement_number: str
    reversed_at: dt.datetime
    fund_returned: Decimal = Field(description="退回年度最高支付限额的基金支付")
    year_to_date: YearToDateOut = Field(description="冲正后参保人本年度的累计")


@api.post(
    "/settlements/{settlement_number}/reversal",
    response={200: ReversalOut, 404: Problem, **ALWAYS},
    summary="冲正：撤销本院的一笔结算，退回它占用的年度累计",
)
def reversal(request: HttpRequest, settlement_number: str) -> Any:
    settlement = services.reverse_settlement(
        client=_client(request), hospital_number=settlement_number[:32]
    )
    assert settlement.reversed_at is not None
    year = services.year_so_far(
        person_id_number=settlement.person_id_number,
        care_type=settlement.care_type,
        year=settlement.discharge_date.year,
    )
    return Status(
        200,
        {
            "settlement_number": settlement_number,
            "reversed_at": settlement.reversed_at,
            "fund_returned": settlement.fund,
            "year_to_date": {
                "fund_paid": year.fund_paid,
                "deductible_met": year.deductible_met,
                "admissions": year.admissions,
            },
        },
    )


# --- referral filing ---------------------------------------------------------


class ReferralIn(Patient):
    token: str = Field(
        pattern=r"^[A-Za-z0-9-]{1,64}$", description="客户端自己的请求号：重复提交返回同一份备案"
    )
    destination: str = Field(pattern=r"^\d{6}$", description="转往的城市（行政区划代码）")
    diagnosis: str = Field(min_length=1, max_length=100)
    referral_date: dt.date
    contact_phone: str = Field("", pattern=r"^(1\d{10})?$", description="参保人联系电话")

    @field_validator("referral_date")
    @classmethod
    def _referral_is_recent(cls, value: dt.date) -> dt.date:
        return _recent(value)


class ReferralOut(Schema):
    reference: str
    status: str
    category: str
    destination: str
    start_date: dt.date
    end_date: dt.date | None
    filed_by_role: str
    referring_hospital: str


@api.post(
    "/referrals",
    response={200: ReferralOut, 403: Problem, 404: Problem, 409: Problem, **ALWAYS},
    summary="转诊备案：有转诊权的参保地医院为本院病人办理",
)
def referral(request: HttpRequest, body: ReferralIn) -> Any:
    filing: Filing = services.file_referral(
        client=_client(request),
        referral=services.Referral(
            token=body.token,
            id_number=body.id_number,
            name=body.name,
            destination_code=body.destination,
            diagnosis=body.diagnosis,
            referral_date=body.referral_date,
            contact_phone=body.contact_phone,
        ),
    )
    return Status(
        200,
        {
            "reference": filing.reference,
            "status": filing.status,
            "category": filing.category,
            "destination": filing.destination_id,
            "start_date": filing.start_date,
            "end_date": filing.end_date,
            "filed_by_role": filing.filed_by_role,
            "referring_hospital": filing.referring_hospital,
        },
    )
