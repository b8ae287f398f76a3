"""Assignments and tier changes lose their default partitions (see crm/partitions.py: ATTACH would lock them)."""

from django.db import migrations

from crm.partitions import default_partition_dissolve


def dissolve(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in ("segmentation_assignment", "segmentation_tierchange"):
            default_partition_dissolve(cursor, table)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0007_one_key_per_partition")]

    operations = [migrations.RunPython(dissolve)]
