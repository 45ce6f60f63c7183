"""The filing journey's shape: which steps apply, what each answers, and
which one comes next. Plain functions over the draft's answers (a dict)."""

from __future__ import annotations

from typing import Any

from filings import rules

STEPS = ["category", "destination", "dates", "details", "evidence", "consent"]

# Answers that depend on the category and are dropped when it changes.
CATEGORY_DEPENDENT = [
    "start_date",
    "referring_hospital",
    "diagnosis",
    "referral_date",
    "treating_hospital",
    "admission_date",
    "evidence",
]


def applicable(data: dict[str, Any]) -> list[str]:
    category = data.get("category")
    long_term = category is not None and rules.group_of(category) is rules.Group.LONG_TERM
    return [s for s in STEPS if s != "evidence" or long_term]


def required_answers(step: str, data: dict[str, Any]) -> list[str]:
    category = data.get("category")
    if step == "details":
        extra: list[str] = {
            rules.Category.REFERRAL.value: ["referring_hospital", "diagnosis", "referral_date"],
            rules.Category.EMERGENCY.value: ["treating_hospital", "admission_date"],
        }.get(str(category or ""), [])
        return ["contact_phone", *extra]
    return {
        "category": ["category"],
        "destination": ["province", "destination"],
        "dates": ["start_date"],
        "evidence": ["evidence"],
        "consent": ["consent"],
    }[step]


def first_unanswered(data: dict[str, Any]) -> str | None:
    for step in applicable(data):
        if any(not data.get(key) for key in required_answers(step, data)):
            return step
    return None


def next_step(step: str, data: dict[str, Any]) -> str | None:
    """The next step after `step`, or None when the answers are complete."""
    steps = applicable(data)
    later = steps[steps.index(step) + 1 :] if step in steps else steps
    for candidate in later:
        if any(not data.get(key) for key in required_answers(candidate, data)):
            return candidate
    return first_unanswered(data)


def answer(data: dict[str, Any], step: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The draft's answers after a step was answered (dates stored as ISO text)."""
    new = dict(data)
    if step == "category" and cleaned.get("category") != data.get("category"):
        for key in CATEGORY_DEPENDENT:
            new.pop(key, None)
    for key, value in cleaned.items():
        if key in ("file", "kind", "accept"):
            continue
        new[key] = value.isoformat() if hasattr(value, "isoformat") else value
    if step == "consent":
        new["consent"] = True
    return new
