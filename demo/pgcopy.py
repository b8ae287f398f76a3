"""Bulk writes through PostgreSQL COPY, with every column the caller does not supply filled from the model.

Filling the rest from the model's own defaults keeps the generators working when a
field is added later (a new ``CharField(blank=True)`` is NOT NULL with no database default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date | Decimal | int):
        return str(value) if not isinstance(value, datetime) else value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def model_filler(model: type[models.Model], supplied: Sequence[str]) -> dict[str, object]:
    """Column → constant for every concrete, writable column of ``model`` not in ``supplied``."""
    now = timezone.now()
    filler: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in supplied or getattr(field, "generated", False):
            continue
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            filler[field.column] = now
        elif field.has_default():
            filler[field.column] = field.get_db_prep_save(field.get_default(), connection)
        elif field.null:
            filler[field.column] = None
        elif isinstance(field, models.CharField | models.TextField):
            filler[field.column] = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    return filler


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, chunk: int = 20_000) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table; other columns get model defaults."""
    filler = model_filler(model, columns)
    extra_cols = list(filler)
    extra_text = "".join("\t" + _text(filler[c]) for c in extra_cols)
    all_cols = ", ".join(connection.ops.quote_name(c) for c in [*columns, *extra_cols])
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    connection.ensure_connection()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({all_cols}) FROM STDIN") as copy:  # noqa: S608 — quoted identifiers
            buffer: list[str] = []
            for row in rows:
                buffer.append("\t".join(_text(v) for v in row) + extra_text + "\n")
                count += 1
                if len(buffer) >= chunk:
                    copy.write("".join(buffer).encode())
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer).encode())
    return count
