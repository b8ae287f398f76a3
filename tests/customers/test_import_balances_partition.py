"""Issue 11, the import's speed: a month's balances are built as a table and attached as the month's partition.

Behaviour stays that of the upsert it replaced: a re-import MERGES into the month (rows of accounts the file does
not name stay), counts compare with what the month held, a dry run leaves the month as it was, and a second
import of the same month on another connection is refused while the first runs.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from crm.partitions import partition_name
from customers.models import Account, MonthlyBalance
from customers.services.imports import balances_import
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv
from tests.factories import CustomerFactory

JAN = date(2025, 1, 1)
FEB = date(2025, 2, 1)
PARTITION = partition_name(MonthlyBalance._meta.db_table, JAN)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2025, 6, 15), tick=False):
        yield


@pytest.fixture
def customers(org_tree):
    return {no: CustomerFactory(customer_no=no, org_unit=org_tree["OUT-A"]) for no in ("C001", "C002")}


def _partition_oid() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [PARTITION])
        return cursor.fetchone()[0]


def _month() -> dict[str, tuple]:
    return {b.account.account_no: (b.month_end_balance, b.txn_count, b.customer.customer_no)
            for b in MonthlyBalance.objects.filter(month=JAN).select_related("account", "customer")}


def test_first_import_attaches_the_month_as_its_own_partition(tmp_path, customers):
    assert _partition_oid() is None
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001"), balance_row("C002", "A002")])

    result = balances_import(file=path, month=JAN)

    assert result.ok and (result.created, result.updated, result.unchanged, result.accounts_created) == (2, 0, 0, 2)
    assert _partition_oid() is not None
    assert _month() == {"A001": (Decimal("1000.00"), 3, "C001"), "A002": (Decimal("1000.00"), 3, "C002")}
    # every step of the import is timed for the benchmark's breakdown
    assert {"copy", "checks_and_match", "db_checks", "month_build", "accounts_follow"} <= set(result.step_ms)


def test_reimport_replaces_the_partition_and_counts_against_the_old_one(tmp_path, customers):
    first = [balance_row("C001", "A001"), balance_row("C001", "A002"), balance_row("C002", "A003")]
    balances_import(file=write_csv(tmp_path / "1.csv", BALANCE_HEADER, first), month=JAN)
    old = _partition_oid()
    # A001 unchanged, A002 changed, A003 not in the file, A004 new
    again = [balance_row("C001", "A001"), balance_row("C001", "A002", 月末余额="2,500.10"), balance_row("C002", "A004")]

    result = balances_import(file=write_csv(tmp_path / "2.csv", BALANCE_HEADER, again), month=JAN)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.accounts_created) == (1, 1, 1, 1)
    assert _partition_oid() not in (None, old)  # a new table, the old one dropped
    # merged: the account the file leaves out keeps its row
    assert _month() == {
        "A001": (Decimal("1000.00"), 3, "C001"), "A002": (Decimal("2500.10"), 3, "C001"),
        "A003": (Decimal("1000.00"), 3, "C002"), "A004": (Decimal("1000.00"), 3, "C002"),
    }
    assert Account.objects.get(account_no="A002").balance == Decimal("2500.10")
    # the same file once more changes nothing
    same = balances_import(file=write_csv(tmp_path / "3.csv", BALANCE_HEADER, again), month=JAN)
    assert (same.created, same.updated, same.unchanged) == (0, 0, 3)


def test_rows_saved_one_by_one_are_kept_by_a_later_import(tmp_path, customers):
    """A month may already hold rows that were not imported (the demo, admin): the import merges with them."""
    balances_import(file=write_csv(tmp_path / "1.csv", BALANCE_HEADER, [balance_row("C001", "A001")]), month=JAN)
    MonthlyBalance.objects.filter(month=JAN).update(txn_count=7)

    result = balances_import(file=write_csv(tmp_path / "2.csv", BALANCE_HEADER, [balance_row("C002", "A002")]),
                             month=JAN)

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert _month() == {"A001": (Decimal("1000.00"), 7, "C001"), "A002": (Decimal("1000.00"), 3, "C002")}


def test_dry_run_leaves_the_month_as_it_was(tmp_path, customers):
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001")])
    preview = balances_import(file=path, month=JAN, dry_run=True)
    assert preview.ok and preview.created == 1 and _partition_oid() is None and not Account.objects.exists()

    balances_import(file=path, month=JAN)
    before, old = _month(), _partition_oid()
    changed = write_csv(tmp_path / "c.csv", BALANCE_HEADER, [balance_row("C001", "A001", 月末余额="1"),
                                                             balance_row("C002", "A002")])
    preview = balances_import(file=changed, month=JAN, dry_run=True)

    assert (preview.created, preview.updated, preview.unchanged) == (1, 1, 0)
    assert _partition_oid() == old and _month() == before
    assert not Account.objects.filter(account_no="A002").exists()


def test_repeated_accounts_are_named_when_the_write_meets_them(tmp_path, customers):
    """A clean-looking file is not asked for repeats up front: the unique keys of the write catch them, and the
    rows are then named as before — a repeated new account (account number) and a repeated known one
    (the month's (account, month) key)."""
    balances_import(file=write_csv(tmp_path / "1.csv", BALANCE_HEADER, [balance_row("C001", "K001")]), month=FEB)
    rows = [balance_row("C001", "N001"), balance_row("C001", "K001"), balance_row("C001", "N001"),
            balance_row("C001", "K001")]

    result = balances_import(file=write_csv(tmp_path / "2.csv", BALANCE_HEADER, rows), month=JAN)

    assert [(e.row, e.column) for e in result.errors] == [(4, "账号"), (5, "账号")]
    assert "与第 2 行重复" in result.errors[0].message and "与第 3 行重复" in result.errors[1].message
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert _partition_oid() is None and not Account.objects.filter(account_no="N001").exists()


class Importer(threading.Thread):
    """An import on its own database connection that stops inside the write until released."""

    def __init__(self, path, monkeypatch):
        super().__init__(daemon=True)
        self.path, self.inside, self.release, self.result, self.error = path, threading.Event(), threading.Event(), None, None
        from customers.services import imports

        build = imports.month_balances_build

        def build_then_wait(cursor, **kwargs):
            build(cursor, **kwargs)
            if threading.current_thread() is self:
                self.inside.set()
                self.release.wait(20)

        monkeypatch.setattr(imports, "month_balances_build", build_then_wait)

    def run(self):
        try:
            self.result = balances_import(file=self.path, month=JAN)
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            self.inside.set()
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_second_import_of_the_month_is_refused_while_the_first_runs(tmp_path, org_tree, monkeypatch):
    CustomerFactory(customer_no="C001", org_unit=org_tree["OUT-A"])
    first = Importer(write_csv(tmp_path / "1.csv", BALANCE_HEADER, [balance_row("C001", "A001")]), monkeypatch)
    first.start()
    assert first.inside.wait(30) and first.error is None
    try:
        second = balances_import(file=write_csv(tmp_path / "2.csv", BALANCE_HEADER,
                                                [balance_row("C001", "A002")]), month=JAN)
        assert "正在进行" in (second.file_error or ""), second
    finally:
        first.release.set()
        first.join(30)
    assert first.error is None and first.result.ok, (first.error, first.result)
    with transaction.atomic():
        assert sorted(_month()) == ["A001"]
