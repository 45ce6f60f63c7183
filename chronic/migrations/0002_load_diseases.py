from django.db import migrations


def forwards(apps, schema_editor):
    from chronic.diseases import load_diseases

    load_diseases(apps.get_model("chronic", "ChronicDisease"))


class Migration(migrations.Migration):
    dependencies = [("chronic", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
