"""Helpers for engine tests: facts are the engine's input, so tests write CustomerMonth rows directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from customers.models import CustomerMonth
from segmentation.models import RuleVersion
from tests.factories import CustomerFactory

MONTH = dt.date(2024, 6, 1)
COUNTS = {"txn_count", "active_days", "card_txn_count", "card_use_count", "product_count"}


def fact(customer, month=MONTH, **values) -> CustomerMonth:
    """A month of facts for a customer; by default an active customer with nothing in the bank."""
    defaults = {"last_txn_date": month, "txn_count": 5, "active_days": 5}
    defaults.update(values)
    for key, value in list(defaults.items()):
        if key not in COUNTS and type(value) in (int, float, str):
            defaults[key] = Decimal(str(value))
    return CustomerMonth.objects.create(customer=customer, month=month, **defaults)


def individual(**kwargs):
    kwargs.setdefault("since", dt.date(2015, 1, 1))
    kwargs.setdefault("birth_date", dt.date(1980, 5, 5))
    return CustomerFactory(**kwargs)


def draft_version(**overrides) -> RuleVersion:
    """A published copy of the defaults with overrides, in force from 2000-01 (newer than v1)."""
    number = (RuleVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    values = {"number": number, "effective_month": dt.date(2000, 1, 1), "state": RuleVersion.State.PUBLISHED}
    values.update(overrides)
    return RuleVersion.objects.create(**values)
