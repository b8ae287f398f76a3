"""Importing the customers file and the monthly balances file: all-or-nothing, idempotent.

Both imports read the file, check every cell, run the checks that need the database as set-based queries,
and only when no row is bad write everything in one transaction. Customers: ``INSERT … SELECT … ON CONFLICT
… DO UPDATE … WHERE (…) IS DISTINCT FROM (…)``, so a re-import changes nothing and reports it as unchanged.
Balances: PostgreSQL parses and checks the file and the month is built as a table and attached as its
partition (``balance_copy``, ``balance_write``); the counts compare with the month as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog, Handover, HandoverItem
from crm.month_lock import MonthBusy, month_lock
from crm.months import month_end
from crm.services.audit import access_log_record
from customers.closed_months import month_is_closed
from customers.history import customer_history_insert
from customers.importers.balance_copy import balances_stage
from customers.importers.balance_rows import TEMP_COLUMNS as BALANCE_TEMP_COLUMNS
from customers.importers.balance_rows import check_balance_chunk
from customers.importers.columns import BALANCE_COLUMNS, CUSTOMER_COLUMNS
from customers.importers.customer_rows import DB_COLUMNS, TEMP_TYPES, References, check_customer_chunk
from customers.importers.files import open_table
from customers.importers.results import FileError, ImportResult, RowError, timed
from customers.models import Customer
from customers.services.balance_write import (
    MATCHED,
    accounts_create,
    accounts_follow,
    balance_db_errors,
    balances_match,
    match_sql,
    month_balances_build,
    repeated_accounts,
)
from customers.services.import_sql import repeated_keys

__all__ = ["ImportResult", "RowError", "balances_import", "customers_import", "month_is_closed"]

Progress = Callable[[str], None]
_CUSTOMER_TEMP = "crm_import_customer"
_CUSTOMER_PREV = "crm_import_customer_prev"  # maintainer and org unit before the write
_CUSTOMER_CHANGED = "crm_import_customer_changed"  # ids the write created or changed
_BALANCE_TEMP = "crm_import_balance"
# Table names from the models' metadata (issue 12): SQL text never spells a model's table.
_CUSTOMERS = Customer._meta.db_table
_HANDOVERS = Handover._meta.db_table
_HANDOVER_ITEMS = HandoverItem._meta.db_table


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
                            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                            "handed_over": result.handed_over},
                )
    except FileError as exc:
        result.file_error = exc.message
    if result.errors or result.file_error:
        result.created = result.updated = result.unchanged = result.accounts_created = result.handed_over = 0
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
                repeated_keys(cursor, _CUSTOMER_TEMP, "customer_no", table.headers["customer_no"], _("客户号"))
            )
            result.errors.extend(_new_customers_without(cursor, table.headers))
            if result.errors:
                return
            moves = "maintainer_id" in present or "org_unit_id" in present
            if moves:
                cursor.execute(f"DROP TABLE IF EXISTS {_CUSTOMER_PREV}")
                cursor.execute(
                    f"""CREATE TEMP TABLE {_CUSTOMER_PREV} ON COMMIT DROP AS
                        SELECT c.id, c.maintainer_id, c.org_unit_id FROM {_CUSTOMERS} c
                        JOIN {_CUSTOMER_TEMP} t ON t.customer_no = c.customer_no"""  # noqa: S608 — fixed names
                )
            _create_temp(cursor, _CUSTOMER_CHANGED, {"id": "bigint", "inserted": "boolean"})
            if set(NEW_CUSTOMER_COLUMNS) <= set(table.headers):
                _customers_upsert(cursor, present=present, result=result)
            else:
                _customers_update(cursor, present=present, result=result)
            _customers_audit(cursor, file_name=_file_name(file), by_id=getattr(by, "pk", None), moves=moves,
                             result=result)
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
            WHERE NOT EXISTS (SELECT 1 FROM {_CUSTOMERS} c WHERE c.customer_no = t.customer_no)"""  # noqa: S608
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
        f"""WITH changed AS (
                UPDATE {_CUSTOMERS} cc SET {", ".join(assignments)}
                FROM {_CUSTOMER_TEMP} t
                WHERE cc.customer_no = t.customer_no AND (({old}) IS DISTINCT FROM ({new}))
                RETURNING cc.id)
            INSERT INTO {_CUSTOMER_CHANGED} (id, inserted) SELECT id, false FROM changed"""  # noqa: S608
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
                INSERT INTO {_CUSTOMERS} AS cc ({", ".join(targets)})
                SELECT {", ".join(expressions)} FROM {_CUSTOMER_TEMP} t ORDER BY t.row
                ON CONFLICT (customer_no) DO UPDATE SET {assignments}
                WHERE ({old}) IS DISTINCT FROM ({new})
                RETURNING cc.id, (xmax = 0) AS inserted),
            saved AS (INSERT INTO {_CUSTOMER_CHANGED} (id, inserted) SELECT id, inserted FROM upserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted""",  # noqa: S608
        params,
    )
    result.created, result.updated = cursor.fetchone()
    result.unchanged = result.rows - result.created - result.updated


def _file_name(file) -> str:
    name = getattr(file, "name", file)
    return Path(str(name)).name if name else ""


def _customers_audit(cursor, *, file_name: str, by_id: int | None, moves: bool, result: ImportResult) -> None:
    """The import's audit trail, set-based: one history row per created or changed customer, and a
    handover (reason: import, with the file's name) per new maintainer and org unit for those it moved."""
    reason = _("批量导入：%(file)s") % {"file": file_name}
    customer_history_insert(
        cursor, ids_sql=f"SELECT id, inserted FROM {_CUSTOMER_CHANGED}",  # noqa: S608 — fixed names
        history_type_sql="CASE WHEN ids.inserted THEN '+' ELSE '~' END", reason=reason, by_id=by_id,
    )
    if not moves:
        return
    cursor.execute(
        f"""WITH moved AS (
                SELECT c.id, c.maintainer_id, c.org_unit_id, p.maintainer_id AS previous_maintainer_id
                FROM {_CUSTOMER_CHANGED} ch JOIN {_CUSTOMERS} c ON c.id = ch.id JOIN {_CUSTOMER_PREV} p ON p.id = ch.id
                WHERE NOT ch.inserted AND c.maintainer_id IS NOT NULL
                  AND (c.maintainer_id IS DISTINCT FROM p.maintainer_id OR c.org_unit_id IS DISTINCT FROM p.org_unit_id)
            ), handovers AS (
                INSERT INTO {_HANDOVERS} (created_at, by_id, to_maintainer_id, from_maintainer_id, org_unit_id,
                                          reason, customer_count)
                SELECT now(), %(by)s, maintainer_id,
                       CASE WHEN count(DISTINCT previous_maintainer_id) = 1 AND count(previous_maintainer_id) = count(*)
                            THEN min(previous_maintainer_id) END,
                       org_unit_id, %(reason)s, count(*)
                FROM moved GROUP BY maintainer_id, org_unit_id
                RETURNING id, to_maintainer_id, org_unit_id
            )
            INSERT INTO {_HANDOVER_ITEMS} (handover_id, customer_id, previous_maintainer_id)
            SELECT h.id, m.id, m.previous_maintainer_id FROM moved m
            JOIN handovers h ON h.to_maintainer_id = m.maintainer_id AND h.org_unit_id = m.org_unit_id""",  # noqa: S608
        {"by": by_id, "reason": reason[:300]},
    )
    result.handed_over = cursor.rowcount


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
        try:  # held until this import commits: the month cannot be closed or reopened meanwhile
            month_lock(month=month, action=_("导入余额"))
        except MonthBusy as exc:
            raise FileError(str(exc)) from None
        if month_is_closed(month):
            raise FileError(_("%(m)s 已关账，不能再导入该月余额。") % {"m": f"{month:%Y-%m}"})
        with connection.cursor() as cursor:
            # Hash joins over a million account numbers stay in memory instead of spilling to disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            if progress:
                progress(_("正在读取并校验文件……"))
            staged = balances_stage(cursor, source=file, matched_table=MATCHED, match=match_sql, month_end=last_day,
                                    today=today, max_rows=max_rows, errors=result.errors, step_ms=result.step_ms)
            if staged is not None:
                result.rows, headers = staged
                if progress:
                    progress(_("已读取并校验 %(n)s 行") % {"n": f"{result.rows:,}"})
            else:  # a CSV PostgreSQL cannot parse: the chunked reader names the bad rows
                with timed(result.step_ms, "chunked_checks_and_match"):
                    _create_temp(cursor, _BALANCE_TEMP, {**BALANCE_TEMP_COLUMNS, "problems": "text"})
                    headers = _balances_read_chunks(cursor, file=file, last_day=last_day, today=today,
                                                    max_rows=max_rows, result=result, progress=progress)
                    balances_match(cursor, staged=_BALANCE_TEMP)
            with timed(result.step_ms, "db_checks"):
                db_errors = balance_db_errors(cursor, headers)
            if result.errors or db_errors:  # the whole report, in the order of the checks
                result.errors.extend(repeated_accounts(cursor, headers) + db_errors)
                return
            if progress:
                progress(_("校验通过，正在写入……"))
            # A clean file repeats no account, and one that does fails a unique key of the write (the account
            # number of a new account, or the month's (account, month) key): only then are the rows named.
            # Asking first cost a hash aggregate over a million account numbers on every import.
            try:
                with transaction.atomic():
                    _balances_write(cursor, month=month, result=result, progress=progress)
            except IntegrityError:
                repeated = repeated_accounts(cursor, headers)
                if not repeated:
                    raise
                result.errors.extend(repeated)

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


def _balances_write(cursor, *, month: date, result: ImportResult, progress: Progress | None = None) -> None:
    with timed(result.step_ms, "accounts_create"):
        result.accounts_created = accounts_create(cursor)
    if progress:
        progress(_("新开账户 %(n)s 个，正在写入月度余额……") % {"n": f"{result.accounts_created:,}"})
    with timed(result.step_ms, "month_build"):
        month_balances_build(cursor, month=month, accounts_created=result.accounts_created, result=result)
    if progress:
        progress(_("月度余额已写入，正在更新账户当前余额……"))
    with timed(result.step_ms, "accounts_follow"):
        accounts_follow(cursor, month=month)

