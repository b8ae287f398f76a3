"""Boundary and rule tests of the set-based engine (facts → assignments)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.months import add_months
from customers.models import MonthlyBalance
from segmentation import engine
from segmentation.facts import customer_months_build
from segmentation.models import Assignment, RuleVersion, TierChange
from tests.factories import AccountFactory, CustomerFactory
from tests.segmentation.factories import MONTH, draft_version, fact, individual


def run(month=MONTH, version=None):
    version = version or RuleVersion.objects.get(number=1)
    engine.assignments_insert(version=version, month=month)
    return {a.customer_id: a for a in Assignment.objects.filter(month=month)}


def rich(org, **kwargs):
    """A stable, active, well-rated customer (so the scores do not make them negative)."""
    kwargs.setdefault("credit_rating", "AAA")
    kwargs.setdefault("income_band", "top")
    return individual(org_unit=org, **kwargs)


@pytest.mark.parametrize(
    ("aum", "tier"),
    [
        ("0.00", "regular"), ("99999.99", "regular"), ("100000.00", "gold"), ("999999.99", "gold"),
        ("1000000.00", "platinum"), ("4999999.99", "platinum"), ("5000000.00", "diamond"),
    ],
)
def test_asset_tier_thresholds_are_lower_inclusive(org_tree, aum, tier):
    customer = rich(org_tree["OUT-A"])
    fact(customer, aum_avg=aum, aum_end=aum, max_balance=aum)
    assert run()[customer.pk].asset_tier == tier


@pytest.mark.parametrize(
    ("aum", "band"),
    [
        ("49999.99", ""), ("50000.00", "staff"), ("99999.99", "staff"), ("100000.00", "adopted"),
        ("199999.99", "adopted"), ("200000.00", "wealth"), ("1999999.99", "wealth"), ("2000000.00", "wealth_centre"),
    ],
)
def test_maintenance_band_thresholds(org_tree, aum, band):
    customer = rich(org_tree["OUT-A"])
    fact(customer, aum_avg=aum, max_balance=aum)
    assert run()[customer.pk].maintenance_band == band


@pytest.mark.parametrize(
    ("values", "in_programme"),
    [
        ({"loan_end": "300000.00"}, True), ({"loan_end": "299999.99"}, False),
        ({"loan_end": "-300000.00"}, True),  # core banking may deliver loans as negative balances
        ({"margin_end": "10000.00"}, True), ({"margin_end": "9999.99"}, False),
        ({"card_spend": "50000.00", "holds_card": True, "card_use_count": 9, "sole_deposit_balance": 500}, True),
        ({"card_spend": "49999.99", "holds_card": True, "card_use_count": 9, "sole_deposit_balance": 500}, False),
    ],
)
def test_programme_entry_criteria_other_than_aum(org_tree, values, in_programme):
    customer = rich(org_tree["OUT-A"])
    fact(customer, aum_avg="1000.00", max_balance="1000.00", **values)
    band = run()[customer.pk].maintenance_band
    assert (band == "staff") is in_programme


def test_card_annual_spend_sums_twelve_months(org_tree):
    customer = rich(org_tree["OUT-A"])
    for back in range(12):
        fact(customer, add_months(MONTH, -back), card_spend="4166.67", holds_card=True, card_use_count=5,
             sole_deposit_balance=500)
    fact(customer, add_months(MONTH, -12), card_spend="99999.00", holds_card=True)  # 13th month back: not counted
    assert run()[customer.pk].maintenance_band == "staff"  # 12 × 4,166.67 = 50,000.04


@pytest.mark.parametrize(("birth", "band"), [(dt.date(1964, 6, 30), "adopted"), (dt.date(1964, 7, 1), "staff")])
def test_staff_band_age_limit_sixty_at_month_end(org_tree, birth, band):
    customer = rich(org_tree["OUT-A"], birth_date=birth)
    fact(customer, aum_avg="60000.00", max_balance="60000.00")
    assert run()[customer.pk].maintenance_band == band


def test_customer_without_balances_is_regular_dormant_negative(org_tree):
    customer = rich(org_tree["OUT-A"], since=dt.date(2010, 1, 1))
    assignment = run()[customer.pk]
    assert (assignment.asset_tier, assignment.value_segment, assignment.maintenance_band) == ("regular", "negative", "")
    assert assignment.negative_rule == "dormant"


def test_new_customer_without_balances_is_not_dormant(org_tree):
    customer = rich(org_tree["OUT-A"], since=dt.date(2024, 5, 10))
    assert run()[customer.pk].negative_rule == ""


@pytest.mark.parametrize(
    ("last_txn", "balance", "dormant"),
    [
        (dt.date(2023, 12, 31), "299.99", True),   # nothing in 2024-01 … 2024-06: six months
        (dt.date(2024, 1, 1), "299.99", False),
        (dt.date(2023, 12, 31), "300.00", False),
    ],
)
def test_dormant_rule_alone(org_tree, last_txn, balance, dormant):
    customer = rich(org_tree["OUT-A"])
    fact(customer, last_txn_date=last_txn, max_balance=balance, aum_avg=balance, txn_count=0, active_days=0)
    assignment = run()[customer.pk]
    assert (assignment.negative_rule == "dormant") is dormant
    if dormant:
        assert assignment.value_segment == "negative"
        assert dict(assignment.negative_evidence)["单账户最高余额"] == balance
        assert dict(assignment.negative_evidence)["最后交易日"] == last_txn


@pytest.mark.parametrize(
    ("uses", "spend", "balance", "fires"),
    [
        (1, "79.99", "100.00", True), (2, "79.99", "100.00", False), (1, "80.00", "100.00", False),
        (5, "500.00", "99.99", True),
    ],
)
def test_inactive_card_rule_alone(org_tree, uses, spend, balance, fires):
    customer = rich(org_tree["OUT-A"], since=MONTH)  # a one-month relationship: the 3-month average is this month
    fact(customer, aum_avg=5000, max_balance=5000, holds_card=True, card_use_count=uses, card_spend=spend,
         sole_deposit_balance=balance)
    assert (run()[customer.pk].negative_rule == "inactive_card") is fires


@pytest.mark.parametrize(("count", "fires"), [(1, False), (2, True)])
def test_bad_credit_rule_alone(org_tree, count, fires):
    customer = rich(org_tree["OUT-A"], bad_credit_count=count)
    for back in range(6):  # six steady months: the scores alone would not make the customer negative
        fact(customer, add_months(MONTH, -back), aum_avg=500000, max_balance=500000, active_days=20, product_count=4)
    assignment = run()[customer.pk]
    assert (assignment.negative_rule == "bad_credit") is fires
    assert (assignment.value_segment == "negative") is fires


def test_malicious_overdraft_rule_alone(org_tree):
    flagged = rich(org_tree["OUT-A"], malicious_overdraft=True)
    clean = rich(org_tree["OUT-A"])
    for customer in (flagged, clean):
        fact(customer, aum_avg=500000, max_balance=500000)
    result = run()
    assert result[flagged.pk].negative_rule == "malicious_overdraft"
    assert result[flagged.pk].value_segment == "negative"
    assert result[clean.pk].negative_rule == ""


def test_disabled_negative_rule_does_not_fire(org_tree):
    version = draft_version(overdraft_enabled=False)
    customer = rich(org_tree["OUT-A"], malicious_overdraft=True)
    fact(customer, aum_avg=500000, max_balance=500000)
    assert run(version=version)[customer.pk].negative_rule == ""


def test_scores_cutoffs_give_the_four_segments(org_tree):
    version = draft_version(profit_cutoff=Decimal("50.00"), stability_cutoff=Decimal("50.00"))
    customer = rich(org_tree["OUT-A"])
    fact(customer, aum_avg=500000, max_balance=500000, product_count=3, active_days=20, contribution=3000,
         fee_income=600)
    a = run(version=version)[customer.pk]
    assert a.profit_score >= 50 and a.stability_score >= 50
    assert a.value_segment == "vip"
    # each indicator's value and points are kept for the explanation
    assert a.indicators["contribution"] == [3000.0, 100.0]
    assert a.indicators["credit_rating"] == [100, 100.0]


def test_profit_cutoff_is_lower_inclusive(org_tree):
    customer = rich(org_tree["OUT-A"])
    fact(customer, aum_avg=500000, max_balance=500000, product_count=3, active_days=20)
    score = run()[customer.pk].profit_score
    Assignment.objects.all().delete()
    at = draft_version(profit_cutoff=score, stability_cutoff=Decimal(0))
    assert run(version=at)[customer.pk].value_segment == "vip"
    Assignment.objects.all().delete()
    above = draft_version(profit_cutoff=score + Decimal("0.01"), stability_cutoff=Decimal(0))
    assert run(version=above)[customer.pk].value_segment == "mass"


def test_grace_period_keeps_tier_for_n_months_then_downgrades(org_tree):
    version = draft_version(downgrade_grace_months=2)
    customer = rich(org_tree["OUT-A"])
    months = [add_months(MONTH, n) for n in range(4)]
    fact(customer, months[0], aum_avg=1500000, max_balance=1500000)
    for m in months[1:]:
        fact(customer, m, aum_avg=150000, max_balance=150000, last_txn_date=m)
    tiers = []
    for m in months:
        a = run(month=m, version=version)[customer.pk]
        tiers.append((a.asset_tier, a.raw_asset_tier, a.grace_months_used))
    assert tiers == [
        ("platinum", "platinum", 0), ("platinum", "gold", 1), ("platinum", "gold", 2), ("gold", "gold", 0),
    ]


def test_zero_grace_downgrades_immediately_and_records_change(org_tree):
    customer = rich(org_tree["OUT-A"])
    prev = add_months(MONTH, -1)
    fact(customer, prev, aum_avg=1500000, max_balance=1500000, last_txn_date=prev)
    fact(customer, aum_avg=150000, max_balance=150000)
    run(month=prev)
    assert run()[customer.pk].asset_tier == "gold"
    engine.tier_changes_insert(month=MONTH)
    change = TierChange.objects.get(field="asset_tier")
    assert (change.from_value, change.to_value, change.direction) == ("platinum", "gold", "down")


@pytest.mark.parametrize(
    ("metric", "tier"), [("avg", "regular"), ("end", "gold"), ("avg3", "gold")],
)
def test_asset_metric_choice(org_tree, metric, tier):
    version = draft_version(asset_metric=metric)
    customer = rich(org_tree["OUT-A"])
    fact(customer, add_months(MONTH, -2), aum_avg=200000, last_txn_date=add_months(MONTH, -2))
    fact(customer, add_months(MONTH, -1), aum_avg=200000, last_txn_date=add_months(MONTH, -1))
    fact(customer, aum_avg="50000.00", aum_end="100000.00", max_balance=100000)
    # 3-month average: (200000 + 200000 + 50000) / 3 = 150000
    assert run(version=version)[customer.pk].asset_tier == tier


@pytest.mark.parametrize(
    ("credit", "assets", "capital", "size"),
    [
        (True, "30000000000.00", None, "extra_large"), (True, "29999999999.99", None, "large"),
        (True, "60000000.00", None, "medium"), (True, "59999999.99", None, "small"),
        (True, "9999999.99", None, "micro"),
        (True, None, "100000000.00", "large"),  # credit customer with no statement: registered capital
        (False, "99999999999999.00", "5000000000.00", "extra_large"),
        (False, None, "4999999999.99", "large"), (False, None, "4999999.99", "micro"),
        (False, None, None, "micro"),
    ],
)
def test_corporate_size(org_tree, credit, assets, capital, size):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate", credit_customer=credit,
                               total_assets=assets and Decimal(assets), registered_capital=capital and Decimal(capital))
    a = run()[customer.pk]
    assert a.corporate_size == size
    assert (a.asset_tier, a.value_segment, a.maintenance_band) == ("", "", "")


@pytest.mark.parametrize(("level", "size"), [("provincial", "large"), ("municipal", "medium"), ("township", "small")])
def test_institution_size_by_admin_level(org_tree, level, size):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="institution", admin_level=level)
    assert run()[customer.pk].corporate_size == size


@pytest.mark.parametrize(
    ("deposit", "target", "klass"),
    [
        ("200000000.00", None, "class_1"), ("199999999.99", None, "class_2"), ("1.00", "200000000.00", "class_1"),
        ("50000000.00", None, "class_2"), ("49999999.99", None, "class_3"),
    ],
)
def test_deposit_classes(org_tree, deposit, target, klass):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate", target_credit=target and Decimal(target))
    fact(customer, deposit_avg=deposit)
    assert run()[customer.pk].deposit_class == klass


@pytest.mark.parametrize(
    ("contribution", "products", "klass"),
    [
        ("500000.00", 4, "strategic"), ("499999.99", 4, "premium"), ("500000.00", 3, "premium"),
        ("10000.00", 2, "effective"), ("9999.99", 2, "nurture"), ("0.00", 1, "nurture"), ("-0.01", 5, "adjust"),
        ("100.00", 0, "adjust"),
    ],
)
def test_corporate_classes(org_tree, contribution, products, klass):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate")
    fact(customer, contribution=contribution, product_count=products)
    assert run()[customer.pk].corporate_class == klass


def test_corporate_without_statement_or_facts_gets_defaults(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate", credit_customer=True)
    a = run()[customer.pk]
    assert (a.corporate_size, a.deposit_class, a.corporate_class) == ("micro", "class_3", "adjust")


def test_negative_evidence_is_labelled_and_rounded_half_up():
    """Read from the recorded basis: a 3-month average of 0.025 shows 0.03, as SQL's round() would."""
    card = Assignment(negative_rule="inactive_card", card_uses_3m=1, card_spend_3m=Decimal("0.05"), facts_3m=2,
                      holds_card=True, sole_deposit_balance=Decimal("1234.5"), aum_avg=Decimal("20000"))
    assert card.negative_evidence == [("近3个月月均用卡次数", "0.50"), ("近3个月月均消费额", "0.03"),
                                      ("唯一存款账户月末余额", "1,234.50"), ("月日均金融资产", "20,000.00")]
    # a month closed before the revision recorded the credit card's balance
    old = Assignment(negative_rule="inactive_card", card_uses_3m=1, card_spend_3m=Decimal("0.05"), facts_3m=2,
                     card_balance=Decimal("1234.5"), aum_avg=Decimal("20000"))
    assert ("信用卡账户余额", "1,234.50") in old.negative_evidence
    assert Assignment(negative_rule="").negative_evidence == []


# ---------------------------------------------------------------- revised negative rules (domain.md §3.2)

def idle_card_fact(customer, month=MONTH, *, aum: str, **values):
    """A cardholder who never uses the card: the inactive-bank-card rule's condition (a) holds."""
    values.setdefault("last_txn_date", month)
    return fact(customer, month, aum_avg=aum, aum_end=aum, max_balance=aum, holds_card=True, card_use_count=0,
                card_spend=0, **values)


@pytest.mark.parametrize(("aum", "fires"), [("49999.99", True), ("50000.00", False), ("5000000.00", False)])
def test_inactive_card_fires_only_below_the_low_value_ceiling(org_tree, aum, fires):
    customer = rich(org_tree["OUT-A"], since=MONTH)
    idle_card_fact(customer, aum=aum)
    assignment = run()[customer.pk]
    assert (assignment.negative_rules == ["inactive_card"]) is fires
    if fires:
        assert assignment.value_segment == "negative"


@pytest.mark.parametrize(("aum", "fires"), [("49999.99", True), ("50000.00", False)])
def test_dormant_fires_only_below_the_low_value_ceiling(org_tree, aum, fires):
    customer = rich(org_tree["OUT-A"])
    # no transaction for years, every account under 300 — but the AUM (a wealth product) decides
    fact(customer, aum_avg=aum, max_balance="299.99", last_txn_date=dt.date(2020, 1, 1))
    assert (run()[customer.pk].negative_rule == "dormant") is fires


def test_low_value_ceiling_is_a_rule_version_parameter(org_tree):
    version = draft_version(low_value_aum_max=Decimal("100000.00"))
    customer = rich(org_tree["OUT-A"], since=MONTH)
    idle_card_fact(customer, aum="99999.99")
    assert run(version=version)[customer.pk].negative_rule == "inactive_card"
    assert run()[customer.pk].negative_rule == ""  # v1: 5万


@pytest.mark.parametrize("aum", ["0.00", "5000000.00"])
def test_risk_rules_fire_whatever_the_wealth(org_tree, aum):
    customer = rich(org_tree["OUT-A"], malicious_overdraft=True, bad_credit_count=2, since=MONTH)
    fact(customer, aum_avg=aum, aum_end=aum, max_balance=aum)
    assignment = run()[customer.pk]
    assert assignment.negative_rules == ["malicious_overdraft", "bad_credit"]
    assert assignment.value_segment == "negative"


def test_every_rule_that_fires_is_recorded_risk_rules_first(org_tree):
    customer = rich(org_tree["OUT-A"], malicious_overdraft=True, since=dt.date(2015, 1, 1))
    idle_card_fact(customer, aum="100.00", last_txn_date=dt.date(2020, 1, 1), sole_deposit_balance="50.00")
    assignment = run()[customer.pk]
    assert assignment.negative_rules == ["malicious_overdraft", "dormant", "inactive_card"]
    assert assignment.negative_rule == assignment.first_negative_rule == "malicious_overdraft"
    explained = [(e["code"], str(e["label"])) for e in assignment.negative_explanations]
    assert explained == [("malicious_overdraft", "恶意透支/逃避债务"), ("dormant", "睡眠户"),
                         ("inactive_card", "低效银行卡")]
    evidence = dict(assignment.negative_explanations[2]["evidence"])
    assert evidence["唯一存款账户月末余额"] == "50.00"


@pytest.mark.parametrize(("balance", "fires"), [("99.99", True), ("100.00", False), (None, False)])
def test_inactive_card_balance_reads_the_only_deposit_account(org_tree, balance, fires):
    """A busy cardholder: only condition (b) can fire; a credit card's balance (money owed) is never read."""
    customer = rich(org_tree["OUT-A"], since=MONTH)
    fact(customer, aum_avg="99.99", max_balance="99.99", holds_card=True, card_use_count=9, card_spend=500,
         card_balance=0, sole_deposit_balance=balance)
    assert (run()[customer.pk].negative_rule == "inactive_card") is fires


def test_card_use_counts_debit_card_transactions(org_tree):
    """Close a real month from balances: 2 transactions a month on the 活期 account are enough card use."""
    customer = rich(org_tree["OUT-A"], since=MONTH)
    demand = AccountFactory(customer=customer, account_type="demand")
    card = AccountFactory(customer=customer, account_type="credit_card")
    for account, txns, end in [(demand, 2, "3000.00"), (card, 0, "0.00")]:
        MonthlyBalance.objects.create(month=MONTH, account=account, customer=customer,
                                      account_type=account.account_type, month_end_balance=Decimal(end),
                                      avg_daily_balance=Decimal(end), txn_count=txns, last_txn_date=MONTH)
    customer_months_build(month=MONTH)
    assert run()[customer.pk].negative_rule == ""
    MonthlyBalance.objects.filter(account=demand).update(txn_count=1)
    customer_months_build(month=MONTH)
    assert run()[customer.pk].negative_rule == "inactive_card"  # 1 use and no spend


def test_window_average_counts_months_without_balances_as_zero(org_tree):
    """600万 in m−2 and nothing since: the 3-month average is 200万 (白金), not 600万 (钻石)."""
    version = draft_version(asset_metric="avg3")
    customer = rich(org_tree["OUT-A"], since=dt.date(2015, 1, 1))
    fact(customer, add_months(MONTH, -2), aum_avg="6000000.00", max_balance="6000000.00")
    assignment = run(version=version)[customer.pk]
    assert assignment.asset_metric_value == Decimal("2000000.00")
    assert assignment.asset_tier == "platinum"


def test_window_average_starts_with_the_relationship(org_tree):
    """A customer of one month is averaged over that month only (not diluted by months before they came)."""
    version = draft_version(asset_metric="avg3")
    customer = rich(org_tree["OUT-A"], since=dt.date(2024, 6, 15))
    fact(customer, aum_avg="5000000.00", max_balance="5000000.00")
    assert run(version=version)[customer.pk].asset_tier == "diamond"


@pytest.mark.parametrize(("aum3", "tier"), [("5000000.00", "diamond"), ("4999999.99", "platinum")])
def test_three_month_metric_boundary(org_tree, aum3, tier):
    version = draft_version(asset_metric="avg3")
    customer = rich(org_tree["OUT-A"], since=dt.date(2015, 1, 1))
    for back in range(3):
        fact(customer, add_months(MONTH, -back), aum_avg=aum3, max_balance=aum3)
    assert run(version=version)[customer.pk].asset_tier == tier
