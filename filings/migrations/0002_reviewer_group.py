from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER = "审核员"
PERMISSIONS = [
    ("filings", "view_filing"),
    ("filings", "add_filing"),
    ("filings", "change_filing"),
    ("filings", "view_filingevent"),
    ("filings", "view_filingdocument"),
    ("filings", "view_filingsettings"),
    ("portal", "view_region"),
    ("portal", "view_insuranceregion"),
]


def forwards(apps, schema_editor):
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=REVIEWER)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial"), ("portal", "0002_load_regions"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
