from django.db import migrations


class Migration(migrations.Migration):
    """Leave room in each page of the account table.

    Every monthly balances import rewrites each account's current balance. With free space in the
    page PostgreSQL makes those HOT updates (no new entries in the account table's four indexes),
    which halves the import's account step at a million accounts.
    """

    dependencies = [("customers", "0004_sort_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE customers_account SET (fillfactor = 70);",
            reverse_sql="ALTER TABLE customers_account RESET (fillfactor);",
        )
    ]
