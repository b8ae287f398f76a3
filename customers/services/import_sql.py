"""SQL checks both imports run on their staging tables."""

# ruff: noqa: S608 - only this package's staging table and column names are put into SQL text.

from __future__ import annotations

from django.utils.translation import gettext as _

from customers.importers.results import RowError


def repeated_keys(cursor, table: str, key: str, header: str, what: str) -> list[RowError]:
    """Rows repeating a key already given on an earlier row of the same file.

    A hash aggregate first asks whether any key repeats: the window that names the rows sorts every row,
    a second or more at a million rows, and a clean file has no repeats.
    """
    cursor.execute(f"SELECT EXISTS (SELECT FROM {table} WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1)")
    if not cursor.fetchone()[0]:
        return []
    cursor.execute(
        f"""SELECT row, {key}, first_row FROM (
                SELECT row, {key}, min(row) OVER (PARTITION BY {key}) AS first_row FROM {table}
                WHERE {key} IS NOT NULL) s
            WHERE row <> first_row"""
    )
    return [
        RowError(row, header, _("%(what)s“%(v)s”与第 %(first)s 行重复。") % {"what": what, "v": value, "first": first})
        for row, value, first in cursor.fetchall()
    ]
