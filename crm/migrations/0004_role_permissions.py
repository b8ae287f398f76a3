"""Assign model permissions to the role groups (by codename; re-synced after every migrate, see crm.apps)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def assign(apps, schema_editor):
    from crm.roles import assign_role_permissions

    # Permissions are normally created after all migrations; create those of the models known so far now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    assign_role_permissions(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_access_audit_handover"),
        ("customers", "0003_history"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(assign, migrations.RunPython.noop)]
