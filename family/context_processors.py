from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from family.access import people_for


def acting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "subject": getattr(request, "subject", user),
        "acting_people": SimpleLazyObject(lambda: people_for(user)),
    }
