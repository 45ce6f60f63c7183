"""The province-scoped pieces now include single characters (search.scoped_grams):
a one-character search within a province (房 in 广西) read the nationwide
list of 76,000 facilities holding 房 and intersected it with the province's
6,300; the scoped list holds the 2,374 there.

Recomputed in SQL from search_grams, the same rule as search.scoped_grams
(every piece, prefixed by the province code). On a large directory this
rewrites every row: run `manage.py cluster_facilities` afterwards to put the
rows back in rank order (facilities.ranked.put_in_rank_order)."""

from django.db import migrations

FORWARD = """
UPDATE facilities_facility
SET scoped_grams = ARRAY(
    SELECT coalesce(province_id, '') || ':' || piece
    FROM unnest(search_grams) WITH ORDINALITY AS u(piece, n)
    ORDER BY n
)
"""

BACKWARD = """
UPDATE facilities_facility
SET scoped_grams = ARRAY(
    SELECT coalesce(province_id, '') || ':' || piece
    FROM unnest(search_grams) WITH ORDINALITY AS u(piece, n)
    WHERE char_length(piece) >= 2
    ORDER BY n
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0009_lean_gin_indexes"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
