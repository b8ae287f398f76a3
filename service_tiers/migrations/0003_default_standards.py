"""Published service standards version 1 with the defaults of domain.md §4, task rules and call scripts."""

from django.db import migrations

from service_tiers.defaults import standards_defaults_create


def forwards(apps, schema_editor):
    standards_defaults_create(apps)


class Migration(migrations.Migration):
    dependencies = [("service_tiers", "0002_standards_calendar_scripts")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
