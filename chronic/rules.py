"""Outpatient chronic and special diseases (门诊慢特病) across provinces:
pure rules on plain values, no ORM.

The rule (domain.md, "Outpatient and chronic diseases"): five diseases are
direct-settled across provinces in every pooling region — 高血压, 糖尿病,
恶性肿瘤门诊放化疗, 尿毒症透析, 器官移植术后抗排异治疗. The person must first be
recognised for the disease by the insured place (资格认定), must have a
filing (备案), and may have to name the facilities where they will be
treated. For any other disease the person pays in full at the facility and
claims manual reimbursement (手工报销) at home.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

NATIONAL = "national"
REGIONAL = "regional"


@dataclass(frozen=True)
class DiseaseFacts:
    code: str
    name: str
    scope: str  # NATIONAL or REGIONAL
    aliases: tuple[str, ...] = ()

    @property
    def direct_settled(self) -> bool:
        return self.scope == NATIONAL


class Answer(StrEnum):
    DIRECT = "direct"  # one of the five: direct settlement, after the steps
    REGIONAL_ONLY = "regional_only"  # recognised in some places, not across provinces
    NOT_COVERED = "not_covered"  # none of the above: pay in full, claim at home


@dataclass(frozen=True)
class Verdict:
    answer: Answer
    disease: DiseaseFacts | None
    typed: str = ""

    @property
    def direct_settled(self) -> bool:
        return self.answer == Answer.DIRECT


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("C", "Z", "P")))


def match_disease(text: str, diseases: Sequence[DiseaseFacts]) -> DiseaseFacts | None:
    """The disease a person means by what they typed: an exact name or alias
    first, then a name or alias found inside the text ("2型糖尿病" is 糖尿病,
    "肺癌化疗" is 恶性肿瘤门诊放化疗): a national disease before a regional one
    (what can be settled directly matters most), then the longest."""
    typed = normalise(text)
    if not typed:
        return None
    best: tuple[bool, int, DiseaseFacts] | None = None
    for disease in diseases:
        for label in (disease.name, *disease.aliases):
            label = normalise(label)
            if not label:
                continue
            if label == typed:
                return disease
            if label in typed:
                rank = (disease.scope == NATIONAL, len(label))
                if best is None or rank > best[:2]:
                    best = (*rank, disease)
    return best[2] if best else None


def verdict_for(disease: DiseaseFacts | None, typed: str = "") -> Verdict:
    if disease is None:
        return Verdict(Answer.NOT_COVERED, None, typed)
    if disease.direct_settled:
        return Verdict(Answer.DIRECT, disease, typed)
    return Verdict(Answer.REGIONAL_ONLY, disease, typed)


def qualification_status(recognised_on: dt.date, valid_until: dt.date | None, on: dt.date) -> str:
    """'upcoming', 'current' or 'expired' on a given day (valid_until counts)."""
    if on < recognised_on:
        return "upcoming"
    if valid_until is not None and on > valid_until:
        return "expired"
    return "current"
