"""The completeness gate (domain.md §2): accounts with balance rows against the previous closed month."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from crm.months import add_months
from customers.models import MonthlyBalance
from segmentation import services
from segmentation.models import MonthClose
from tests.factories import AccountFactory, CustomerFactory, UserFactory
from tests.segmentation.factories import MONTH, draft_version

PREV = add_months(MONTH, -1)


def accounts(unit, n):
    """``n`` customers of ``unit`` with one 活期 account each."""
    return [AccountFactory(customer=CustomerFactory(org_unit=unit), account_type="demand") for _ in range(n)]


def balances(month, accounts_):
    for account in accounts_:
        MonthlyBalance.objects.create(month=month, account=account, customer=account.customer,
                                      account_type=account.account_type, month_end_balance=Decimal("1000.00"),
                                      avg_daily_balance=Decimal("1000.00"), txn_count=3, last_txn_date=month)


@pytest.fixture
def bank(org_tree):
    """OUT-A 20 accounts and OUT-B 20, all with balances in the previous month, which is closed."""
    a, b = accounts(org_tree["OUT-A"], 20), accounts(org_tree["OUT-B"], 20)
    balances(PREV, a + b)
    services.month_close(month=PREV)
    return a, b


def test_first_close_of_a_bank_passes_whatever_the_coverage(org_tree):
    balances(MONTH, accounts(org_tree["OUT-A"], 1))
    row = services.month_close(month=MONTH)
    assert row.state == MonthClose.State.CLOSED
    assert row.coverage["accounts"] == 1 and row.coverage["previous_month"] == ""


def test_bank_wide_at_exactly_95_percent_closes(bank):
    a, b = bank
    balances(MONTH, a[:19] + b[:19])  # 38 / 40 = 95 %; each unit 95 %
    row = services.month_close(month=MONTH)
    assert row.state == MonthClose.State.CLOSED and row.incomplete_reason == ""
    assert (row.coverage["accounts"], row.coverage["previous_accounts"]) == (38, 40)


def test_bank_wide_one_account_below_95_percent_is_refused(bank):
    a, b = bank
    balances(MONTH, a[:19] + b[:18])  # 37 / 40 = 92.5 %; OUT-B 90 % is above its own 80 %
    with pytest.raises(services.MonthIncompleteError) as refused:
        services.month_close(month=MONTH)
    assert refused.value.coverage.bank_short and refused.value.coverage.units == []
    assert "37" in str(refused.value) and "40" in str(refused.value)
    assert not MonthClose.objects.filter(month=MONTH, state=MonthClose.State.CLOSED).exists()


def test_a_unit_below_80_percent_of_its_own_count_is_refused_and_named(org_tree):
    big, small = accounts(org_tree["OUT-A"], 80), accounts(org_tree["OUT-B"], 10)
    balances(PREV, big + small)
    services.month_close(month=PREV)
    balances(MONTH, big + small[:7])  # bank 87 / 90 = 96.7 % passes; OUT-B 7 / 10 = 70 %
    with pytest.raises(services.MonthIncompleteError) as refused:
        services.month_close(month=MONTH)
    coverage = refused.value.coverage
    assert not coverage.bank_short
    assert [(u.code, u.previous, u.current) for u in coverage.units] == [("OUT-B", 10, 7)]
    assert "OUT-B 网点B：7 / 10（70.0%）" in str(refused.value)


def test_a_unit_at_exactly_80_percent_passes(org_tree):
    big, small = accounts(org_tree["OUT-A"], 80), accounts(org_tree["OUT-B"], 10)
    balances(PREV, big + small)
    services.month_close(month=PREV)
    balances(MONTH, big + small[:8])  # OUT-B 8 / 10 = 80 %
    assert services.month_close(month=MONTH).state == MonthClose.State.CLOSED


def test_thresholds_come_from_the_rule_version(bank):
    draft_version(coverage_bank_min=Decimal("90.00"), coverage_unit_min=Decimal("50.00"))
    a, b = bank
    balances(MONTH, a[:19] + b[:18])  # 92.5 %: refused under 95 %, accepted under 90 %
    assert services.month_close(month=MONTH).state == MonthClose.State.CLOSED


def test_accepting_the_shortfall_needs_a_reason_and_is_recorded(bank):
    a, _b = bank
    balances(MONTH, a)  # OUT-B's extract is missing
    admin = UserFactory(username="admin_x", is_superuser=True, is_staff=True)
    with pytest.raises(services.MonthCloseError, match="必须填写原因"):
        services.month_close(month=MONTH, accept_incomplete=True, reason="  ")
    row = services.month_close(month=MONTH, by=admin, accept_incomplete=True, reason="OUT-B 系统迁移，本月无数据")
    row.refresh_from_db()
    assert row.state == MonthClose.State.CLOSED
    assert row.incomplete_reason == "OUT-B 系统迁移，本月无数据"
    assert row.coverage["accepted_by"] == "admin_x"
    assert row.coverage["short_units"] == [["OUT-B", "网点B", 20, 0]]


def test_close_month_command_refuses_then_accepts_with_reason(bank, capsys):
    a, _b = bank
    balances(MONTH, a)
    with pytest.raises(CommandError) as refused:
        call_command("close_month", "--month", f"{MONTH:%Y-%m}")
    assert refused.value.returncode == 1
    assert "OUT-B" in str(refused.value) and "不完整" in str(refused.value)
    with pytest.raises(CommandError, match="必须填写原因"):
        call_command("close_month", "--month", f"{MONTH:%Y-%m}", "--accept-incomplete")
    call_command("close_month", "--month", f"{MONTH:%Y-%m}", "--accept-incomplete", "--reason", "补录中")
    assert "已接受数据不完整：补录中" in capsys.readouterr().out
    assert MonthClose.objects.get(month=MONTH).incomplete_reason == "补录中"


def test_web_close_shows_the_units_then_closes_after_confirmation_with_a_reason(bank, admin_client, run_jobs):
    a, _b = bank
    balances(MONTH, a)
    url = reverse("admin:segmentation_monthclose_run")
    assert 'name="accept_incomplete"' not in admin_client.get(url).content.decode()  # no confirmation before a refusal
    page = admin_client.post(url, {"month": "2024-06", "close": "1"}).content.decode()
    assert "完整性校验未通过" in page and "OUT-B" in page and "<td>20</td><td>0</td>" in page
    assert 'name="accept_incomplete"' in page
    assert not MonthClose.objects.filter(month=MONTH, state=MonthClose.State.CLOSED).exists()
    page = admin_client.post(url, {"month": "2024-06", "close": "1", "accept_incomplete": "on"}).content.decode()
    assert "必须填写原因" in page
    admin_client.post(url, {"month": "2024-06", "close": "1", "accept_incomplete": "on", "reason": "OUT-B 迁移"})
    (job,) = run_jobs()  # the close itself runs as a background job
    assert job.state == "succeeded", job.error
    row = MonthClose.objects.get(month=MONTH)
    assert row.state == MonthClose.State.CLOSED and row.incomplete_reason == "OUT-B 迁移"
    assert row.coverage["accepted_by"] == "admin"


def test_seed_demo_closes_every_month_through_the_gate(db):
    call_command("seed_demo", "--customers", "200", "--months", "3", "--until", "2024-06", stdout=StringIO())
    closes = list(MonthClose.objects.order_by("month"))
    assert [c.state for c in closes] == [MonthClose.State.CLOSED] * 3
    assert all(c.incomplete_reason == "" and c.coverage["accounts"] > 0 for c in closes)
    assert closes[1].coverage["previous_accounts"] == closes[0].coverage["accounts"]
