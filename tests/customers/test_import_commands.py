from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command

from customers.models import Customer, MonthlyBalance
from tests.customers.import_files import (
    BALANCE_HEADER,
    CUSTOMER_HEADER,
    balance_row,
    customer_row,
    write_csv,
    write_xlsx,
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2025, 6, 15), tick=False):
        yield


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_customers_prints_counts(tmp_path, rm_a1):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002")])

    out, _ = run("import_customers", str(path))
    again, _ = run("import_customers", str(path))

    assert "新增 2，更新 0" in out
    assert "新增 0，更新 0，未变化 2" in again
    assert Customer.objects.count() == 2


def test_import_customers_lists_every_bad_row_and_fails(tmp_path, rm_a1):
    rows = [customer_row("C001", 性别="X"), customer_row("C002"), customer_row("C003", 所属机构="ZZZ")]
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, rows)
    err = io.StringIO()

    with pytest.raises(CommandError, match="共 2 处错误"):
        call_command("import_customers", str(path), stdout=io.StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("行 2, 列 性别:") and lines[1].startswith("行 4, 列 所属机构:")
    assert Customer.objects.count() == 0


def test_command_exit_code_is_1_on_errors(tmp_path, rm_a1):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "import_customers", str(path)]).execute()

    assert exit_info.value.code == 1


def test_import_balances_command(tmp_path, rm_a1):
    run("import_customers", str(write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])))
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001"), balance_row("C001", "A002")])

    out, _ = run("import_balances", str(path), "--month", "2025-01")
    again, _ = run("import_balances", str(path), "--month", "2025-01")

    assert "新增 2" in out and "新开账户 2 个" in out
    assert "新增 0，更新 0，未变化 2" in again
    assert MonthlyBalance.objects.filter(month=date(2025, 1, 1)).count() == 2


@pytest.mark.parametrize("month", ["2025-13", "202501", "2025/01", "一月", "0000-01"])
def test_bad_month_is_refused(tmp_path, db, month):
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row()])

    with pytest.raises(CommandError, match="YYYY-MM"):
        run("import_balances", str(path), "--month", month)


def test_import_balances_bad_rows_change_nothing(tmp_path, rm_a1):
    run("import_customers", str(write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])))
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001"), balance_row("C404", "A002")])
    err = io.StringIO()

    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_balances", str(path), "--month", "2025-01", stdout=io.StringIO(), stderr=err)

    assert "行 3, 列 客户号:" in err.getvalue()
    assert MonthlyBalance.objects.count() == 0


def test_missing_file(db):
    with pytest.raises(CommandError, match="找不到文件"):
        run("import_customers", "/nonexistent/file.xlsx")
