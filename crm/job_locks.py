"""Locks of month-level jobs (a close, a reopen, that month's balance import).

``month_lock_key`` is the jobs' lock key of a month: a second request is refused before it is even queued
(crm.services.jobs). ``month_session_lock`` holds the month for a job's whole run: a PostgreSQL *session*
advisory lock, released when the work ends or its process dies (a killed worker never leaves a month
locked). Issue 10 (branch s10) adds ``crm.month_lock``, a transaction-level lock the services take
themselves; once it is on main this session lock is a second, redundant guard (another key space) and may go.
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
def month_session_lock(month: date) -> Iterator[None]:
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
