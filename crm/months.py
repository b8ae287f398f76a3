"""Reporting months: the one parser of 'YYYY-MM' for forms, commands and services, and month arithmetic."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _


class MonthFormatError(ValueError):
    """A month that is not a real YYYY-MM; the message is the Chinese text shown to the user."""


def month_parse(value: str) -> dt.date:
    """'2024-06' → date(2024, 6, 1); MonthFormatError (in Chinese) for anything else, year 0 included."""
    try:
        parsed = dt.datetime.strptime(str(value).strip(), "%Y-%m")  # noqa: DTZ007 — a calendar month, not an instant
    except ValueError:
        raise MonthFormatError(
            _("月份格式错误：%(value)s（应为 YYYY-MM，例如 2025-01）") % {"value": value}
        ) from None
    return parsed.date()


def add_months(month: dt.date, n: int) -> dt.date:
    """First day of the month ``n`` months after ``month`` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``."""
    return add_months(month, 1) - dt.timedelta(days=1)


def month_days(month: dt.date) -> int:
    """How many days ``month`` has (the contribution formulas' 当月天数)."""
    return month_end(month).day
