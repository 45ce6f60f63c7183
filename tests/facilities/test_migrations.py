"""Data migrations that compute search columns in SQL must agree with the
Python rules that compute them for new and changed rows."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, transaction

from facilities import postings
from facilities.models import Facility, Posting

postings_migration = importlib.import_module("facilities.migrations.0011_postings")


def stored() -> tuple[dict[int, tuple[int | None, list[str]]], dict[str, list[int]]]:
    facilities = {
        pk: (position, sorted(pieces))
        for pk, position, pieces in Facility.objects.values_list("pk", "position", "search_pieces")
    }
    return facilities, {p.piece: p.positions for p in Posting.objects.all()}


@pytest.mark.usefixtures("beijing")
def test_the_postings_migration_gives_what_the_python_rules_give() -> None:
    with transaction.atomic():
        postings.rebuild()
    expected = stored()
    with connection.cursor() as cursor:
        cursor.execute(postings_migration.NAME_PIECES_ONLY)
        cursor.execute("UPDATE facilities_facility SET position = NULL")
        cursor.execute("DELETE FROM facilities_posting")
    names_only = Facility.objects.get(code="BJA05").search_pieces
    assert "协和" in names_only and not any(p.startswith("|") for p in names_only)
    with connection.cursor() as cursor:
        cursor.execute(postings_migration.FILTER_PIECES)
        cursor.execute(postings_migration.POSTINGS)
    assert stored() == expected
