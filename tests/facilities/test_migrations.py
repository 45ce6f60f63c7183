"""Data migrations that recompute search columns in SQL must agree with the
Python rule that computes them for new and changed rows."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from facilities import search
from facilities.models import Facility

scoped_single_characters = importlib.import_module(
    "facilities.migrations.0010_scoped_single_characters"
)


@pytest.mark.usefixtures("beijing")
def test_the_scoped_pieces_migration_gives_what_search_scoped_grams_gives() -> None:
    with connection.cursor() as cursor:
        cursor.execute(scoped_single_characters.BACKWARD)
    before = Facility.objects.get(code="BJA05")  # 北京协和医院
    assert "110000:协" not in before.scoped_grams  # the old rule: two characters and up
    assert "110000:协和" in before.scoped_grams
    with connection.cursor() as cursor:
        cursor.execute(scoped_single_characters.FORWARD)
    for facility in Facility.objects.all():
        assert facility.scoped_grams == search.scoped_grams(
            facility.search_grams, facility.province_id
        ), facility.name
