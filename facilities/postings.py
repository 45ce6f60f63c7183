"""Keeping the postings current, in the transaction of each write.

Every facility has a `position`: an int that orders like
FacilityQuerySet.ranked, with gaps between neighbours. Each posting
(models.Posting) holds the positions of the facilities that hold its piece.
A write to the directory goes:

    postings.lock()                    # one directory write at a time
    before = postings.entries(ids)     # what the facilities hold now
    ...save, create or delete...
    postings.update(before, ids)       # their postings, in the same transaction

`update` gives a new or re-ranked facility (renamed, another level) a free
position between its neighbours, so no other facility moves, then takes
the old positions out of the postings and puts the new ones in. When a gap
has no room left, `rebuild` numbers every facility again, spread evenly
over the int range, and writes every posting from `search_pieces`; bulk
loads (demo data, the migration) call it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection

from facilities.models import Facility, Posting

FACILITIES = Facility._meta.db_table
POSTINGS = Posting._meta.db_table
# Positions run from 1 to the largest int4 (intarray holds int4 only).
LAST_POSITION = 2**31 - 1
# What decides a facility's place in rank order (FacilityQuerySet.ranked).
RANK_FIELDS = ("is_synthetic", "tier", "grade", "pinyin")


@dataclass(frozen=True)
class Entry:
    """A facility as the postings see it."""

    position: int | None
    rank: tuple[Any, ...]
    pieces: frozenset[str]


def lock() -> None:
    """Wait for any other write to the directory to commit, and keep others
    waiting until this one does: two writes reading the same posting before
    either changes it would lose one change. Searches are not blocked."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {POSTINGS} IN SHARE ROW EXCLUSIVE MODE")


def entries(ids: Iterable[int]) -> dict[int, Entry]:
    """These facilities' positions, rank and pieces as stored now."""
    rows = Facility.objects.filter(pk__in=list(ids)).values_list(
        "pk", "position", "search_pieces", *RANK_FIELDS
    )
    return {
        pk: Entry(position, tuple(rank), frozenset(pieces)) for pk, position, pieces, *rank in rows
    }


def update(before: dict[int, Entry], ids: Iterable[int]) -> None:
    """Bring the postings up to date after a write to `ids` (created,
    changed or deleted), given the `entries` read before it."""
    after = entries(ids)
    moving = {
        pk
        for pk, entry in after.items()
        if entry.position is None or pk not in before or entry.rank != before[pk].rank
    }
    if moving:
        placed = _place(moving)
        if placed is None:
            rebuild()
            return
        _set_positions(placed)
        after = {
            pk: replace(entry, position=placed.get(pk, entry.position))
            for pk, entry in after.items()
        }
    held, holds = _held(before.values()), _held(after.values())
    _change(removed=held - holds, added=holds - held)


def _held(facilities: Iterable[Entry]) -> set[tuple[str, int]]:
    """(piece, position) for every piece each facility holds."""
    return {(p, f.position) for f in facilities if f.position is not None for p in f.pieces}


def _place(moving: set[int]) -> dict[int, int] | None:
    """Positions for the `moving` facilities, spread evenly over the gap
    between the neighbours that keep theirs; None when a gap is too small
    (or a facility outside `moving` has no position)."""
    placed: dict[int, int] = {}
    run: list[int] = []
    previous = 0
    order = Facility.objects.ranked().values_list("pk", "position")
    for pk, position in [*order, (None, LAST_POSITION + 1)]:
        if pk in moving:
            run.append(pk)
            continue
        if position is None:
            return None
        if run:
            step = (position - previous) // (len(run) + 1)
            if step == 0:
                return None
            placed.update((pk, previous + step * n) for n, pk in enumerate(run, start=1))
            run = []
        previous = position
    return placed


def _set_positions(positions: dict[int, int]) -> None:
    # One statement: a facility may take a position another gives up.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FACILITIES} AS f SET position = new.position"  # noqa: S608 (model table names)
            " FROM unnest(%s::bigint[], %s::int[]) AS new(id, position) WHERE f.id = new.id",
            [list(positions), list(positions.values())],
        )


def _int_array(values: list[int]) -> str:
    return "{" + ",".join(map(str, sorted(values))) + "}"


def _change(*, removed: set[tuple[str, int]], added: set[tuple[str, int]]) -> None:
    """Take the `removed` positions out of their pieces' postings and put
    the `added` ones in, one statement for all the pieces."""
    out: dict[str, list[int]] = defaultdict(list)
    into: dict[str, list[int]] = defaultdict(list)
    for piece, position in removed:
        out[piece].append(position)
    for piece, position in added:
        into[piece].append(position)
    pieces = sorted(out.keys() | into.keys())
    if not pieces:
        return
    changes = [
        pieces,
        [_int_array(out.get(piece, [])) for piece in pieces],
        [_int_array(into.get(piece, [])) for piece in pieces],
    ]
    change = "unnest(%s::text[], %s::text[], %s::text[]) AS change(piece, removed, added)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {POSTINGS} AS p"  # noqa: S608 (model table names)
            " SET positions = (p.positions - change.removed::int[]) | change.added::int[]"
            f" FROM {change} WHERE p.piece = change.piece",
            changes,
        )
        cursor.execute(
            f"INSERT INTO {POSTINGS} (piece, positions)"  # noqa: S608
            f" SELECT change.piece, sort(change.added::int[]) FROM {change}"
            f" WHERE change.added <> '{{}}' ON CONFLICT (piece) DO NOTHING",
            changes,
        )
        cursor.execute(
            f"DELETE FROM {POSTINGS} WHERE piece = ANY(%s) AND positions = '{{}}'",  # noqa: S608
            [pieces],
        )


def rebuild() -> None:
    """Number every facility again in rank order, spread evenly over the int
    range, and write every posting from the facilities' `search_pieces`."""
    lock()
    ids = list(Facility.objects.ranked().values_list("pk", flat=True))
    step = LAST_POSITION // (len(ids) + 1)
    _set_positions({pk: step * n for n, pk in enumerate(ids, start=1)})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {POSTINGS}")  # noqa: S608 (searches keep reading the old ones)
        cursor.execute(
            f"INSERT INTO {POSTINGS} (piece, positions)"  # noqa: S608
            " SELECT piece, sort(array_agg(position))"
            f" FROM {FACILITIES}, unnest(search_pieces) AS piece GROUP BY piece"
        )
