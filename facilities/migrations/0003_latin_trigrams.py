"""Add the three-letter pieces of Latin runs to every facility's search_grams
(facilities.search: pinyin queries of three letters or more search by them)."""

from django.db import migrations

BATCH = 5000


def recompute_grams(apps, schema_editor):
    from facilities.search import grams_of

    Facility = apps.get_model("facilities", "Facility")
    connection = schema_editor.connection
    last = 0
    while True:
        rows = list(
            Facility.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "search_text")[:BATCH]
        )
        if not rows:
            break
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE facilities_facility SET search_grams = %s WHERE id = %s",
                [(grams_of(text), pk) for pk, text in rows],
            )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("facilities", "0002_drop_trigram_index")]

    operations = [migrations.RunPython(recompute_grams, migrations.RunPython.noop)]
