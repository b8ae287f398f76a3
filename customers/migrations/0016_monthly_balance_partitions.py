"""customers_monthlybalance becomes PARTITION BY RANGE (month): the balances import builds a month as a table.

Like 0009 for the customer facts (crm/partitions.py). The (month, customer) index goes first: within a month's
partition the customer key alone serves the same queries, and each index is one more sort per imported month.
"""

from django.db import migrations

from crm.partitions import partition_by_month


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        partition_by_month(cursor, "customers_monthlybalance")
        # The rows were copied into new partitions without statistics; where autovacuum is off (or slow to come)
        # the planner would read a customer's balances by scanning every partition (1.4 s for a 360 page at 1M).
        cursor.execute("ANALYZE customers_monthlybalance")


class Migration(migrations.Migration):
    dependencies = [("customers", "0015_merge_20261201_0325")]

    operations = [
        migrations.RemoveIndex(model_name="monthlybalance", name="monthly_balance_month_cust"),
        migrations.RunPython(partition),
    ]
