"""Will this stay be settled directly? One rule, as a pure function on plain
values: no ORM, no clock.

People ask it before they go ("能直接结算吗"), hospitals at admission, the
filing card for today, and a settlement page after the fact. All of them
call `coverage(question)`; `admissions.services` gathers the facts from the
database for a person, a day, a place and a kind of care.

Sources: 医保发〔2022〕22号 (../shared/seeds/000_*.txt, digested in
../shared/domain.md). Each reason names the clause it comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from filings import rules

SETTLED_STATUSES = frozenset({"effective", "cancelled", "replaced"})


class Care(StrEnum):
    INPATIENT = "inpatient"
    OUTPATIENT = "outpatient"  # 普通门诊
    CHRONIC = "chronic"  # 门诊慢特病


class Answer(StrEnum):
    DIRECT = "direct"  # settled directly: the person pays only the personal share
    NOT_DIRECT = "not_direct"  # pay in full, or fix something first
    DEPENDS = "depends"  # nobody signed in: it depends on the person's filing
    LOCAL = "local"  # care in the insured province: not cross-province at all


class Action(StrEnum):
    """The one thing to do next."""

    NONE = "none"
    FILE = "file"  # file now (or 补办 before discharge settlement)
    CLAIM = "claim"  # pay in full now, then manual reimbursement at home
    FILE_THEN_CLAIM = "file_then_claim"  # 补办, then 手工报销
    CHANGE_DESTINATION = "change_destination"
    WAIT = "wait"  # the filing is being reviewed
    CHOOSE_FACILITY = "choose_facility"
    QUALIFY = "qualify"  # chronic disease: recognition by the insured place first
    SUPPLY_MATERIALS = "supply_materials"  # personal commitment: materials first
    LOCAL_RULES = "local_rules"
    SIGN_IN = "sign_in"


@dataclass(frozen=True)
class FilingFacts:
    reference: str
    category: str
    destination: str  # city code (备案地)
    start: dt.date
    last_day: dt.date | None
    status: str  # submitted, effective, rejected, cancelled, replaced
    commitment_pending: bool = False  # 个人承诺制, materials not yet confirmed

    @property
    def is_long_term(self) -> bool:
        return rules.group_of(self.category) == rules.Group.LONG_TERM

    def covers(self, day: dt.date) -> bool:
        return self.status in SETTLED_STATUSES and rules.covers(self.start, self.last_day, day)


@dataclass(frozen=True)
class Place:
    """Where the care happens: a city, and possibly one facility in it."""

    city: str
    province: str
    facility_code: str = ""
    # What the facility is networked for on the day (facilities.Service
    # values); None when no facility was chosen (any networked one there).
    networked_for: frozenset[str] | None = None


@dataclass(frozen=True)
class Chronic:
    """The outpatient chronic disease asked about, and the person's standing."""

    code: str
    national: bool  # one of the five settled directly everywhere
    service: str  # the facilities.Service value a facility must offer
    qualified: bool = False  # recognised by the insured place, valid on the day
    designated: frozenset[str] = frozenset()  # facility codes; empty: any networked one


@dataclass(frozen=True)
class Question:
    day: dt.date
    care: Care
    place: Place
    insured_province: str = ""  # "" when nobody is signed in
    filings: tuple[FilingFacts, ...] = ()
    chronic: Chronic | None = None
    downtime: bool = False  # a downtime notice covers the day there
    reduction_points: Decimal | None = None  # temporary filer's lower ratio
    paid_in_full: bool = False  # asked after a discharge settled without the fund
    today: dt.date | None = None  # to tell a stay already begun from one to come

    @property
    def person_known(self) -> bool:
        return bool(self.insured_province)


@dataclass(frozen=True)
class Reason:
    code: str
    text: str | Promise
    source: str  # the clause it implements


@dataclass(frozen=True)
class Coverage:
    answer: Answer
    action: Action
    filing: FilingFacts | None = None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def direct(self) -> bool:
        return self.answer == Answer.DIRECT

    def has(self, code: str) -> bool:
        return any(reason.code == code for reason in self.reasons)


SERVICE_FOR = {Care.INPATIENT: "inpatient", Care.OUTPATIENT: "outpatient"}


def coverage(question: Question) -> Coverage:
    """The answer, the filing that carries it, every reason, what to do."""
    place = question.place
    if question.person_known and place.province == question.insured_province:
        return _at_home(question)
    blocked = _care_problems(question)
    if blocked is not None:
        return blocked
    if not question.person_known:
        return Coverage(
            Answer.DEPENDS,
            Action.SIGN_IN,
            reasons=(
                Reason(
                    "needs_filing",
                    _("跨省就医要先备案到这个城市；登录后可以按您的备案回答。"),
                    "22号文 二(二)",
                ),
            ),
        )
    return _by_filing(question)


def _at_home(question: Question) -> Coverage:
    """Care in the insured province is no cross-province case. A long-term
    filer back home keeps benefits at home (双向享受, at least the referral
    level), except on a bare personal commitment (22号文 二(五))."""
    long_term = [f for f in question.filings if f.is_long_term and f.covers(question.day)]
    if any(f.commitment_pending for f in long_term):
        return Coverage(
            Answer.NOT_DIRECT,
            Action.SUPPLY_MATERIALS,
            filing=long_term[0],
            reasons=(
                Reason(
                    "commitment_pending",
                    _("您的长期备案是承诺制办理的，补齐证明材料前只能在备案地享受待遇。"),
                    "22号文 二(五)",
                ),
            ),
        )
    if long_term:
        return Coverage(
            Answer.LOCAL,
            Action.LOCAL_RULES,
            filing=long_term[0],
            reasons=(
                Reason(
                    "back_home",
                    _("回参保地就医按参保地规定结算，待遇不低于跨省转诊转院的水平。"),
                    "22号文 二(五)",
                ),
            ),
        )
    return Coverage(
        Answer.LOCAL,
        Action.LOCAL_RULES,
        reasons=(
            Reason(
                "same_province",
                _("在参保省内就医不属于跨省异地就医，按本省的规定结算，不需要跨省备案。"),
                "22号文 二(二)",
            ),
        ),
    )


def _care_problems(question: Question) -> Coverage | None:
    """What the care itself rules out, whoever the person is."""
    place, chronic = question.place, question.chronic
    if question.care == Care.CHRONIC:
        if chronic is None or not chronic.national:
            return Coverage(
                Answer.NOT_DIRECT,
                Action.CLAIM,
                reasons=(
                    Reason(
                        "chronic_not_listed",
                        _(
                            "只有高血压、糖尿病、恶性肿瘤门诊放化疗、尿毒症透析、器官移植术后"
                            "抗排异治疗可以跨省直接结算；其他门诊慢特病要先全额付费，回参保地"
                            "申请手工报销。"
                        ),
                        "22号文 二(一)",
                    ),
                ),
            )
        if question.person_known and not chronic.qualified:
            return Coverage(
                Answer.NOT_DIRECT,
                Action.QUALIFY,
                reasons=(
                    Reason(
                        "not_qualified",
                        _("门诊慢特病要先经参保地认定（资格认定），认定后才能直接结算。"),
                        "22号文 二(一)",
                    ),
                ),
            )
        if (
            place.facility_code
            and chronic.designated
            and place.facility_code not in chronic.designated
        ):
            return Coverage(
                Answer.NOT_DIRECT,
                Action.CHOOSE_FACILITY,
                reasons=(
                    Reason(
                        "not_designated",
                        _("参保地要求在选定的机构治疗这个病，这家不是您选定的机构。"),
                        "22号文 二(一)",
                    ),
                ),
            )
    service = (
        chronic.service
        if question.care == Care.CHRONIC and chronic
        else SERVICE_FOR.get(question.care, "")
    )
    if place.networked_for is not None and service not in place.networked_for:
        return Coverage(
            Answer.NOT_DIRECT,
            Action.CHOOSE_FACILITY,
            reasons=(
                Reason(
                    "not_networked",
                    _("这家机构当天没有开通这类费用的跨省直接结算，请选择跨省联网的定点机构。"),
                    "22号文 三(三)",
                ),
            ),
        )
    return None


def _by_filing(question: Question) -> Coverage:
    day, city = question.day, question.place.city
    here = [f for f in question.filings if f.destination == city]
    # A temporary filing is the more specific (as Filing.objects.covering).
    covering = sorted((f for f in here if f.covers(day)), key=lambda f: f.is_long_term)
    if covering:
        return _covered(question, covering[0])
    waiting = [
        f for f in here if f.status == "submitted" and rules.covers(f.start, f.last_day, day)
    ]
    if waiting:
        return Coverage(
            Answer.NOT_DIRECT,
            Action.WAIT,
            filing=waiting[0],
            reasons=(
                Reason(
                    "under_review",
                    _("备案还在审核中；出院结算前审核通过，就能直接结算。"),
                    "22号文 二(四)",
                ),
            ),
        )
    elsewhere = [f for f in question.filings if f.covers(day)]
    if elsewhere:
        return Coverage(
            Answer.NOT_DIRECT,
            Action.CHANGE_DESTINATION,
            filing=elsewhere[0],
            reasons=(
                Reason(
                    "other_city",
                    _(
                        "您的备案是备案到另一个城市的，这里不能直接结算。可以变更备案地，或再办一份临时备案。"
                    ),
                    "22号文 二(二)",
                ),
            ),
        )
    lapsed = [f for f in here if f.status in SETTLED_STATUSES]
    reason = (
        Reason("lapsed", _("这份备案在这一天不在有效期内。"), "22号文 二(三)")
        if lapsed
        else Reason("no_filing", _("没有备案到这个城市的有效备案。"), "22号文 二(二)")
    )
    if question.paid_in_full:
        fix = Reason(
            "file_then_claim",
            _("出院时已经全额付费的，可以补办备案，再按参保地规定申请手工报销。"),
            "22号文 二(四)",
        )
        return Coverage(Answer.NOT_DIRECT, Action.FILE_THEN_CLAIM, reasons=(reason, fix))
    if question.today is not None and day < question.today:
        # Only emergency and other temporary filings may start in the past
        # (filings.rules.RETROACTIVE_CATEGORIES), within the region's limit.
        text: str | Promise = _(
            "已经住院的，可以补办“急诊抢救”或“其他临时外出就医”备案，开始日期选入院当天；"
            "出院结算前办好，仍然可以直接结算。"
        )
    else:
        text = _("现在备案，出院结算前办好，就能直接结算。")
    fix = Reason("file_before_discharge", text, "22号文 二(四)")
    return Coverage(Answer.NOT_DIRECT, Action.FILE, reasons=(reason, fix))


def _covered(question: Question, filing: FilingFacts) -> Coverage:
    reasons = [
        Reason(
            "filed",
            _("备案有效期内入院的，出院在有效期之后也能直接结算。"),
            "22号文 二(三)",
        )
    ]
    if filing.is_long_term:
        reasons.append(
            Reason(
                "local_terms",
                _(
                    "长期备案人员在备案地就医，起付线、报销比例和最高支付限额按参保地本地就医的标准。"
                ),
                "22号文 二(五)",
            )
        )
        if filing.commitment_pending:
            reasons.append(
                Reason(
                    "commitment_here_only",
                    _("承诺制备案：补齐证明材料前只在备案地享受待遇，回参保地就医不能享受。"),
                    "22号文 二(五)",
                )
            )
    else:
        reasons.append(_lower_ratio(question.reduction_points))
    action = Action.NONE
    if question.paid_in_full:
        # Asked after a stay that was not settled directly although its
        # filing covered it: the settlement failed at the desk (22号文 三(四)).
        reasons.append(
            Reason(
                "should_have_been_direct",
                _(
                    "按备案，这次本来可以直接结算。没能直接结算，常见原因是出院结算时系统故障，"
                    "或入院时没有出示社保卡、医保电子凭证说明是跨省就医。全额付费的部分可以回参保地"
                    "申请手工报销。"
                ),
                "22号文 三(四)",
            )
        )
        action = Action.CLAIM
    elif question.downtime:
        reasons.append(
            Reason(
                "downtime",
                _(
                    "这一天结算系统停机维护：如果正好在停机时出院，需要先全额付费，回参保地申请手工报销。"
                ),
                "22号文 三(四)",
            )
        )
        action = Action.CLAIM
    return Coverage(Answer.DIRECT, action, filing=filing, reasons=tuple(reasons))


def _lower_ratio(points: Decimal | None) -> Reason:
    """Temporary filers may get a lower ratio than at a same-level facility at
    home: referral and emergency at most 10 points, others at most 20."""
    if points:
        text: str | Promise = _(
            "临时外出就医的报销比例比在参保地同级医院低 %(points)s 个百分点。"
        ) % {"points": f"{points.normalize():f}"}
    else:
        text = _("临时外出就医的报销比例可能比在参保地同级医院略低，以参保地规定为准。")
    return Reason("lower_ratio", text, "22号文 二(六)")
