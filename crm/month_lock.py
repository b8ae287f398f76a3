"""One lock per month: the balance import, the month close and reopen of one month run one after the other.

A transaction-level PostgreSQL advisory lock keyed on the month. It is released by the commit or rollback
of the transaction that took it (never held by a crashed process) and costs no table row. Usage, inside
``transaction.atomic()``::

    month_lock(month=date(2026, 11, 1), action=_("导入余额"))   # MonthBusy when another holds it

The background-jobs code takes it the same way around its own month-level work.
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


def _key(month: dt.date) -> int:
    return month.year * 100 + month.month


def month_lock(*, month: dt.date, action: str) -> None:
    """Take the month's lock for the current transaction, or raise MonthBusy at once if another holds it.

    ``action`` is what the caller is trying to do (e.g. "月结"), named in its refusal. Must be called inside
    ``transaction.atomic()``: the lock lasts until that transaction ends.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("month_lock() must be called inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [MONTH_LOCK_NAMESPACE, _key(month)])
        (taken,) = cursor.fetchone()
    if not taken:
        raise MonthBusy(
            _("%(month)s 正在进行余额导入、月结或重新打开，无法同时%(action)s；请等待其完成后再试。")
            % {"month": f"{month:%Y-%m}", "action": action}
        )
