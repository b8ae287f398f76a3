"""customers_customermonth becomes PARTITION BY RANGE (month): the close builds each month's facts as a table.

See crm/partitions.py and segmentation/migrations/0006 (the same for assignments and tier changes).
"""

from django.db import migrations

from crm.partitions import partition_by_month


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        partition_by_month(cursor, "customers_customermonth")


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_customer_standing")]

    operations = [migrations.RunPython(partition)]
