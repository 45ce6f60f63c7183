from django.contrib.auth.management import create_permissions
from django.db import migrations

# The agency reviewers' group (made by filings) also reviews manual
# reimbursements and reads settlement records and the money report on them.
REVIEWER = "审核员"
PERMISSIONS = [
    ("claims", "view_settlement"),
    ("claims", "view_reimbursement"),
    ("claims", "change_reimbursement"),
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
    dependencies = [
        ("claims", "0002_settlements_and_reimbursements"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
