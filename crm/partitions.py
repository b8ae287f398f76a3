"""Month partitions: a month's million rows built as one new table, then attached to its parent.

Inserting a month into a large indexed table maintains every index row by row (the month close's
assignments at 1,000,000 customers: ~19 s of the step for the write alone). ``CREATE TABLE … AS`` writes an
unindexed table (and, unlike ``INSERT … SELECT``, may run its SELECT in parallel workers); attaching it
builds each of the parent's indexes over the finished rows in one sort. A re-close drops the month's
partition instead of deleting a million rows.

Conventions: the parent is ``PARTITION BY RANGE (month)``; the month's partition is ``<parent>_YYYYMM``.
There is no default partition: ATTACH PARTITION would lock it (ACCESS EXCLUSIVE) until the close commits,
and every read across months (a customer's 13-month chart) would wait for the whole close. A row saved one
by one (tests) first creates its month's partition (``month_partition_ensure``). Everything runs in the
caller's transaction: a failure leaves no partition behind.
"""

# ruff: noqa: S608 - only identifier()-checked names, catalog types and ISO dates are put into SQL text.

from __future__ import annotations

import datetime as dt
import re

from django.db import connection, models

from crm.months import add_months

KEY = "month"
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def identifier(name: str) -> str:
    """``name`` if it is a plain lower-case SQL identifier (table names are put into SQL text)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def partition_name(parent: str, month: dt.date) -> str:
    return identifier(f"{parent}_{month:%Y%m}")


def month_row_id_sql(month: dt.date, customer: str = "e.customer_id") -> str:
    """The id of a row a month build writes for a customer: the month's index × 10^10 + the customer's id.

    Unique across months (customer ids stay below 10^10) and computed in the SELECT, because nextval() would
    keep the statement out of parallel workers. Rows written one by one draw theirs from the table's
    sequence, which stays far below.
    """
    return f"({month.year * 12 + month.month - 1}::bigint * 10000000000 + {customer})"


def partition_ddl(parent: str, month: dt.date) -> str:
    """CREATE TABLE of ``parent``'s empty partition for ``month``, unless it exists (migrations, bulk loads)."""
    return (f"CREATE TABLE IF NOT EXISTS {partition_name(parent, month)} PARTITION OF {identifier(parent)} "
            f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{add_months(month, 1):%Y-%m-%d}')")


def _columns(cursor, parent: str) -> list[tuple[str, str, bool]]:
    """(name, type with modifiers, NOT NULL) of the parent's columns, in order."""
    cursor.execute(
        """SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
           WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum""",
        [parent],
    )
    return cursor.fetchall()


def _checks(cursor, parent: str) -> list[tuple[str, str]]:
    """(name, definition) of the parent's CHECK constraints: a partition must carry each of them to attach."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
        [parent],
    )
    return cursor.fetchall()


def month_rows_drop(cursor, *, parent: str, month: dt.date) -> None:
    """Remove ``month``'s rows: drop its partition (which locks the parent until commit; a first close has none)."""
    cursor.execute(f"DROP TABLE IF EXISTS {partition_name(parent, month)}")


def month_partition_exists(cursor, *, parent: str, month: dt.date) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition_name(parent, month)])
    return cursor.fetchone()[0]


def month_partitions(cursor, *, parent: str) -> list[dt.date]:
    """The months ``parent`` has a partition for, in order."""
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                   " WHERE i.inhparent = %s::regclass", [identifier(parent)])
    suffixes = sorted(name.removeprefix(f"{parent}_") for (name,) in cursor.fetchall())
    return [dt.date(int(s[:4]), int(s[4:]), 1) for s in suffixes]


def month_partitions_since_drop(cursor, *, parent: str, month: dt.date) -> None:
    """Drop ``parent``'s partitions of ``month`` and every later month (locks the parent until commit)."""
    for later in [m for m in month_partitions(cursor, parent=parent) if m >= month]:
        cursor.execute(f"DROP TABLE {partition_name(parent, later)}")


class MonthPartitioned(models.Model):
    """A model whose table is partitioned by ``month``. Its rows are written set-based by the month close
    (``month_partition_build``), never saved one by one; code that does save single rows (tests) first
    creates the month's partition with ``month_partition_ensure``."""

    class Meta:
        abstract = True


def month_partition_ensure(model: type[models.Model], month: dt.date) -> None:
    """Create ``model``'s partition of ``month`` if it does not exist yet (for rows saved one by one)."""
    with connection.cursor() as cursor:
        cursor.execute(partition_ddl(model._meta.db_table, month.replace(day=1)))


def month_partition_build(cursor, *, parent: str, month: dt.date, select_sql: str, params: dict,
                          columns: list[str], computed: dict[str, str] | None = None,
                          statistics: list[str] | None = None) -> int:
    """Replace ``month``'s rows of ``parent`` with the rows of ``select_sql``; returns the row count.

    ``select_sql`` yields ``columns`` (each named like a column of the parent) and may read the month's
    current rows, which are dropped only after it ran; ``computed`` gives an SQL expression over them
    (``e.<column>``) for each other column of the parent (e.g. its id). Every value is cast to the parent's
    exact column type, which ATTACH PARTITION requires. ``statistics`` limits the new partition's ANALYZE to
    the columns queries filter, join or group on (all columns by default).
    """
    parent = identifier(parent)
    name = partition_name(parent, month)
    computed = computed or {}
    parent_columns = _columns(cursor, parent)
    missing = {c for c, _type, _notnull in parent_columns} - set(columns) - set(computed)
    if missing:
        raise ValueError(f"{parent}: no value for {sorted(missing)}")
    select = ", ".join(f"({computed.get(c, f'e.{c}')})::{type_} AS {c}" for c, type_, _notnull in parent_columns)
    # Built under a working name: select_sql may read the month's current rows, dropped only once it is done.
    work = identifier(f"{name}_new")
    cursor.execute(f"DROP TABLE IF EXISTS {work}")
    cursor.execute(
        f"CREATE TABLE {work} AS SELECT {select} FROM ({select_sql}) AS e({', '.join(map(identifier, columns))})",
        params,
    )
    count = cursor.rowcount
    lower, upper = f"'{month:%Y-%m-%d}'", f"'{add_months(month, 1):%Y-%m-%d}'"
    # One ALTER, one pass over the rows: the NOT NULLs and CHECKs the parent demands, and the partition bound
    # as a CHECK so that ATTACH need not scan the rows again to prove it.
    alters = [f"ALTER COLUMN {c} SET NOT NULL" for c, _type, notnull in parent_columns if notnull]
    alters += [f"ADD CONSTRAINT {identifier(con)} {definition}" for con, definition in _checks(cursor, parent)]
    alters.append(f"ADD CONSTRAINT {name}_bound CHECK ({KEY} >= {lower} AND {KEY} < {upper})")
    cursor.execute(f"ALTER TABLE {work} {', '.join(alters)}")
    month_rows_drop(cursor, parent=parent, month=month)
    cursor.execute(f"ALTER TABLE {work} RENAME TO {name}")
    cursor.execute(f"ALTER TABLE {parent} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})")
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bound")
    cursor.execute(f"ANALYZE {name} ({', '.join(map(identifier, statistics))})" if statistics else f"ANALYZE {name}")
    return count


def partition_by_month(cursor, table: str) -> None:
    """Turn a plain table into ``PARTITION BY RANGE (month)`` with its rows, keys and indexes (a migration step).

    The database key becomes ``(id, month)`` (a partitioned table's unique keys must include the partition
    key; Django keeps using ``id``), ``id`` takes its default from a sequence (PostgreSQL 15 has no identity
    columns on partitioned tables) and each month present gets its partition. Unique constraints must already
    include ``month``.
    """
    table = identifier(table)
    cursor.execute(f"SELECT DISTINCT {KEY} FROM {table} ORDER BY 1")
    months = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    next_id = int(cursor.fetchone()[0])
    cursor.execute(
        """SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
           WHERE k.conrelid = %s::regclass AND k.contype = 'u'""", [table])
    uniques = cursor.fetchall()
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = %s::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""", [table])
    indexes = cursor.fetchall()
    old = f"{table}_old"
    statements = [
        f"ALTER TABLE {table} RENAME TO {old}",
        f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY IF EXISTS",
        f"ALTER TABLE {old} RENAME CONSTRAINT {table}_pkey TO {old}_pkey",
        *[f"ALTER TABLE {old} RENAME CONSTRAINT {identifier(name)} TO {identifier(name)}_old" for name, _d in uniques],
        *[f"ALTER INDEX {identifier(name)} RENAME TO {identifier(name)}_old" for name, _d in indexes],
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ({KEY})",
        f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id",
        f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')",
        f"SELECT setval('{table}_id_seq', {next_id}, false)",
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {KEY})",
        *[f"ALTER TABLE {table} ADD CONSTRAINT {identifier(name)} {definition}" for name, definition in uniques],
        *[definition for _name, definition in indexes],  # captured before the rename: "… ON public.<table> …"
        *[partition_ddl(table, month) for month in months],
        f"INSERT INTO {table} SELECT * FROM {old}",
        f"DROP TABLE {old}",
    ]
    for statement in statements:
        cursor.execute(statement)

