"""Imports are sensitive actions: a written import leaves one access-log row, a refused one leaves none."""

from __future__ import annotations

from crm.models import AccessLog
from customers.services.imports import customers_import
from tests.customers.import_files import CUSTOMER_HEADER, customer_row, write_xlsx


def test_written_import_is_logged_with_counts(tmp_path, rm_a1):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])

    customers_import(file=path, by=rm_a1)

    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert log.user == rm_a1 and log.target.endswith("c.xlsx")
    assert log.detail["kind"] == "customers" and log.detail["created"] == 1


def test_refused_or_previewed_import_is_not_logged(tmp_path, rm_a1):
    bad = write_xlsx(tmp_path / "bad.xlsx", CUSTOMER_HEADER, [customer_row("C001", 手机号="12")])
    good = write_xlsx(tmp_path / "good.xlsx", CUSTOMER_HEADER, [customer_row("C002")])

    assert not customers_import(file=bad, by=rm_a1).ok
    assert customers_import(file=good, by=rm_a1, dry_run=True).ok

    assert not AccessLog.objects.filter(action=AccessLog.Action.IMPORT).exists()
