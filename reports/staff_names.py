"""A staff member's display name in SQL, as the pages show it: 姓 + 名, else the username."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim


def staff_name(prefix: str, *, missing: str = ""):
    """``prefix`` is the path to the user (``"maintainer__"``, ``"assignee__"``)."""
    return Coalesce(NullIf(Trim(Concat(F(f"{prefix}last_name"), F(f"{prefix}first_name"))), Value("")),
                    F(f"{prefix}username"), Value(missing))
