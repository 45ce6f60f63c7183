"""Text search over facility names: pure functions, no ORM.

A facility is found by a piece of its name or an alias in Chinese characters,
in full pinyin (``xiehe``) or in pinyin initials (``xh`` finds 协和). Each
facility stores one lower-case ``search_text`` (names, pinyin and initials,
separated by ``|``) and the set of one- and two-character pieces of it,
plus the three-letter pieces of its Latin runs (``search_grams``). A query's
pieces narrow the candidates through a GIN index on ``search_grams`` (which
also holds province, city, kind, tier and services, so filters intersect
inside the index); a ``LIKE`` on ``search_text`` then keeps only real
substring matches.

Why three letters for pinyin: two Chinese characters are already a rare
piece (协和), but two letters are not: ``ng`` is in 97% of the names, and
``xiehe`` through its two-letter pieces matched 4,272 candidates for 2
results, each read from the table to be checked. Its three-letter pieces
(xie, ieh, ehe) leave a handful.

Why not pg_trgm: trigrams cannot index one- and two-character queries
(``协和``, ``xh``: most Chinese names people type), and with 200,000
facilities a trigram index combined with the bigram one made filtered
searches slower, not faster (facilities migration 0002, README "Benchmarks").
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
    """(pinyin of the name for sorting, search_text, search_grams)."""
    label = fold(name)
    readings = _readings_of(fold(p) for p in pieces) if pieces is not None else _readings(label)
    text = search_text_for(name, aliases, pieces=pieces)
    return "".join(readings[0]) if label else "", text, grams_of(text)


def scoped_grams(grams: Iterable[str], province: str) -> list[str]:
    """Every piece again, prefixed by the province code (``340000:人民``,
    ``340000:房``), stored in their own column with their own index
    (``scoped_grams``). A search within a province looks these up: each
    one's list of facilities is about 1/30 of the nationwide list, which is
    what the index has to intersect. Single characters too (facilities
    migration 0010): 房 in 广西 read the nationwide list of 76,000 to keep
    2,374 (page and count 22 ms, now 10). A separate column, not more
    entries in ``search_grams``: doubling that array pushed it out of line
    (TOAST) and slowed the nationwide searches that check it row by row."""
    return [f"{province}:{g}" for g in grams]


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


def query_grams(query: str) -> list[str]:
    """The pieces every match must contain: the character itself for a
    one-character query, each three-letter piece of a Latin query (pinyin,
    initials, digits) of three or more, else each two-character piece. A
    Latin query found inside a name lies inside one Latin run of a part, so
    its three-letter pieces are among that part's grams."""
    if len(query) <= 1:
        return [query] if query else []
    size = 3 if len(query) >= 3 and query.isascii() else 2
    return sorted({query[i : i + size] for i in range(len(query) - size + 1)})
