"""A whole bank in one file: the commands take any number of rows, streamed; web uploads keep the cap."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from customers.importers import balance_copy, files
from customers.models import MonthlyBalance
from customers.services.imports import balances_import
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv, write_xlsx
from tests.factories import CustomerFactory, UserFactory

ROWS = 60


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2025, 6, 15), tick=False):
        yield


@pytest.fixture
def bank(org_tree):
    return [CustomerFactory(customer_no=f"C{n:03d}", org_unit=org_tree["OUT-A"]) for n in range(ROWS)]


def balance_rows(bad_row: int | None = None) -> list[list[object]]:
    rows = [balance_row(f"C{n:03d}", f"A{n:05d}", 月末余额=f"{n}.25") for n in range(ROWS)]
    if bad_row is not None:
        rows[bad_row - 2][BALANCE_HEADER.index("交易天数")] = "32"
    return rows


def test_command_takes_more_rows_than_the_web_cap_streamed_in_small_blocks(tmp_path, bank, settings, monkeypatch):
    # given a file many times the COPY block and far over the web uploads' row cap
    settings.IMPORT_MAX_ROWS = 10
    monkeypatch.setattr(balance_copy, "COPY_BLOCK_BYTES", 97)
    path = write_csv(tmp_path / "bank.csv", BALANCE_HEADER, balance_rows())
    assert path.stat().st_size > 30 * balance_copy.COPY_BLOCK_BYTES

    call_command("import_balances", str(path), "--month", "2025-01", stdout=io.StringIO())

    stored = MonthlyBalance.objects.filter(month=date(2025, 1, 1))
    assert stored.count() == ROWS
    assert str(stored.get(account__account_no=f"A{ROWS - 1:05d}").month_end_balance) == f"{ROWS - 1}.25"


def test_an_error_past_the_first_block_names_its_row(tmp_path, bank, monkeypatch):
    monkeypatch.setattr(balance_copy, "COPY_BLOCK_BYTES", 64)
    path = write_csv(tmp_path / "bank.csv", BALANCE_HEADER, balance_rows(bad_row=ROWS))

    result = balances_import(file=path, month=date(2025, 1, 1))

    assert [(e.row, e.column) for e in result.errors] == [(ROWS, "交易天数")]
    assert MonthlyBalance.objects.count() == 0


def test_chunked_reader_streams_a_file_copy_cannot_parse(tmp_path, bank, monkeypatch):
    # given a CSV with an empty line in the middle (COPY refuses it; the chunked reader skips it)
    monkeypatch.setattr(files, "CHUNK_ROWS", 7)
    seen_chunks = []
    original = files._csv_table

    def counting(*args, **kwargs):
        table = original(*args, **kwargs)
        table.chunks = (seen_chunks.append(len(chunk)) or chunk for chunk in table.chunks)
        return table

    monkeypatch.setattr(files, "_csv_table", counting)
    path = write_csv(tmp_path / "bank.csv", BALANCE_HEADER, balance_rows(bad_row=ROWS + 1))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:20] + ["\n"] + lines[20:]), encoding="utf-8")

    result = balances_import(file=path, month=date(2025, 1, 1))

    assert len(seen_chunks) > ROWS // 7 and max(seen_chunks) <= 7
    assert [(e.row, e.column) for e in result.errors] == [(ROWS + 2, "交易天数")]  # the blank line counts


def test_xlsx_goes_through_the_same_path(tmp_path, bank):
    path = write_xlsx(tmp_path / "bank.xlsx", BALANCE_HEADER, balance_rows())

    result = balances_import(file=path, month=date(2025, 1, 1))

    assert result.ok and result.created == ROWS


def test_web_upload_keeps_the_row_cap(client, tmp_path, bank, org_tree, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_ROWS = 10
    user = UserFactory(username="admin_imp", org_unit=org_tree["HQ"], is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_customer", content_type__app_label="customers"))
    client.force_login(user)
    path: Path = write_csv(tmp_path / "bank.csv", BALANCE_HEADER, balance_rows())

    response = client.post("/customers/import/upload/balances/",
                           {"file": SimpleUploadedFile(path.name, path.read_bytes()), "month": "2025-01"})

    assert "10 行数据的上限" in response.content.decode()
    assert MonthlyBalance.objects.count() == 0


def test_a_copy_end_marker_line_does_not_cut_the_file_short(tmp_path, bank):
    # "\." alone on a line would end COPY's input silently: the rows after it must still be read
    path = write_csv(tmp_path / "bank.csv", BALANCE_HEADER, balance_rows())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:30] + ["\\.\n"] + lines[30:]), encoding="utf-8")

    result = balances_import(file=path, month=date(2025, 1, 1))

    assert not result.ok and {e.row for e in result.errors} == {31}
    assert MonthlyBalance.objects.count() == 0
