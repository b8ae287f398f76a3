"""The SQL engine equals the naive Python reference, customer by customer, on random populations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.months import add_months
from customers.models import CustomerMonth
from segmentation import engine
from segmentation.models import Assignment, RuleVersion
from tests.factories import CustomerFactory
from tests.segmentation import reference
from tests.segmentation.factories import MONTH

CLOSED = [add_months(MONTH, -2), add_months(MONTH, -1), MONTH]
# 15 months of facts: the last close subtracts the facts leaving its 12-month window (2023-06) from its history.
HISTORY = [add_months(MONTH, -n) for n in range(14, -1, -1)]  # 2023-04 … 2024-06

# Amounts near every threshold, plus anything in between.
EDGES = ["0", "299.99", "300", "49999.99", "50000", "99999.99", "100000", "199999.99", "200000", "999999.99",
         "1000000", "1999999.99", "2000000", "4999999.99", "5000000"]
amounts = st.one_of(
    st.sampled_from([Decimal(x) for x in EDGES]),
    st.decimals(min_value=0, max_value=6_000_000, places=2, allow_nan=False, allow_infinity=False),
)
small_amounts = st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False, allow_infinity=False)

month_facts = st.fixed_dictionaries({
    "aum_avg": amounts,
    "aum_end": amounts,
    "loan_end": st.sampled_from([Decimal(0), Decimal("-300000"), Decimal("299999.99"), Decimal("300000")]),
    "margin_end": st.sampled_from([Decimal(0), Decimal("9999.99"), Decimal("10000")]),
    "holds_card": st.booleans(),
    "card_use_count": st.integers(0, 7),
    "card_spend": st.sampled_from([Decimal(0), Decimal("79.99"), Decimal("80"), Decimal("5000")]),
    "sole_deposit_balance": st.sampled_from([None, Decimal(0), Decimal("99.99"), Decimal("100"), Decimal("800")]),
    "active_days": st.integers(0, 25),
    "product_count": st.integers(0, 8),
    "contribution": small_amounts,
    "fee_income": small_amounts,
    "max_balance": st.sampled_from([Decimal("0"), Decimal("299.99"), Decimal("300"), Decimal("100000")]),
    "txn_lag_months": st.integers(0, 15),
})

customer_profile = st.fixed_dictionaries({
    "kind": st.sampled_from(["individual"] * 4 + ["corporate", "institution"]),
    "birth_date": st.one_of(st.none(), st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31))),
    "since": st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2024, 6, 30)),
                       st.sampled_from(HISTORY[-6:])),  # relationships that began inside the windows
    "credit_rating": st.sampled_from(["", "AAA", "AA", "A", "BBB", "BB", "B", "C"]),
    "income_band": st.sampled_from(["", "low", "middle", "high", "top"]),
    "bad_credit_count": st.integers(0, 3),
    "malicious_overdraft": st.booleans(),
    "credit_customer": st.booleans(),
    "total_assets": st.one_of(st.none(), st.sampled_from([Decimal("9999999.99"), Decimal("60000000"),
                                                          Decimal("30000000000")])),
    "registered_capital": st.one_of(st.none(), st.sampled_from([Decimal("5000000"), Decimal("100000000")])),
    "target_credit": st.one_of(st.none(), st.sampled_from([Decimal("200000000")])),
    "admin_level": st.sampled_from(["", "provincial", "municipal", "township"]),
    "months": st.dictionaries(st.sampled_from(HISTORY), month_facts, max_size=len(HISTORY)),
})

version_params = st.fixed_dictionaries({
    "asset_metric": st.sampled_from(["avg", "end", "avg3"]),
    "downgrade_grace_months": st.integers(0, 2),
    "profit_cutoff": st.sampled_from([Decimal(30), Decimal(45), Decimal(60)]),
    "stability_cutoff": st.sampled_from([Decimal(30), Decimal(45), Decimal(60)]),
    "low_value_aum_max": st.sampled_from([Decimal("50000.00"), Decimal("1000000.00")]),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(population=st.lists(customer_profile, min_size=1, max_size=6), params=version_params)
def test_engine_matches_reference_customer_by_customer(org_tree, population, params):
    with transaction.atomic():
        version = RuleVersion.objects.create(number=900, effective_month=dt.date(2000, 1, 1),
                                             state=RuleVersion.State.PUBLISHED, **params)
        customers, facts_of = [], {}
        for profile in population:
            months = profile.pop("months")
            customer = CustomerFactory(org_unit=org_tree["OUT-A"], **profile)
            customers.append(customer)
            facts_of[customer.pk] = {}
            for month, values in months.items():
                values = dict(values)
                lag = values.pop("txn_lag_months")
                values["last_txn_date"] = add_months(month, -lag)
                facts_of[customer.pk][month] = CustomerMonth.objects.create(customer=customer, month=month, **values)

        # three consecutive months: the grace period and the previous month's tier are exercised, and the
        # history of the first is aggregated from the facts, the others' rolled forward from it
        for month in CLOSED:
            engine.assignments_insert(version=version, month=month)
        got = {(a.customer_id, a.month): a for a in Assignment.objects.filter(rule_version=version)}

        for customer in customers:
            prev = None
            for month in CLOSED:
                expected = reference.assign(version=version, month=month, customer=customer,
                                            facts=facts_of[customer.pk], prev=prev)
                actual = got[(customer.pk, month)]
                for field in ["asset_tier", "value_segment", "maintenance_band", "negative_rule", "negative_rules",
                              "corporate_size", "deposit_class", "corporate_class"]:
                    assert getattr(actual, field) == expected[field], (customer.kind, month, field)
                if customer.kind == "individual":
                    assert actual.asset_metric_value == expected["asset_metric_value"]
                    assert actual.raw_asset_tier == expected["raw_asset_tier"]
                    assert actual.grace_months_used == expected["grace_months_used"]
                    assert actual.profit_score == expected["profit_score"]
                    assert actual.stability_score == expected["stability_score"]
                    for code, pts in expected["points"].items():
                        assert Decimal(str(actual.indicators[code][1])) == pts, code
                prev = expected
        transaction.set_rollback(True)
