"""Table names for hand-written SQL, read from the models (``Model._meta.db_table``).

Raw SQL names its tables through ``table(Model)`` instead of literals, so a model's table has one name, in
its ``Meta``, and a renamed or moved table cannot leave a query behind (``tests/crm/test_sql_table_names.py``
fails on a literal). The project's table names are plain lower-case identifiers, written unquoted: the
generated SQL is the same text as the literals it replaces.
"""

from __future__ import annotations

from django.db import models

from crm.partitions import identifier


def table(model: type[models.Model]) -> str:
    """The model's table as it appears in SQL text (checked to be a plain identifier, so it needs no quoting)."""
    return identifier(model._meta.db_table)
