"""customers_customermonth loses its default partition (see crm/partitions.py: ATTACH would lock it)."""

from django.db import migrations

from crm.partitions import default_partition_dissolve


def dissolve(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        default_partition_dissolve(cursor, "customers_customermonth")


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_one_key_per_partition")]

    operations = [migrations.RunPython(dissolve)]
