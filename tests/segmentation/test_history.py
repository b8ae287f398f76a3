"""The customers' history (segmentation_rollinghistory): rolled forward month by month, equal to aggregating the facts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection

from crm.months import add_months
from crm.partitions import month_partition_exists, month_partitions_since_drop
from customers.models import CustomerMonth
from segmentation import engine, services
from segmentation.engine import HISTORY_TABLE
from segmentation.models import Assignment
from tests.segmentation.factories import MONTH, fact, individual

CLOSES = [add_months(MONTH, -n) for n in range(3, -1, -1)]  # 2024-03 … 2024-06


def _history_rows(sql: str, month: dt.date) -> dict[int, tuple]:
    columns = ", ".join(engine.HISTORY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({sql}) h ORDER BY customer_id", engine._month_params(month))
        return {row[0]: row[2:] for row in cursor.fetchall()}


def test_rolled_history_equals_history_aggregated_from_all_facts(org_tree):
    """Facts over 17 months with gaps: every month's rolled history equals the aggregate over all its facts."""
    rng = random.Random(7)
    customers = [individual(org_unit=org_tree["OUT-A"]) for _ in range(6)]
    for customer in customers:
        for back in range(16, -1, -1):
            month = add_months(MONTH, -back)
            if rng.random() < 0.3:  # a month without balances: no facts row
                continue
            fact(customer, month, aum_avg=Decimal(rng.randint(0, 90_000_000)) / 100,
                 card_spend=Decimal(rng.randint(0, 500_000)) / 100, card_use_count=rng.randint(0, 9), holds_card=rng.random() < 0.5,
                 last_txn_date=None if rng.random() < 0.2 else add_months(month, -rng.randint(0, 14)))
    with connection.cursor() as cursor:
        rolled = [engine.history_build(cursor, month=month) for month in CLOSES]
        assert rolled == [False, True, True, True]  # the first aggregates (no history before it), the rest roll
        _assert_history_equals_facts_aggregate(CLOSES)
        # Two months' histories dropped (as after a re-close of the first): the next rolls over the gap.
        month_partitions_since_drop(cursor, parent=HISTORY_TABLE, month=CLOSES[1])
        assert engine.history_build(cursor, month=CLOSES[3]) is True
        _assert_history_equals_facts_aggregate(CLOSES)
        # The latest history more than ROLL_GAP_MAX months back: aggregated again.
        month_partitions_since_drop(cursor, parent=HISTORY_TABLE, month=CLOSES[0])
        engine.history_build(cursor, month=add_months(CLOSES[3], -engine.ROLL_GAP_MAX - 1))
        assert engine.history_build(cursor, month=CLOSES[3]) is False
        _assert_history_equals_facts_aggregate(CLOSES[3:])


def _assert_history_equals_facts_aggregate(months):
    for month in months:
        stored = _history_rows(engine.HISTORY_STORED_SQL, month)
        full = _history_rows(engine.HISTORY_FULL_SQL, month)
        assert {k: v for k, v in stored.items() if k in full} == full, month
        # customers without any facts get an empty history
        assert all(v[:-1] == (0, 0, 0, 0, None, 0, 0, 0, 0) and v[-1] is None
                   for k, v in stored.items() if k not in full)


def test_last_activity_reaches_back_beyond_twelve_months(org_tree):
    """Dormancy reads the latest transaction ever reported, also when it is older than the 12-month window."""
    customer = individual(org_unit=org_tree["OUT-A"])
    old = add_months(MONTH, -14)
    fact(customer, old, last_txn_date=dt.date(2023, 4, 20), aum_avg=100, max_balance=100)
    fact(customer, MONTH, last_txn_date=None, aum_avg=100, max_balance=100, txn_count=0, active_days=0)
    services.month_close(month=MONTH, build_facts=False)
    assignment = Assignment.objects.get(customer=customer, month=MONTH)
    assert assignment.negative_rule == "dormant"
    assert assignment.last_activity == dt.date(2023, 4, 20)


def test_rebuilt_facts_drop_the_later_history_and_the_next_close_aggregates_again(org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    prev = add_months(MONTH, -1)
    for month in (add_months(MONTH, -2), prev, MONTH):
        fact(customer, month, aum_avg=300_000, max_balance=300_000)
    services.month_close(month=prev, build_facts=False)
    services.month_close(month=MONTH, build_facts=False)
    assert Assignment.objects.get(customer=customer, month=MONTH).aum_avg3 == Decimal("300000.00")

    # An earlier month's facts rebuilt (its re-close): the history after it summed the old facts.
    CustomerMonth.objects.filter(customer=customer, month=prev).update(aum_avg=600_000)
    services.month_reopen(month=prev, reason="补录余额")
    version = services.rule_version_in_force(month=prev)
    services._facts_build(month=prev, version=version)
    with connection.cursor() as cursor:
        assert not month_partition_exists(cursor, parent=HISTORY_TABLE, month=prev)
        assert not month_partition_exists(cursor, parent=HISTORY_TABLE, month=MONTH)

    services.month_reopen(month=MONTH, reason="重算")
    services.month_close(month=MONTH, build_facts=False)
    assert Assignment.objects.get(customer=customer, month=MONTH).aum_avg3 == Decimal("400000.00")
