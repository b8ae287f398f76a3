"""Importing the customers file and the monthly balances file: all-or-nothing, idempotent.

Both imports stream the file in chunks, check every cell (vectorised), COPY the
rows into a temporary table, run the checks that need the database as set-based
queries, and only when no row is bad write everything in one transaction with
``INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE (…) IS DISTINCT FROM (…)``,
so a re-import of the same file changes nothing and reports it as unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog
from crm.months import month_end
from crm.services.audit import access_log_record
from customers.importers.balance_copy import balances_stage
from customers.importers.balance_rows import TEMP_COLUMNS as BALANCE_TEMP_COLUMNS
from customers.importers.balance_rows import check_balance_chunk
from customers.importers.columns import BALANCE_COLUMNS, CUSTOMER_COLUMNS
from customers.importers.customer_rows import DB_COLUMNS, TEMP_TYPES, References, check_customer_chunk
from customers.importers.files import open_table
from customers.importers.results import FileError, ImportResult, RowError
from customers.models import AccountType, Customer

__all__ = ["ImportResult", "RowError", "balances_import", "customers_import", "month_is_closed"]

Progress = Callable[[str], None]
_CUSTOMER_TEMP = "crm_import_customer"
_BALANCE_TEMP = "crm_import_balance"


def month_is_closed(month: date) -> bool:
    """True when segmentation has a MonthClose row marking this month closed (False until that model exists).

    The row counts when its ``state`` is "closed" (a reopened month can be re-imported); a model with a
    boolean ``is_closed``/``closed`` field instead is read the same way; otherwise existence means closed.
    """
    try:
        month_close = apps.get_model("segmentation", "MonthClose")
    except LookupError:
        return False
    names = {f.name for f in month_close._meta.get_fields()}
    queryset = month_close.objects.filter(month=month.replace(day=1))
    if "state" in names:
        queryset = queryset.filter(state="closed")
    else:
        for flag in ("is_closed", "closed"):
            if flag in names:
                queryset = queryset.filter(**{flag: True})
                break
    return queryset.exists()


def _today() -> date:
    return timezone.localdate()


def _copy(cursor, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    """COPY a chunk into a temporary table (CSV; NULL written as \\N so empty strings stay strings)."""
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, header=False, index=False, na_rep="\\N")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '\\N')"  # noqa: S608 — fixed names
    with cursor.cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())


def _create_temp(cursor, table: str, types: dict[str, str]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    body = ", ".join(f"{name} {kind}" for name, kind in types.items())
    cursor.execute(f"CREATE TEMP TABLE {table} ({body}) ON COMMIT DROP")


def _duplicates(cursor, table: str, key: str, header: str, what: str) -> list[RowError]:
    """Rows repeating a key already given on an earlier row of the same file."""
    cursor.execute(
        f"""SELECT row, {key}, first_row FROM (
                SELECT row, {key}, min(row) OVER (PARTITION BY {key}) AS first_row FROM {table}
                WHERE {key} IS NOT NULL) s
            WHERE row <> first_row"""  # noqa: S608 — fixed names
    )
    return [
        RowError(row, header, _("%(what)s“%(v)s”与第 %(first)s 行重复。") % {"what": what, "v": value, "first": first})
        for row, value, first in cursor.fetchall()
    ]


def _run(work: Callable[[ImportResult], None], *, dry_run: bool, by, kind: str, file, month=None) -> ImportResult:
    """Run an import in one transaction; roll it back on errors or when only previewing.

    A written import leaves one access-log row (who, which file, the counts) in the same transaction.
    """
    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            work(result)
            if result.errors or result.file_error or dry_run:
                transaction.set_rollback(True)
            else:
                access_log_record(
                    user=by, action=AccessLog.Action.IMPORT, target=getattr(file, "name", file),
                    detail={"kind": kind, "month": f"{month:%Y-%m}" if month else None, "rows": result.rows,
                            "created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
    except FileError as exc:
        result.file_error = exc.message
    if result.errors or result.file_error:
        result.created = result.updated = result.unchanged = result.accounts_created = 0
    result.errors.sort(key=lambda e: e.row)
    return result


def customers_import(
    *,
    file: Path | str | BinaryIO,
    by=None,
    dry_run: bool = False,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Create or update customers by customer number from a customers file (all-or-nothing).

    Columns absent from the file are left as they are on existing customers; a blank cell in a
    present column clears it. ``origin_maintainer`` is set to the maintainer when a customer is
    created and never changed afterwards. ``dry_run`` validates and counts, then rolls back. No row
    limit unless ``max_rows`` is given (web uploads pass IMPORT_MAX_ROWS; commands take a whole bank).
    """
    limit = max_rows

    def work(result: ImportResult) -> None:
        table = open_table(file, columns=CUSTOMER_COLUMNS, max_rows=limit)
        refs = References.load()
        today = _today()
        present = ["customer_no"] + [DB_COLUMNS[k] for k in table.headers if k != "customer_no"]
        if "id_number" in table.headers and "id_type" not in present:
            present.append("id_type")
        with connection.cursor() as cursor:
            _create_temp(cursor, _CUSTOMER_TEMP, {"row": "integer", **TEMP_TYPES})
            for chunk in table.chunks:
                checked = check_customer_chunk(chunk, table.headers, result.errors, refs=refs, today=today)
                _copy(cursor, _CUSTOMER_TEMP, ["row", *present], checked)
                result.rows += len(checked)
                if progress:
                    progress(_("已读取 %(n)s 行") % {"n": f"{result.rows:,}"})
            result.errors.extend(
                _duplicates(cursor, _CUSTOMER_TEMP, "customer_no", table.headers["customer_no"], _("客户号"))
            )
            result.errors.extend(_new_customers_without(cursor, table.headers))
            if result.errors:
                return
            if set(NEW_CUSTOMER_COLUMNS) <= set(table.headers):
                _customers_upsert(cursor, present=present, result=result)
            else:
                _customers_update(cursor, present=present, result=result)
            cursor.execute(f"DROP TABLE {_CUSTOMER_TEMP}")

    return _run(work, dry_run=dry_run, by=by, kind="customers", file=file)


# Columns a new customer cannot do without (an update-only file may leave them out).
NEW_CUSTOMER_COLUMNS = {"kind": "客户类型", "name": "姓名", "org_code": "所属机构"}


def _new_customers_without(cursor, headers: dict[str, str]) -> list[RowError]:
    """Rows that would create a customer while the file lacks a column every new customer needs."""
    missing = [label for key, label in NEW_CUSTOMER_COLUMNS.items() if key not in headers]
    if not missing:
        return []
    cursor.execute(
        f"""SELECT t.row, t.customer_no FROM {_CUSTOMER_TEMP} t
            WHERE NOT EXISTS (SELECT 1 FROM customers_customer c WHERE c.customer_no = t.customer_no)"""  # noqa: S608
    )
    return [
        RowError(row, headers["customer_no"],
                 _("客户号“%(no)s”尚不存在，新增客户时文件必须包含列：%(columns)s。")
                 % {"no": no, "columns": "、".join(missing)})
        for row, no in cursor.fetchall()
    ]


def _customers_update(cursor, *, present: list[str], result: ImportResult) -> None:
    """An update-only file (every customer exists, some required columns absent): one UPDATE … FROM.

    INSERT … ON CONFLICT cannot serve it: PostgreSQL checks NOT NULL on the proposed row first.
    """
    updated = [c for c in present if c != "customer_no"]
    if not updated:  # a file of customer numbers only changes nothing
        result.created = result.updated = 0
        result.unchanged = result.rows
        return
    assignments = [f"{c} = t.{c}" for c in updated] + ["updated_at = now()"]
    if "maintainer_id" in present:
        assignments.append("origin_maintainer_id = COALESCE(cc.origin_maintainer_id, t.maintainer_id)")
    old = ", ".join(f"cc.{c}" for c in updated)
    new = ", ".join(f"t.{c}" for c in updated)
    cursor.execute(
        f"""UPDATE customers_customer cc SET {", ".join(assignments)}
            FROM {_CUSTOMER_TEMP} t
            WHERE cc.customer_no = t.customer_no AND (({old}) IS DISTINCT FROM ({new}))"""  # noqa: S608
    )
    result.created, result.updated = 0, cursor.rowcount
    result.unchanged = result.rows - result.updated


def _customers_upsert(cursor, *, present: list[str], result: ImportResult) -> None:
    """One INSERT … ON CONFLICT for all rows; counts created, updated and unchanged customers."""
    generated = {"birth_month", "mobile_last4"}
    targets: list[str] = []
    expressions: list[str] = []
    params: list[object] = []
    for field in Customer._meta.concrete_fields:
        column = field.column
        if field.primary_key or column in generated or getattr(field, "generated", False):
            continue
        targets.append(column)
        if column in present:
            expressions.append(f"t.{column}")
        elif column == "origin_maintainer_id":
            expressions.append("t.maintainer_id" if "maintainer_id" in present else "NULL")
        elif column in ("created_at", "updated_at"):
            expressions.append("now()")
        else:
            expressions.append("%s")
            params.append(field.get_default())
    updated = [c for c in present if c != "customer_no"]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated) + ", updated_at = now()"
    assignments += ", origin_maintainer_id = COALESCE(cc.origin_maintainer_id, EXCLUDED.origin_maintainer_id)"
    old = ", ".join(f"cc.{c}" for c in updated)
    new = ", ".join(f"EXCLUDED.{c}" for c in updated)
    cursor.execute(
        f"""WITH upserted AS (
                INSERT INTO customers_customer AS cc ({", ".join(targets)})
                SELECT {", ".join(expressions)} FROM {_CUSTOMER_TEMP} t ORDER BY t.row
                ON CONFLICT (customer_no) DO UPDATE SET {assignments}
                WHERE ({old}) IS DISTINCT FROM ({new})
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted""",  # noqa: S608
        params,
    )
    result.created, result.updated = cursor.fetchone()
    result.unchanged = result.rows - result.created - result.updated


def balances_import(
    *,
    file: Path | str | BinaryIO,
    month: date,
    by=None,
    dry_run: bool = False,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Store one month of account balances (all-or-nothing); counts are of MonthlyBalance rows.

    Accounts are created on first sight; an account's current balance, rate, last transaction
    date and activation follow the file when ``month`` is the latest month seen for that account.
    Customers must exist (import the customers file first). A closed month is refused.
    """
    month = month.replace(day=1)
    last_day = month_end(month)

    def work(result: ImportResult) -> None:
        today = _today()
        if month > today.replace(day=1):
            raise FileError(_("不能导入未来月份（%(m)s）的余额。") % {"m": f"{month:%Y-%m}"})
        if month_is_closed(month):
            raise FileError(_("%(m)s 已关账，不能再导入该月余额。") % {"m": f"{month:%Y-%m}"})
        with connection.cursor() as cursor:
            # Hash joins over a million account numbers stay in memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            _create_temp(cursor, _BALANCE_TEMP, {**BALANCE_TEMP_COLUMNS, "problems": "text"})
            if progress:
                progress(_("正在读取并校验文件……"))
            staged = balances_stage(cursor, source=file, typed_table=_BALANCE_TEMP, month_end=last_day,
                                    today=today, max_rows=max_rows, errors=result.errors)
            if staged is not None:
                result.rows, headers = staged
                if progress:
                    progress(_("已读取并校验 %(n)s 行") % {"n": f"{result.rows:,}"})
            else:  # a CSV PostgreSQL cannot parse: the chunked reader names the bad rows
                headers = _balances_read_chunks(cursor, file=file, last_day=last_day, today=today,
                                                max_rows=max_rows, result=result, progress=progress)
            cursor.execute(f"CREATE INDEX ON {_BALANCE_TEMP} (account_no)")
            cursor.execute(f"ANALYZE {_BALANCE_TEMP}")
            result.errors.extend(_balance_db_errors(cursor, headers))
            if result.errors:
                return
            if progress:
                progress(_("校验通过，正在写入……"))
            _balances_write(cursor, month=month, result=result, progress=progress)
            cursor.execute(f"DROP TABLE {_BALANCE_TEMP}")

    return _run(work, dry_run=dry_run, by=by, kind="balances", file=file, month=month)


def _balances_read_chunks(
    cursor, *, file, last_day: date, today: date, max_rows: int | None, result: ImportResult,
    progress: Progress | None,
) -> dict[str, str]:
    """The fallback for a CSV COPY cannot parse: checked in pandas chunks, COPYed into the typed table."""
    table = open_table(file, columns=BALANCE_COLUMNS, max_rows=max_rows)
    columns = list(BALANCE_TEMP_COLUMNS)
    for chunk in table.chunks:
        checked = check_balance_chunk(chunk, table.headers, result.errors, month_end=last_day, today=today)
        _copy(cursor, _BALANCE_TEMP, columns, checked)
        result.rows += len(checked)
        if progress:
            progress(_("已读取并校验 %(n)s 行") % {"n": f"{result.rows:,}"})
    return table.headers


def _balance_db_errors(cursor, headers: dict[str, str]) -> list[RowError]:
    """Checks that need the database: repeated accounts, unknown customers, accounts of another customer."""
    t = _BALANCE_TEMP
    errors = _duplicates(cursor, t, "account_no", headers["account_no"], _("账号"))
    cursor.execute(
        f"""SELECT t.row, t.customer_no FROM {t} t
            WHERE t.customer_no IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM customers_customer c WHERE c.customer_no = t.customer_no)"""  # noqa: S608
    )
    errors += [
        RowError(row, headers["customer_no"], _("客户号“%(v)s”不存在，请先导入客户。") % {"v": value})
        for row, value in cursor.fetchall()
    ]
    cursor.execute(
        f"""SELECT t.row, t.account_no, c.customer_no, a.account_type, t.account_type FROM {t} t
            JOIN customers_account a ON a.account_no = t.account_no
            JOIN customers_customer c ON c.id = a.customer_id
            WHERE c.customer_no <> t.customer_no OR a.account_type <> t.account_type"""  # noqa: S608
    )
    labels = dict(AccountType.choices)
    for row, account_no, owner, known_type, file_type in cursor.fetchall():
        if file_type and known_type != file_type:
            errors.append(RowError(row, headers["account_type"], _(
                "账号“%(a)s”已登记为“%(known)s”账户，与文件中的“%(given)s”不一致。"
            ) % {"a": account_no, "known": labels.get(known_type, known_type), "given": labels.get(file_type)}))
        else:
            errors.append(RowError(row, headers["account_no"], _("账号“%(a)s”已属于另一客户（%(c)s）。") % {
                "a": account_no, "c": owner}))
    return errors


_BALANCE_VALUES = ["month_end_balance", "avg_daily_balance", "annual_rate", "txn_count", "txn_days",
                   "last_txn_date", "card_spend", "activated", "fee_income"]


def _balances_write(cursor, *, month: date, result: ImportResult, progress: Progress | None = None) -> None:
    t = _BALANCE_TEMP
    cursor.execute(
        f"""INSERT INTO customers_account
                (created_at, updated_at, customer_id, account_no, account_type, annual_rate, balance,
                 last_txn_date, activated)
            SELECT now(), now(), c.id, t.account_no, t.account_type, t.annual_rate, t.month_end_balance,
                   t.last_txn_date, t.activated
            FROM {t} t JOIN customers_customer c ON c.customer_no = t.customer_no
            WHERE NOT EXISTS (SELECT 1 FROM customers_account a WHERE a.account_no = t.account_no)"""  # noqa: S608
    )
    result.accounts_created = cursor.rowcount
    if progress:
        progress(_("新开账户 %(n)s 个，正在写入月度余额……") % {"n": f"{result.accounts_created:,}"})
    old = ", ".join(f"mb.{c}" for c in _BALANCE_VALUES)
    new = ", ".join(f"EXCLUDED.{c}" for c in _BALANCE_VALUES)
    cursor.execute(
        f"""WITH upserted AS (
                INSERT INTO customers_monthlybalance AS mb
                    (month, account_id, customer_id, account_type, month_end_balance, avg_daily_balance,
                     annual_rate, txn_count, txn_days, last_txn_date, card_spend, activated, fee_income)
                SELECT %s, a.id, a.customer_id, a.account_type, t.month_end_balance, t.avg_daily_balance,
                       t.annual_rate, COALESCE(t.txn_count, 0), COALESCE(t.txn_days, 0), t.last_txn_date,
                       COALESCE(t.card_spend, 0), t.activated, COALESCE(t.fee_income, 0)
                FROM {t} t JOIN customers_account a ON a.account_no = t.account_no
                ON CONFLICT (account_id, month) DO UPDATE SET
                    {", ".join(f"{c} = EXCLUDED.{c}" for c in _BALANCE_VALUES)}
                WHERE ({old}) IS DISTINCT FROM ({new})
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted""",  # noqa: S608
        [month],
    )
    result.created, result.updated = cursor.fetchone()
    result.unchanged = result.rows - result.created - result.updated
    if progress:
        progress(_("月度余额已写入，正在更新账户当前余额……"))
    # The account's current figures follow its latest month on file.
    cursor.execute(
        f"""UPDATE customers_account a SET
                balance = t.month_end_balance,
                annual_rate = COALESCE(t.annual_rate, a.annual_rate),
                last_txn_date = COALESCE(t.last_txn_date, a.last_txn_date),
                activated = COALESCE(t.activated, a.activated),
                updated_at = now()
            FROM {t} t
            WHERE a.account_no = t.account_no
              AND NOT EXISTS (SELECT 1 FROM customers_monthlybalance mb WHERE mb.account_id = a.id AND mb.month > %s)
              AND (a.balance, a.annual_rate, a.last_txn_date, a.activated) IS DISTINCT FROM
                  (t.month_end_balance, COALESCE(t.annual_rate, a.annual_rate),
                   COALESCE(t.last_txn_date, a.last_txn_date), COALESCE(t.activated, a.activated))""",  # noqa: S608
        [month],
    )
