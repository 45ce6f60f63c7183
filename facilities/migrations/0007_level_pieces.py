"""The level-scoped gram index for nationwide lookups (facilities.ranked).

facility_level_pieces() turns a facility's grams, kind and services into
pieces prefixed by its level ('r33:医院': real 三级甲等; 's00:|k:pharmacy': a
demo pharmacy with no level; 'r33:|': every real 三级甲等 row). The GIN index
on it finds the matches of one level directly, and its statistics (target
1000: the counts of the 10,000 most common pieces) tell facilities.ranked
which levels to walk and which to look up. Building it on 200,000 facilities
took 14 s, and ANALYZE with that target 14 s (autovacuum runs it after
large changes; generate_facilities and import_facilities run it at once).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION facility_level_pieces(
    grams text[], kind text, services text[], synthetic boolean, tier smallint, grade smallint
) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    prefix text := CASE WHEN synthetic THEN 's' ELSE 'r' END || tier || grade || ':';
BEGIN
    RETURN ARRAY(
        SELECT prefix || piece
        FROM unnest(
            grams || ARRAY['|', '|k:' || kind] || ARRAY(SELECT '|s:' || s FROM unnest(services) s)
        ) piece
    );
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0006_gin_grade"),
        ("portal", "0005_alter_user_options_user_staff_treatment_regions"),
    ]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            reverse_sql="DROP FUNCTION facility_level_pieces(text[], text, text[], boolean, smallint, smallint)",
        ),
        migrations.AddIndex(
            model_name="facility",
            index=django.contrib.postgres.indexes.GinIndex(
                models.Func(
                    models.F("search_grams"),
                    models.F("kind"),
                    models.F("services"),
                    models.F("is_synthetic"),
                    models.F("tier"),
                    models.F("grade"),
                    function="facility_level_pieces",
                    output_field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), size=None
                    ),
                ),
                name="facility_level_pieces",
            ),
        ),
        migrations.RunSQL(
            "ALTER INDEX facility_level_pieces ALTER COLUMN 1 SET STATISTICS 1000",
            reverse_sql=migrations.RunSQL.noop,
        ),
        # A lookup is a few short queries: starting parallel workers for one
        # of them cost 5 ms, more than the query.
        migrations.RunSQL(
            "ALTER TABLE facilities_facility SET (parallel_workers = 0)",
            reverse_sql="ALTER TABLE facilities_facility RESET (parallel_workers)",
        ),
    ]
