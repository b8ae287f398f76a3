"""segmentation_assignment and segmentation_tierchange become PARTITION BY RANGE (month).

The close builds each month's rows as a table of their own and attaches it (crm/partitions.py). Django's
models are unchanged (``id`` stays the key Django uses); in the database the key is ``(id, month)``.
"""

from django.db import migrations

from crm.partitions import partition_by_month


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in ("segmentation_assignment", "segmentation_tierchange"):
            partition_by_month(cursor, table)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0005_assignment_customer_basis")]

    operations = [migrations.RunPython(partition)]
