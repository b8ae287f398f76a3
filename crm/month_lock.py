"""One lock per month for month-level work (a close, a reopen, that month's balance import).

A PostgreSQL session advisory lock: held by the connection doing the work, released when the work ends
or when its process dies (a killed worker never leaves a month locked). Jobs also carry the month in
their ``lock_key`` so a second request is refused before it is even queued (crm.services.jobs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

# First key of the two-int advisory lock: the project's space for month locks.
MONTH_LOCK_SPACE = 15_001


class MonthLocked(Exception):
    """Another month-level piece of work holds the month; the message says so (Chinese)."""


def month_lock_key(month: date) -> str:
    """The jobs' lock key of a month ("month:2026-10"): closes, reopens and balance imports share it."""
    return f"month:{month:%Y-%m}"


@contextmanager
def month_lock(month: date) -> Iterator[None]:
    """Hold the month for the duration of the block; MonthLocked at once if someone else holds it."""
    key = month.year * 100 + month.month
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [MONTH_LOCK_SPACE, key])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise MonthLocked(_("%(month)s 正在进行其他月度作业（月结、重新打开或余额导入），请等待其完成后再试。")
                          % {"month": f"{month:%Y-%m}"})
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [MONTH_LOCK_SPACE, key])
        except DatabaseError:
            pass  # the session is gone, and its lock with it
