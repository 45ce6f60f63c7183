from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def test_every_string_in_the_english_catalogue_is_translated() -> None:
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"))
    untranslated = [
        e.msgid
        for e in po
        if not e.obsolete and not (e.msgstr or (e.msgid_plural and all(e.msgstr_plural.values())))
    ]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    placeholders = [
        e.msgid
        for e in po
        for text in ([e.msgstr] if e.msgstr else list(e.msgstr_plural.values()))
        if sorted(_names(e.msgid)) != sorted(_names(text))
    ]
    assert placeholders == []


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)[sd]", text)
