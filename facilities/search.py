"""Text search over facility names, and the pieces a search is made of:
pure functions, no ORM.

A facility is found by a piece of its name or an alias in Chinese characters,
in full pinyin (``xiehe``) or in pinyin initials (``xh`` finds 协和). Each
facility stores one lower-case ``search_text`` (names, pinyin and initials,
separated by ``|``) and its ``search_pieces``: the one- and two-character
pieces of that text, the three-letter pieces of its Latin runs, and one
piece per filter value (``|province:340000``, ``|kind:pharmacy``,
``|level:3a``, ``|service:dialysis``).

Each piece has a posting (facilities.models.Posting): the rank positions of
the facilities that hold it. A search takes the pieces of what was typed
(``query_grams``) and of its filters (``filter_piece``), intersects their
postings, reads the positions in rank order and, when the query is more than
one piece, confirms it on ``search_text`` (FacilityQuerySet.matching).

Why three letters for pinyin: two Chinese characters are already a rare
piece (协和), but two letters are not: ``ng`` is in 97% of the names, while
``xiehe``'s three-letter pieces (xie, ieh, ehe) leave a handful to confirm.

Why not pg_trgm: trigrams cannot index one- and two-character queries
(``协和``, ``xh``: most Chinese names people type).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin

SEPARATOR = "|"
QUERY_MAX_LENGTH = 40

# Characters read two ways that are common in place and facility names; the
# name is indexed under both readings so either spelling finds it
# (pypinyin reads 长寿区 as "zhangshou").
POLYPHONES = {
    "长": ("chang", "zhang"),
    "重": ("chong", "zhong"),
    "行": ("xing", "hang"),
    "乐": ("le", "yue"),
    "朝": ("chao", "zhao"),
    "藏": ("zang", "cang"),
    "厦": ("xia", "sha"),
    "单": ("dan", "shan"),
}

_NOT_SEARCHABLE = re.compile(r"[\s|%_\\]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Text made comparable with ``search_text``: full-width forms folded
    (NFKC), lower case, no spaces, no control characters, no LIKE wildcards."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ")
    return _NOT_SEARCHABLE.sub("", text.lower())


def normalise_query(text: str) -> str:
    """What a person typed, folded and cut to QUERY_MAX_LENGTH characters."""
    return fold(text)[:QUERY_MAX_LENGTH]


@lru_cache(maxsize=65536)
def _readings(text: str) -> tuple[tuple[str, ...], ...]:
    """The syllables of `text`: pypinyin's reading, and a second one when the
    text has a character from POLYPHONES. Non-Chinese runs stay whole."""
    syllables = tuple(s.lower() for s in lazy_pinyin(text, errors="default"))
    if len(syllables) != len(text):
        return (syllables,)
    choices = [
        (s, *(r for r in POLYPHONES[ch] if r != s)) if ch in POLYPHONES else (s,)
        for ch, s in zip(text, syllables, strict=True)
    ]
    # Each polyphone either way, for at most three of them (eight readings).
    if sum(len(c) > 1 for c in choices) > 3:
        return (syllables,)
    readings = list(dict.fromkeys(itertools.product(*choices)))
    return tuple(readings)


def pinyin_full(text: str) -> str:
    """'北京协和医院' -> 'beijingxieheyiyuan' (pypinyin's reading)."""
    return "".join(_readings(text)[0])


def pinyin_initials(text: str) -> str:
    """'北京协和医院' -> 'bjxhyy'. Digits and Latin letters are kept whole."""
    return _initials(_readings(text)[0])


def _initials(syllables: tuple[str, ...]) -> str:
    return "".join(s[0] if s.isascii() and s.isalpha() else s for s in syllables)


def _readings_of(pieces: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Readings of a name given as pieces (each piece's readings are cached,
    which makes generating many similar names fast)."""
    combos: list[tuple[str, ...]] = [()]
    for piece in pieces:
        if piece:
            combos = [c + r for c in combos for r in _readings(piece)][:8]
    return tuple(combos)


def search_parts(
    name: str, aliases: Iterable[str] = (), *, pieces: Iterable[str] | None = None
) -> list[str]:
    """Every string a facility can be found by: each name in characters, in
    full pinyin and in initials (under both readings of a polyphone).
    `pieces`, if given, are the name cut in parts, read part by part."""
    parts: list[str] = []
    labels = [fold(name), *(fold(a) for a in aliases)]
    for index, label in enumerate(labels):
        if not label:
            continue
        parts.append(label)
        if index == 0 and pieces is not None:
            readings = _readings_of(fold(p) for p in pieces)
        else:
            readings = _readings(label)
        for syllables in readings:
            parts.append("".join(syllables))
            parts.append(_initials(syllables))
    return list(dict.fromkeys(p for p in parts if p))


def search_text_for(
    name: str, aliases: Iterable[str] = (), *, pieces: Iterable[str] | None = None
) -> str:
    return SEPARATOR.join(search_parts(name, aliases, pieces=pieces))


def index_values(
    name: str, aliases: Iterable[str] = (), *, pieces: Iterable[str] | None = None
) -> tuple[str, str, list[str]]:
    """(pinyin of the name for sorting, search_text, the grams of
    search_text: the name pieces of search_pieces)."""
    label = fold(name)
    readings = _readings_of(fold(p) for p in pieces) if pieces is not None else _readings(label)
    text = search_text_for(name, aliases, pieces=pieces)
    return "".join(readings[0]) if label else "", text, grams_of(text)


def filter_piece(name: str, value: str) -> str:
    """A filter's value as a piece: '|kind:pharmacy'. No name piece holds
    the separator, so the two never meet."""
    return f"{SEPARATOR}{name}:{value}"


def facility_pieces(
    grams: Iterable[str],
    *,
    province: str,
    city: str,
    kind: str,
    levels: Iterable[str],
    services: Iterable[str],
) -> list[str]:
    """Every piece a facility holds: the grams of its names and one piece per
    filter value it answers to (`levels`: models.level_values), sorted."""
    filters = [
        filter_piece("province", province),
        filter_piece("city", city),
        filter_piece("kind", kind),
        *(filter_piece("level", level) for level in levels),
        *(filter_piece("service", service) for service in services),
    ]
    return sorted({*grams, *filters})


_LATIN_RUN = re.compile(r"[\x00-\x7f]{3,}")


def grams_of(search_text: str) -> list[str]:
    """The distinct one- and two-character pieces of each part and the
    three-character pieces of its runs of Latin letters and digits (pieces
    never straddle a separator), sorted for a stable stored value."""
    grams: set[str] = set()
    for part in search_text.split(SEPARATOR):
        grams.update(part)
        grams.update(part[i : i + 2] for i in range(len(part) - 1))
        for run in _LATIN_RUN.findall(part):
            grams.update(run[i : i + 3] for i in range(len(run) - 2))
    return sorted(grams)


def query_grams(query: str, *, cover: bool = False) -> list[str]:
    """The pieces every match must contain: the character itself for a
    one-character query, each three-letter piece of a Latin query (pinyin,
    initials, digits) of three or more, else each two-character piece. A
    Latin query found inside a name lies inside one Latin run of a part, so
    its three-letter pieces are among that part's grams.

    With `cover`, only as many as cover the query end to end (``zho``,
    ``ngy``, ``gyi`` for zhongyi): what a search intersects, since with more
    than one piece the text is confirmed on the row anyway, and each piece
    left out is a posting not read."""
    if len(query) <= 1:
        return [query] if query else []
    size = 3 if len(query) >= 3 and query.isascii() else 2
    last = len(query) - size
    starts = [*range(0, last + 1, size if cover else 1), last]
    return sorted({query[i : i + size] for i in starts})
