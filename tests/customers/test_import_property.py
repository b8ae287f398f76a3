"""Property: any customers or balances file ends imported or refused with row/column messages — never a
traceback, and nothing written when refused. For balances, PostgreSQL's checks (balance_copy) word
exactly the same errors as the chunked Python checks (balance_rows).

Files are real: .csv (UTF-8, UTF-8 with BOM, GBK) and .xlsx written to disk and read by the importers.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from customers.importers.balance_copy import balances_stage
from customers.importers.balance_rows import TEMP_COLUMNS, check_balance_chunk
from customers.importers.columns import BALANCE_COLUMNS, CUSTOMER_COLUMNS
from customers.importers.files import open_table
from customers.importers.results import FileError
from customers.services.balance_write import match_sql
from customers.services.imports import balances_import, customers_import
from tests.customers.import_files import ID_1, ID_2
from tests.factories import CustomerFactory

MONTH = date(2025, 1, 1)
TODAY = date(2025, 6, 15)
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
# Characters GBK can encode (the GBK files must be writable), and openpyxl can store.
ALPHABET = "张三李四王五客户有限公司是否活期定期理财信用卡男女个人企业机构ＡＢabcXYZ0123456789.-/,:% \u3000"

VALID = {
    "customer_no": ["C001", "C002", "C003", "C900"],
    "kind": ["个人", "企业", "机构", "individual"],
    "name": ["张三", "某某有限公司"],
    "gender": ["男", "女", "M"],
    "birth_date": ["1980-05-01", "1999/1/2"],
    "id_type": ["居民身份证", "统一社会信用代码"],
    "id_number": [ID_1, ID_2, "91110000100000000X"],
    "mobile": ["13800138000"],
    "org_code": ["OUT-A", "OUT-B"],
    "maintainer": ["rm_a1"],
    "since": ["2015-03-02"],
    "credit_rating": ["AA", "BBB"],
    "bad_credit_count": ["0", "2"],
    "malicious_overdraft": ["是", "否", "N"],
    "industry": [""],
    "occupation": [""],
    "registered_capital": ["5000000", "1,000.50"],
    "total_assets": ["80000000"],
    "credit_customer": ["是", "0"],
    "target_credit": ["2000000"],
    "admin_level": ["省部级", "乡镇村"],
    "account_no": ["A001", "A002", "A003", "6222020200012345"],
    "account_type": ["活期", "定期", "信用卡", "理财"],
    "month_end_balance": ["1000.00", "0", "99999.999", "-5", "1,234.5"],
    "avg_daily_balance": ["900.50", "12"],
    "annual_rate": ["0.25", "2.35%", "1000"],
    "txn_count": ["3", "0", "1234567890"],
    "txn_days": ["2", "31", "32"],
    "last_txn_date": ["2025-01-20", "2025-01-31", "2025-02-01", "2025-02-30", "2025/1/5"],
    "card_spend": ["", "12.5"],
    "activated": ["", "是", "否", "maybe"],
    "fee_income": ["", "0.01"],
}


@st.composite
def cells(draw, key: str, *, excel: bool):
    """One cell: valid, blank, padded, full-width, very long, wrong type, random text or an Excel date."""
    choice = draw(st.sampled_from(
        ["valid", "valid", "valid", "blank", "spaces", "padded", "full_width", "long", "number", "text", "date"]
    ))
    valid = draw(st.sampled_from(VALID[key]))
    if choice == "valid":
        return valid
    if choice == "blank":
        return ""
    if choice == "spaces":
        return draw(st.sampled_from([" ", "\u3000", " \t "]))
    if choice == "padded":
        return f" {valid}\u3000"
    if choice == "full_width":
        return valid.translate(FULL_WIDTH)
    if choice == "long":
        return "9" * draw(st.integers(30, 400))
    if choice == "number":
        return draw(st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False)))
    if choice == "date":
        moment = draw(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)))
        return moment if excel else moment.isoformat(sep=" ")
    return draw(st.text(ALPHABET, max_size=40))


@st.composite
def import_files(draw, columns, *, required: tuple[str, ...]):
    """A header (some columns dropped or renamed to their English alias, shuffled) and 0–6 rows."""
    chosen = [c for c in columns if c.key in required or draw(st.booleans())]
    if draw(st.integers(0, 9)) == 0 and chosen:  # sometimes a required column goes missing
        chosen.remove(draw(st.sampled_from(chosen)))
    chosen = draw(st.permutations(chosen))
    header = [c.key if draw(st.integers(0, 4)) == 0 else c.header for c in chosen]
    file_format = draw(st.sampled_from(["xlsx", "utf-8", "utf-8-sig", "gbk"]))
    rows = draw(st.lists(
        st.tuples(*(cells(c.key, excel=file_format == "xlsx") for c in chosen)), min_size=0, max_size=6
    ))
    return header, [list(r) for r in rows], file_format


def write(path: Path, header: list[str], rows: list[list[object]], file_format: str) -> Path:
    if file_format == "xlsx":
        path = path.with_suffix(".xlsx")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return path
    path = path.with_suffix(".csv")
    with open(path, "w", encoding=file_format, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([str(cell) for cell in row] for row in rows)
    return path


def database_state() -> str:
    """A fingerprint of every table an import may write."""
    with connection.cursor() as cursor:
        digest = hashlib.sha256()
        for table in ("customers_customer", "customers_account", "customers_monthlybalance", "crm_accesslog"):
            cursor.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")  # noqa: S608
            digest.update(cursor.fetchone()[0].encode())
    return digest.hexdigest()


def assert_imported_or_refused(result) -> None:
    if result.ok:
        assert result.rows > 0
        return
    assert result.created == result.updated == result.unchanged == 0
    if result.file_error:
        assert result.file_error.strip()
    for error in result.errors:
        assert error.row >= 2 and error.column.strip() and error.message.strip(), error


@pytest.fixture
def bank(org_tree, rm_a1):
    for no in ("C001", "C002"):
        CustomerFactory(customer_no=no, org_unit=org_tree["OUT-A"])
    with time_machine.travel(TODAY, tick=False):
        yield


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(data=import_files(CUSTOMER_COLUMNS, required=("customer_no",)))
def test_any_customers_file_is_imported_or_refused_with_messages(bank, tmp_path_factory, data):
    header, rows, file_format = data
    path = write(tmp_path_factory.mktemp("c") / "customers", header, rows, file_format)
    before = database_state()

    result = customers_import(file=path)

    assert_imported_or_refused(result)
    if not result.ok:
        assert database_state() == before


@PROPERTY_SETTINGS
@given(data=import_files(BALANCE_COLUMNS, required=tuple(c.key for c in BALANCE_COLUMNS if c.required)))
def test_any_balances_file_is_imported_or_refused_with_messages(bank, tmp_path_factory, data):
    header, rows, file_format = data
    path = write(tmp_path_factory.mktemp("b") / "balances", header, rows, file_format)
    before = database_state()

    result = balances_import(file=path, month=MONTH)

    assert_imported_or_refused(result)
    if not result.ok:
        assert database_state() == before


def chunked_cell_errors(path: Path) -> list:
    table = open_table(path, columns=BALANCE_COLUMNS, max_rows=None)
    errors: list = []
    for chunk in table.chunks:
        check_balance_chunk(chunk, table.headers, errors, month_end=date(2025, 1, 31), today=TODAY)
    return sorted(errors, key=lambda e: e.row)


def staged(path: Path, *, fast: bool) -> tuple[list, list] | None:
    """PostgreSQL's checks of the file: its cell errors and every staged row (None: COPY could not parse it)."""
    errors: list = []
    with transaction.atomic(), connection.cursor() as cursor:
        result = balances_stage(cursor, source=path, matched_table="crm_property_balance", match=match_sql,
                                month_end=date(2025, 1, 31), today=TODAY, max_rows=None, errors=errors, fast=fast)
        rows = []
        if result is not None:
            cursor.execute(f"SELECT {', '.join(TEMP_COLUMNS)}, problems FROM crm_property_balance ORDER BY row")
            rows = cursor.fetchall()
        transaction.set_rollback(True)
    return None if result is None else (sorted(errors, key=lambda e: e.row), rows)


def staged_cell_errors(path: Path) -> list | None:
    """The cell errors of PostgreSQL's checks, after asserting that the fast pass (plain casts of clean cells)
    stages every row exactly as the full checks of every cell do."""
    quick, full = staged(path, fast=True), staged(path, fast=False)
    assert quick == full
    return None if quick is None else quick[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=import_files(BALANCE_COLUMNS, required=tuple(c.key for c in BALANCE_COLUMNS if c.required)))
def test_postgresql_checks_word_the_same_errors_as_the_chunked_checks(bank, tmp_path_factory, data):
    header, rows, file_format = data
    path = write(tmp_path_factory.mktemp("p") / "balances", header, rows, file_format)
    try:
        expected = chunked_cell_errors(path)
    except FileError as refused:
        with pytest.raises(FileError) as also_refused:
            staged_cell_errors(path)
        assert also_refused.value.message == refused.message
        event("both refused the file")
        return

    staged = staged_cell_errors(path)

    event("COPY could not parse" if staged is None else f"compared, errors: {min(len(expected), 3)}+")
    if staged is not None:  # None: COPY could not parse it, and the chunked reader is what runs
        assert staged == expected
