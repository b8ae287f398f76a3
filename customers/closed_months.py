"""Whether a month is closed, asked by the customers app and answered by the app that closes months.

Closing is segmentation's (a layer above), so the balances import cannot import it; segmentation registers
its answer when the project starts (``segmentation.apps``). Without one the question fails rather than answer
"open" (a closed month must never be re-imported because a process missed the registration).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ImproperlyConfigured

_answer: Callable[[date], bool] | None = None


def closed_month_check_register(check: Callable[[date], bool]) -> None:
    """``check(first_day_of_month)`` tells whether that month is closed (a reopened month is not)."""
    global _answer
    _answer = check


def month_is_closed(month: date) -> bool:
    if _answer is None:
        raise ImproperlyConfigured("customers.closed_months: no closed-month check registered (segmentation app?)")
    return _answer(month.replace(day=1))
