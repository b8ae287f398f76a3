"""Bulk loads into an indexed table: drop its secondary indexes, load, rebuild them.

Building an index over a finished table sorts once; maintaining it row by row during a bulk insert
costs a random index insert per row and index (at 1,000,000 rows, minutes instead of seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes that back no constraint (safe to drop and rebuild)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname
            """,
            [table],
        )
        return cursor.fetchall()


@contextmanager
def secondary_indexes_dropped(*tables: str) -> Iterator[None]:
    """Drop the tables' secondary indexes for the block and rebuild them (same names) after it.

    Call inside a transaction: if the block fails, the rollback restores the indexes.
    """
    dropped = [index for table in tables for index in secondary_indexes(table)]
    with connection.cursor() as cursor:
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in dropped:
            cursor.execute(definition)
