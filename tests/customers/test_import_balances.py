from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from customers.models import Account, MonthlyBalance
from customers.services import imports
from customers.services.imports import balances_import
from segmentation.models import MonthClose
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv, write_xlsx
from tests.factories import AccountFactory, CustomerFactory

JAN = date(2025, 1, 1)
FEB = date(2025, 2, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2025, 6, 15), tick=False):
        yield


@pytest.fixture
def customers(org_tree):
    return {
        no: CustomerFactory(customer_no=no, org_unit=org_tree["OUT-A"]) for no in ("C001", "C002")
    }


def test_good_file_creates_accounts_and_balances_then_reimport_is_unchanged(tmp_path, customers):
    rows = [
        balance_row("C001", "A001"),
        balance_row("C001", "L001", 账户类型="贷款", 月末余额="300,000.00", 月日均余额="310000", 年利率="4.35"),
        balance_row("C002", "K001", 账户类型="信用卡", 月末余额="1234.56", 当月消费额="2,000.10", 已激活="Y"),
    ]
    path = write_xlsx(tmp_path / "b.xlsx", BALANCE_HEADER, rows)

    first = balances_import(file=path, month=JAN, by=None)
    second = balances_import(file=path, month=JAN, by=None)

    assert first.ok, first.errors
    assert (first.created, first.updated, first.unchanged, first.accounts_created) == (3, 0, 0, 3)
    assert (second.created, second.updated, second.unchanged, second.accounts_created) == (0, 0, 3, 0)
    loan = MonthlyBalance.objects.get(account__account_no="L001", month=JAN)
    assert loan.month_end_balance == Decimal("300000.00") and loan.avg_daily_balance == Decimal("310000.00")
    assert loan.annual_rate == Decimal("4.3500") and loan.customer == customers["C001"]
    card = Account.objects.get(account_no="K001")
    assert card.account_type == "credit_card" and card.activated is True and card.balance == Decimal("1234.56")
    assert MonthlyBalance.objects.get(account=card).card_spend == Decimal("2000.10")
    demand = MonthlyBalance.objects.get(account__account_no="A001")
    assert (demand.txn_count, demand.txn_days, demand.last_txn_date) == (3, 2, date(2025, 1, 20))
    assert demand.fee_income == Decimal("0") and demand.activated is None


def test_changed_row_is_updated_and_account_follows_latest_month_only(tmp_path, customers):
    balances_import(file=write_csv(tmp_path / "feb.csv", BALANCE_HEADER,
                                   [balance_row("C001", "A001", 月末余额="5000", 最后交易日="2025-02-10")]), month=FEB)
    account = Account.objects.get(account_no="A001")
    assert account.balance == Decimal("5000.00")

    jan = balances_import(file=write_csv(tmp_path / "jan.csv", BALANCE_HEADER,
                                         [balance_row("C001", "A001", 月末余额="100")]), month=JAN)
    account.refresh_from_db()
    assert jan.created == 1 and account.balance == Decimal("5000.00")  # January is older than February

    feb = balances_import(file=write_csv(tmp_path / "feb2.csv", BALANCE_HEADER,
                                         [balance_row("C001", "A001", 月末余额="6000.5", 最后交易日="2025-02-11")]),
                          month=FEB)
    account.refresh_from_db()
    assert (feb.created, feb.updated, feb.unchanged) == (0, 1, 0)
    assert account.balance == Decimal("6000.50") and account.last_txn_date == date(2025, 2, 11)
    assert MonthlyBalance.objects.count() == 2


def test_unknown_customer_other_owner_and_type_mismatch(tmp_path, customers):
    AccountFactory(account_no="X001", customer=customers["C002"], account_type="demand")
    AccountFactory(account_no="X002", customer=customers["C001"], account_type="time")
    rows = [
        balance_row("C001", "A001"),
        balance_row("NOPE", "A002"),
        balance_row("C001", "X001"),
        balance_row("C001", "X002", 账户类型="活期"),
    ]

    result = balances_import(file=write_csv(tmp_path / "b.csv", BALANCE_HEADER, rows), month=JAN)

    assert [(e.row, e.column) for e in result.errors] == [(3, "客户号"), (4, "账号"), (5, "账户类型")]
    assert "请先导入客户" in result.errors[0].message
    assert "C002" in result.errors[1].message
    assert "定期" in result.errors[2].message
    assert MonthlyBalance.objects.count() == 0 and not Account.objects.filter(account_no="A001").exists()


def test_duplicate_account_in_file(tmp_path, customers):
    rows = [balance_row("C001", "A001"), balance_row("C002", "A002"), balance_row("C001", "A001")]

    result = balances_import(file=write_csv(tmp_path / "b.csv", BALANCE_HEADER, rows), month=JAN)

    assert [(e.row, e.column) for e in result.errors] == [(4, "账号")]
    assert "第 2 行" in result.errors[0].message


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"账户类型": "外汇"}, "账户类型", "活期"),
        ({"月末余额": "-1"}, "月末余额", "负数"),
        ({"月日均余额": "abc"}, "月日均余额", "有效的金额"),
        ({"月日均余额": ""}, "月日均余额", "必填"),
        ({"交易天数": "32"}, "交易天数", "0–31"),
        ({"交易笔数": "1.5"}, "交易笔数", "整数"),
        ({"最后交易日": "2025-13-01"}, "最后交易日", "有效的日期"),
        ({"最后交易日": "2025-02-01"}, "最后交易日", "月末"),
        ({"年利率": "-0.5"}, "年利率", "负数"),
        ({"已激活": "激活"}, "已激活", "是/否"),
        ({"当月消费额": "1e5"}, "当月消费额", "有效的金额"),
        ({"账号": ""}, "账号", "必填"),
    ],
)
def test_each_bad_cell_is_reported(tmp_path, customers, override, column, fragment):
    rows = [balance_row("C001", "A001"), balance_row("C001", "A002", **override)]

    result = balances_import(file=write_xlsx(tmp_path / "b.xlsx", BALANCE_HEADER, rows), month=JAN)

    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert fragment in result.errors[0].message
    assert MonthlyBalance.objects.count() == 0


def test_every_bad_row_is_collected(tmp_path, customers):
    rows = [balance_row("C001", f"A{n}", 月末余额="x") for n in range(5)]

    result = balances_import(file=write_csv(tmp_path / "b.csv", BALANCE_HEADER, rows), month=JAN)

    assert [e.row for e in result.errors] == [2, 3, 4, 5, 6]


def test_future_month_and_closed_month_are_refused(tmp_path, customers, monkeypatch):
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row()])

    assert "未来月份" in balances_import(file=path, month=date(2025, 7, 1)).file_error

    monkeypatch.setattr(imports, "month_is_closed", lambda month: month == JAN)
    result = balances_import(file=path, month=JAN)
    assert "已关账" in result.file_error and MonthlyBalance.objects.count() == 0


def test_month_is_closed_reads_segmentation_month_close(db):
    MonthClose.objects.create(month=JAN, state=MonthClose.State.CLOSED)
    MonthClose.objects.create(month=FEB, state=MonthClose.State.OPEN)
    assert imports.month_is_closed(date(2025, 1, 31)) is True
    assert imports.month_is_closed(FEB) is False



def test_minimal_columns_gbk_csv(tmp_path, customers):
    header = ["客户号", "账号", "账户类型", "月末余额", "月日均余额"]
    path = write_csv(tmp_path / "b.csv", header, [["C001", "A001", "理财", "1,000,000", "999999.995"]], encoding="gbk")

    result = balances_import(file=path, month=JAN)

    assert result.ok, result.errors
    row = MonthlyBalance.objects.get()
    assert row.account_type == "wealth" and row.avg_daily_balance == Decimal("1000000.00")
    assert (row.txn_count, row.txn_days, row.card_spend, row.annual_rate) == (0, 0, Decimal("0"), None)


def test_missing_required_balance_column(tmp_path, customers):
    path = write_csv(tmp_path / "b.csv", ["客户号", "账号", "月末余额"], [["C001", "A001", "1"]])

    result = balances_import(file=path, month=JAN)

    assert "账户类型" in result.file_error and "月日均余额" in result.file_error


def test_account_numbers_typed_as_numbers_in_excel(tmp_path, customers):
    # a 16-digit number survives Excel's float exactly; a 19-digit one has lost digits and is refused
    exact = write_xlsx(tmp_path / "ok.xlsx", BALANCE_HEADER, [balance_row("C001", 6222000000000001)])
    rounded = write_xlsx(tmp_path / "bad.xlsx", BALANCE_HEADER, [balance_row("C002", 6222020200012345678)])

    assert balances_import(file=exact, month=JAN, by=None).ok
    assert Account.objects.filter(account_no="6222000000000001").exists()
    refused = balances_import(file=rounded, month=JAN, by=None)
    assert not refused.ok and refused.errors[0].column == "账号" and "文本" in refused.errors[0].message
    assert Account.objects.count() == 1
