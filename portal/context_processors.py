from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def site(request: HttpRequest) -> dict[str, Any]:
    current = translation.get_language() or settings.LANGUAGE_CODE
    other = next(
        ((code, name) for code, name in settings.LANGUAGES if code != current),
        settings.LANGUAGES[0],
    )
    return {
        "national_hotline": settings.NATIONAL_HOTLINE,
        "other_language_code": other[0],
        "other_language_name": other[1],
    }
