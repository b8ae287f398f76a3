from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from customers.models import CustomerMonth, MonthlyBalance
from segmentation.facts import customer_months_build
from tests.factories import AccountFactory, CustomerFactory

JAN = date(2025, 1, 1)
FEB = date(2025, 2, 1)


def balance(customer, account_type: str, month: date = JAN, *, end: str, avg: str, rate: str | None = None,
            **extra) -> MonthlyBalance:
    account = AccountFactory(customer=customer, account_type=account_type)
    return MonthlyBalance.objects.create(
        month=month, account=account, customer=customer, account_type=account_type,
        month_end_balance=Decimal(end), avg_daily_balance=Decimal(avg),
        annual_rate=Decimal(rate) if rate is not None else None, **extra,
    )


@pytest.fixture
def people(org_tree):
    unit = org_tree["OUT-A"]
    x = CustomerFactory(customer_no="X", org_unit=unit)
    y = CustomerFactory(customer_no="Y", org_unit=unit)
    z = CustomerFactory(customer_no="Z", org_unit=unit)
    balance(x, "demand", end="110000", avg="100000", rate="0.30", txn_count=5, txn_days=4,
            last_txn_date=date(2025, 1, 20))
    balance(x, "time", end="200000", avg="200000", rate="1.75")
    balance(x, "wealth", end="52000", avg="50000", fee_income=Decimal("120.00"))
    balance(x, "loan", end="295000", avg="300000", rate="4.35", txn_count=1, txn_days=1,
            last_txn_date=date(2025, 1, 25))
    balance(x, "credit_card", end="2000", avg="1500", card_spend=Decimal("3456.78"), txn_count=12, txn_days=9,
            activated=True, last_txn_date=date(2025, 1, 28))
    balance(x, "custody_margin", end="12000", avg="10000")
    balance(y, "demand", end="40000", avg="36000", rate="0")
    balance(y, "demand", FEB, end="36000", avg="36000", rate="0")
    balance(y, "loan", FEB, end="100000", avg="100000")  # no rate: priced at FTP, no contribution
    AccountFactory(customer=z)  # an account but no balances: no fact row
    return x, y, z


def test_facts_of_a_customer_with_every_kind_of_account(people):
    x, y, z = people

    written = customer_months_build(month=JAN)

    assert written == 2
    fact = CustomerMonth.objects.get(customer=x, month=JAN)
    assert (fact.aum_end, fact.aum_avg) == (Decimal("374000.00"), Decimal("360000.00"))
    assert (fact.deposit_end, fact.deposit_avg) == (Decimal("310000.00"), Decimal("300000.00"))
    assert (fact.loan_end, fact.loan_avg) == (Decimal("295000.00"), Decimal("300000.00"))
    assert (fact.margin_end, fact.margin_avg) == (Decimal("12000.00"), Decimal("10000.00"))
    assert (fact.card_balance, fact.card_spend, fact.card_txn_count) == (Decimal("2000.00"), Decimal("3456.78"), 12)
    assert fact.has_card is True and fact.card_activated is True
    # bank cards: the debit card's 活期 and the credit card (5 + 12 transactions); two deposit accounts: no sole one
    assert (fact.card_use_count, fact.holds_card, fact.sole_deposit_balance) == (17, True, None)
    assert (fact.txn_count, fact.active_days, fact.last_txn_date) == (18, 9, date(2025, 1, 28))
    assert (fact.max_balance, fact.product_count) == (Decimal("295000.00"), 6)
    # 100000×(2.50−0.30)%/360×31 = 189.444… ; 200000×(2.50−1.75)%/360×31 = 129.166… → 318.61
    assert fact.deposit_contribution == Decimal("318.61")
    # 300000×(4.35−2.50)%/360×31 = 477.916… → 477.92
    assert fact.loan_contribution == Decimal("477.92")
    assert fact.fee_income == Decimal("120.00")
    assert fact.contribution == Decimal("916.53")
    assert not CustomerMonth.objects.filter(customer=z).exists()


def test_customer_without_card_and_two_months(people):
    _x, y, _z = people

    customer_months_build(month=JAN)
    customer_months_build(month=FEB)

    jan = CustomerMonth.objects.get(customer=y, month=JAN)
    feb = CustomerMonth.objects.get(customer=y, month=FEB)
    assert jan.has_card is False and jan.card_activated is None and jan.card_balance == Decimal("0")
    # 36000×2.50%/360×31 = 77.50 ; February has 28 days: 70.00
    assert jan.deposit_contribution == Decimal("77.50") and jan.contribution == Decimal("77.50")
    assert feb.deposit_contribution == Decimal("70.00") and feb.loan_contribution == Decimal("0.00")
    assert (feb.aum_avg, feb.loan_end, feb.product_count) == (Decimal("36000.00"), Decimal("100000.00"), 2)


def test_rebuild_is_idempotent_and_follows_ftp(people):
    x, *_ = people
    customer_months_build(month=JAN)

    customer_months_build(month=JAN, deposit_ftp=Decimal("3.00"), loan_ftp=Decimal("3.00"))

    assert CustomerMonth.objects.filter(month=JAN).count() == 2
    fact = CustomerMonth.objects.get(customer=x, month=JAN)
    # 100000×2.70%/360×31 = 232.50 ; 200000×1.25%/360×31 = 215.277… → 447.78
    assert fact.deposit_contribution == Decimal("447.78")
    # 300000×1.35%/360×31 = 348.75
    assert fact.loan_contribution == Decimal("348.75")
    assert fact.contribution == Decimal("916.53")


def test_rebuild_keeps_the_month_facts_of_customers_without_balance_rows(people):
    x, _y, z = people
    kept = CustomerMonth.objects.create(customer=z, month=JAN, aum_avg=Decimal("123.45"), product_count=1)
    customer_months_build(month=JAN)  # the month becomes its own partition: z's row comes along, x's is rebuilt
    customer_months_build(month=JAN)

    assert CustomerMonth.objects.filter(month=JAN).count() == 3
    again = CustomerMonth.objects.get(customer=z, month=JAN)
    assert (again.pk, again.aum_avg, again.product_count) == (kept.pk, Decimal("123.45"), 1)
    assert CustomerMonth.objects.get(customer=x, month=JAN).aum_avg == Decimal("360000.00")


def test_bank_card_facts_read_the_only_deposit_account_never_the_credit_card(people):
    _x, y, _z = people
    payer = CustomerFactory(customer_no="P", org_unit=y.org_unit)
    # a cardholder who pays in full (credit card balance 0) with one 活期 account of 5,000
    balance(payer, "credit_card", end="0", avg="0", txn_count=1, card_spend=Decimal("60.00"))
    balance(payer, "demand", end="5000", avg="5000", txn_count=0)
    only_card = CustomerFactory(customer_no="Q", org_unit=y.org_unit)
    balance(only_card, "credit_card", end="50", avg="50", txn_count=0)

    customer_months_build(month=JAN)

    payer_fact = CustomerMonth.objects.get(customer=payer, month=JAN)
    assert (payer_fact.card_use_count, payer_fact.holds_card) == (1, True)
    assert payer_fact.sole_deposit_balance == Decimal("5000.00")
    card_only = CustomerMonth.objects.get(customer=only_card, month=JAN)
    assert card_only.holds_card is True and card_only.sole_deposit_balance is None  # the card's 50 is owed money
    y_fact = CustomerMonth.objects.get(customer=y, month=JAN)
    assert (y_fact.holds_card, y_fact.sole_deposit_balance) == (True, Decimal("40000.00"))  # a debit card
