from django.db import migrations


def forwards(apps, schema_editor):
    from portal.reference import load_regions

    load_regions(apps.get_model("portal", "Region"), apps.get_model("portal", "InsuranceRegion"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
