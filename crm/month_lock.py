"""One lock per month: the balance import, the month close and reopen of one month run one after the other.

Two guards, one module, both keyed on the month:

- ``month_lock`` — a transaction-level PostgreSQL advisory lock that the services themselves take
  (``balances_import``, ``month_close``, ``month_reopen``) at the start of their one transaction, whoever calls
  them: a page, the admin, a command or a background job. It is released by the commit or rollback (never
  held by a crashed process: a dropped connection ends its transaction) and costs no table row. A second
  writer of the month is refused at once with ``MonthBusy``. Usage, inside ``transaction.atomic()``::

      month_lock(month=date(2026, 11, 1), action=_("导入余额"))   # MonthBusy when another holds it

- ``month_lock_key`` — the same month as a job's lock key (``Job.lock_key``, also procrastinate's ``lock``):
  a second close, reopen or balance import of the month is refused before it is even queued, and a queued
  job never runs twice at once (docs/jobs.md "Guards").

The jobs hold no lock of their own around the service: each month-level job's work is one service call,
so the service's lock covers it.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

# The first key of the two-int advisory lock: a namespace for month locks ("MNTH"), so other advisory
# locks of the application (keyed differently) never collide with them.
MONTH_LOCK_NAMESPACE = 0x4D4E5448


class MonthBusy(Exception):
    """Another transaction holds the month's lock; the message says so in Chinese."""


def month_lock_key(month: dt.date) -> str:
    """The jobs' lock key of a month ("month:2026-10"): closes, reopens and balance imports share it."""
    return f"month:{month:%Y-%m}"


def _advisory_key(month: dt.date) -> int:
    return month.year * 100 + month.month


def month_lock(*, month: dt.date, action: str) -> None:
    """Take the month's lock for the current transaction, or raise MonthBusy at once if another holds it.

    ``action`` is what the caller is trying to do (e.g. "月结"), named in its refusal. Must be called inside
    ``transaction.atomic()``: the lock lasts until that transaction ends.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("month_lock() must be called inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [MONTH_LOCK_NAMESPACE, _advisory_key(month)])
        (taken,) = cursor.fetchone()
    if not taken:
        raise MonthBusy(
            _("%(month)s 正在进行余额导入、月结或重新打开，无法同时%(action)s；请等待其完成后再试。")
            % {"month": f"{month:%Y-%m}", "action": action}
        )
