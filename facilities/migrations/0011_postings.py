"""Facility search through postings (facilities.postings): the intarray
extension, a `position` per facility in rank order, one sorted int[] of
positions per search piece, and the filter values among each facility's
pieces. The level-scoped, province-scoped and name GIN indexes of
migrations 0005-0010, their SQL function and the per-province rank indexes
go: the postings answer what they answered.

FILTER_PIECES and POSTINGS give, in SQL, what search.facility_pieces and
postings.rebuild give in Python (tests/facilities/test_migrations.py).
"""

import importlib

import django.contrib.postgres.fields
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

level_pieces = importlib.import_module("facilities.migrations.0007_level_pieces")

FILTER_PIECES = """
UPDATE facilities_facility SET search_pieces = ARRAY(
    SELECT DISTINCT piece FROM unnest(
        search_pieces
        || ARRAY['|province:' || province_id, '|city:' || city_id, '|kind:' || kind,
                 '|level:' || tier]
        || CASE WHEN grade = 3 THEN ARRAY['|level:' || tier || 'a'] ELSE '{}'::text[] END
        || ARRAY(SELECT '|service:' || service FROM unnest(services) AS service)
    ) AS piece ORDER BY piece
)
"""
NAME_PIECES_ONLY = """
UPDATE facilities_facility SET search_pieces = ARRAY(
    SELECT piece FROM unnest(search_pieces) AS piece WHERE piece NOT LIKE '|%%' ORDER BY piece
)
"""
POSTINGS = """
UPDATE facilities_facility AS f
SET position = ranked.n * (2147483647 / (SELECT count(*) + 1 FROM facilities_facility))
FROM (
    SELECT id, row_number() OVER (ORDER BY is_synthetic, tier DESC, grade DESC, pinyin, id) AS n
    FROM facilities_facility
) AS ranked
WHERE f.id = ranked.id;
INSERT INTO facilities_posting (piece, positions)
SELECT piece, sort(array_agg(position))
FROM facilities_facility, unnest(search_pieces) AS piece
GROUP BY piece;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0010_scoped_single_characters"),
    ]

    operations = [
        CreateExtension("intarray"),
        migrations.RemoveIndex(model_name="facility", name="facility_search_grams"),
        migrations.RemoveIndex(model_name="facility", name="facility_level_pieces"),
        migrations.RemoveIndex(model_name="facility", name="facility_scoped_grams"),
        migrations.RemoveIndex(model_name="facility", name="facility_province_rank"),
        migrations.RemoveIndex(model_name="facility", name="facility_city_rank"),
        migrations.RunSQL(
            "DROP FUNCTION facility_level_pieces(text[], text, text[], boolean, smallint, smallint)",
            reverse_sql=level_pieces.FUNCTION,
        ),
        migrations.RemoveField(model_name="facility", name="scoped_grams"),
        migrations.RenameField(
            model_name="facility", old_name="search_grams", new_name="search_pieces"
        ),
        migrations.RunSQL(FILTER_PIECES, reverse_sql=NAME_PIECES_ONLY),
        migrations.AddField(
            model_name="facility",
            name="position",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="facility",
            constraint=models.UniqueConstraint(
                deferrable=models.Deferrable["IMMEDIATE"],
                fields=("position",),
                name="facility_position",
            ),
        ),
        migrations.CreateModel(
            name="Posting",
            fields=[
                ("piece", models.TextField(primary_key=True, serialize=False)),
                (
                    "positions",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), size=None
                    ),
                ),
            ],
        ),
        migrations.RunSQL(POSTINGS, reverse_sql=migrations.RunSQL.noop),
    ]
