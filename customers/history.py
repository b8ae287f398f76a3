"""Change history of customers written set-based (one simple-history row per customer, INSERT … SELECT).

Bulk writers (the customers import) cannot go through ``save()``; they write the same history rows as a
page edit, in the same transaction, from the rows as they are after the write.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from customers.models import Customer


def customer_history_insert(cursor, *, ids_sql: str, history_type_sql: str, reason: str, by_id: int | None,
                            params: dict | None = None) -> int:
    """Insert one history row per customer whose id ``ids_sql`` selects (columns ``id`` and whatever
    ``history_type_sql`` reads as ``ids.…``); returns the number of rows. ``ids_sql`` is fixed SQL
    of the caller; every value is a parameter."""
    historical = Customer.history.model
    customer_columns = {f.column for f in Customer._meta.concrete_fields if not f.generated}
    columns, values = [], []
    for field in historical._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        if field.column in customer_columns:
            values.append(f"c.{connection.ops.quote_name(field.column)}")
        elif field.name == "history_date":
            values.append("%(history_now)s")
        elif field.name == "history_change_reason":
            values.append("%(history_reason)s")
        elif field.name == "history_type":
            values.append(history_type_sql)
        elif field.name == "history_user":
            values.append("%(history_by)s")
        else:  # pragma: no cover - a new field on the historical model must be mapped here
            raise RuntimeError(f"unmapped history column {field.column}")
        columns.append(field.column)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    cursor.execute(
        f"""INSERT INTO {connection.ops.quote_name(historical._meta.db_table)} ({quoted})
            SELECT {", ".join(values)} FROM {Customer._meta.db_table} c JOIN ({ids_sql}) ids ON ids.id = c.id""",  # noqa: S608
        {**(params or {}), "history_reason": reason, "history_by": by_id, "history_now": timezone.now()},
    )
    return cursor.rowcount
