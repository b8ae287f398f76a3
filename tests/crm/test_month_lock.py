"""Issue 10, item 10: one lock per month. Two real database connections (a second thread has its own)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, transaction

from crm.month_lock import month_lock
from customers.models import MonthlyBalance
from customers.services.imports import balances_import
from segmentation import close_steps, services
from segmentation.models import MonthClose
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv
from tests.factories import CustomerFactory

OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 11, 15), tick=False):
        yield


class Holder(threading.Thread):
    """Runs ``work`` on its own database connection; ``inside`` is set once it holds what it takes."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.inside, self.release, self.error = work, threading.Event(), threading.Event(), None

    def run(self):
        try:
            self.work(self)
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            self.inside.set()
            connection.close()


def _hold_lock(holder: Holder) -> None:
    with transaction.atomic():
        month_lock(month=OCT, action="测试")
        holder.inside.set()
        holder.release.wait(20)


def test_second_connection_is_refused_while_the_month_is_locked(db, tmp_path, org_tree):
    CustomerFactory(customer_no="C001", org_unit=org_tree["OUT-A"])
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001")])
    holder = Holder(_hold_lock)
    holder.start()
    assert holder.inside.wait(20) and holder.error is None
    try:
        # the import, the close and reopen of the same month are refused with a clear message …
        result = balances_import(file=path, month=OCT)
        assert "2026-10 正在进行余额导入、月结或重新打开" in result.file_error
        assert not MonthlyBalance.objects.exists()
        with pytest.raises(services.MonthCloseError, match="正在进行"):
            services.month_reopen(month=OCT, reason="更正")
        # … another month is not held up
        with transaction.atomic():
            month_lock(month=date(2026, 9, 1), action="测试")
    finally:
        holder.release.set()
        holder.join(20)
    # once the holder's transaction ends, the month is free
    assert balances_import(file=path, month=OCT).ok


# Committed data, so the closing thread sees it.
@pytest.mark.django_db(transaction=True)
def test_import_is_refused_while_the_month_is_being_closed_then_because_it_is_closed(tmp_path, org_tree):
    from tests.segmentation.factories import draft_version

    draft_version()  # a published rule version in force (a flushed database has none)
    CustomerFactory(customer_no="C001", org_unit=org_tree["OUT-A"])
    path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001")])
    assert balances_import(file=path, month=OCT).ok
    later = write_csv(tmp_path / "late.csv", BALANCE_HEADER, [balance_row("C001", "A002")])

    def close_slowly(holder: Holder) -> None:
        def wait_inside_the_close(**_kwargs):
            holder.inside.set()
            holder.release.wait(20)

        close_steps.register("test_pause", wait_inside_the_close)
        try:
            services.month_close(month=OCT)
        finally:
            close_steps._steps.pop("test_pause", None)

    holder = Holder(close_slowly)
    holder.start()
    assert holder.inside.wait(30)
    try:
        # given a close in progress on another connection, when a late file arrives
        result = balances_import(file=later, month=OCT)
        # then it is refused, nothing written
        assert "正在进行" in (result.file_error or ""), result
        with pytest.raises(services.MonthCloseError, match="正在进行"):
            services.month_close(month=OCT)
    finally:
        holder.release.set()
        holder.join(60)
    assert holder.error is None, holder.error
    assert MonthClose.objects.get(month=OCT).state == MonthClose.State.CLOSED
    assert MonthlyBalance.objects.filter(month=OCT).count() == 1
    # and after the close the month is closed to imports
    assert "已关账" in balances_import(file=later, month=OCT).file_error

