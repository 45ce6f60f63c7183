"""Rules of a manual reimbursement claim (手工报销) as pure functions on plain
values: no ORM, no clock (`today` is an argument).

Each function returns the problems it finds, each naming the form field its
message belongs next to; no problems means the claim may be made. The form
(claims/forms.py) calls them to put the messages next to the fields, and
`services.submit_reimbursement` calls them again and refuses a claim that
breaks one, so a caller that bypasses the form cannot make an invalid claim.

Sources: ../shared/domain.md ("Validity and changes": 补办 and 手工报销;
"Outpatient and chronic diseases"), the digest of 医保发〔2022〕22号
(../shared/seeds/000_*.txt), the current national rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from claims.choices import CareType, ReimbursementReason
from filings import rules as filing_rules
from filings.rules import province_of

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# No claim for care before this day is plausible: a bound against typing
# mistakes (1899 for 1999), not a policy rule.
EARLIEST_VISIT = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field its message belongs next to, the message
    for the person, and a stable code for programs and tests."""

    field: str
    message: StrOrPromise
    code: str


def place_problems(*, insured_region: str, treatment_city: str | None) -> list[Problem]:
    """Care in another province only. 医保发〔2022〕22号 二(四): a person
    treated 跨省 who paid in full at discharge may apply for manual
    reimbursement under the insured place's rules; 二(二) draws the line at
    the insured province (长期在参保省…以外). Care inside the insured province
    is reimbursed by that province's own channels, not here. Nothing to say
    until both places are known."""
    if not insured_region or not treatment_city:
        return []
    if filing_rules.is_cross_province(province_of(insured_region), province_of(treatment_city)):
        return []
    message = _("这里办理的是跨省异地就医的手工报销。在本省看病的，请咨询参保地经办机构。")
    return [Problem("treatment_city", message, "same_province")]


def _day_problem(field: str, day: dt.date | None, today: dt.date) -> Problem | None:
    if day is None:
        return None
    if day > today:
        return Problem(field, _("日期不能晚于今天。"), "future")
    if day < EARLIEST_VISIT:
        return Problem(field, _("日期太早了，请核对。"), "too_early")
    return None


def date_problems(
    *, admission: dt.date | None, discharge: dt.date | None, today: dt.date
) -> list[Problem]:
    """Both days are past and discharge is not before admission. A claim
    follows a discharge already settled at the person's own expense (医保发
    〔2022〕22号 二(四): 出院自费结算后…申请医保手工报销), so neither day can be
    after today; the order is judged only when both days are plausible, so
    one mistake gives one message. A missing day (not typed, or not a date)
    is the form's to explain."""
    problems = [
        problem
        for problem in (
            _day_problem("admission_date", admission, today),
            _day_problem("discharge_date", discharge, today),
        )
        if problem is not None
    ]
    if not problems and admission and discharge and discharge < admission:
        problems.append(Problem("discharge_date", _("出院日期不能早于入院日期。"), "order"))
    return problems


def reason_problems(
    *, reason: str | None, care_type: str | None, note: str | None
) -> list[Problem]:
    """The reason agrees with the claim. A chronic disease outside the five
    direct-settled ones is paid in full and claimed at home (domain.md,
    "Outpatient and chronic diseases"), so that reason goes with chronic
    outpatient care. "Other" needs the reason written down for the reviewer
    (the portal's rule, also a database constraint)."""
    problems = []
    if (
        reason == ReimbursementReason.CHRONIC_NOT_LISTED
        and care_type
        and care_type != CareType.CHRONIC_OUTPATIENT
    ):
        message = _("原因选了门诊慢特病，看病方式请选“门诊慢特病”。")
        problems.append(Problem("care_type", message, "chronic_care_type"))
    if reason == ReimbursementReason.OTHER and not note:
        problems.append(Problem("note", _("选择“其他原因”时，请在这里写清楚原因。"), "other_note"))
    return problems


def claim_problems(
    *,
    insured_region: str,
    treatment_city: str | None,
    admission: dt.date | None,
    discharge: dt.date | None,
    reason: str | None,
    care_type: str | None,
    note: str | None,
    today: dt.date,
) -> list[Problem]:
    """Every rule above, in the order the form shows them."""
    return [
        *place_problems(insured_region=insured_region, treatment_city=treatment_city),
        *date_problems(admission=admission, discharge=discharge, today=today),
        *reason_problems(reason=reason, care_type=care_type, note=note),
    ]
