"""The balances file checked by PostgreSQL: COPY as text into a staging table, then set-based passes.

PostgreSQL parses the CSV (COPY … FORMAT csv) and each cell lands as text in an
unlogged table. A **fast pass** (one ``CREATE TABLE … AS``, run by parallel
workers) casts every cell that is in its plainest valid form (``1234.50``,
``2026-10-31``) and marks any other with an impossible value (NaN, -1,
infinity, NULL for required text); the same statement matches each row's
customer and account. A **full pass** then replaces the marked rows — none in a
clean file — with the full checks of every cell, which list per row the checks
it fails (``column:code`` words). Python only reads the failing rows back to
word their messages with ``cell_message`` — the same text as the chunked checks
of ``balance_rows`` — so a clean million-row file is never touched row by row in
Python.

The checks mirror ``ChunkChecker`` (cells.py): same patterns (``[0-9]``, never
``\\d``), full-width digits read as ASCII, separators dropped from amounts, the
same date window as pandas (years 1–9999) and the same ranges. PostgreSQL 15
has no ``pg_input_is_valid()``: every cast is guarded by a pattern or range test,
so no row can raise (an exception-catching PL/pgSQL cast opens a subtransaction
per call, about ten times slower — see docs/imports.md).

A file COPY cannot parse (ragged rows, an empty line, a bare ``\\.`` line, bytes
outside its encoding) is left to the chunked reader, whose messages name the row.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import psycopg
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from .balance_rows import ACCOUNT_TYPE, TEMP_COLUMNS
from .cells import allowed_spellings, cell_message
from .columns import BALANCE_COLUMNS
from .files import _too_many_rows, open_as_csv
from .results import FileError, RowError, timed

COPY_BLOCK_BYTES = 1 << 20
RAW_TABLE = "crm_import_balance_raw"
# Exactly what Python's str.strip() and the regex \s remove (full-width space and NBSP included): both paths
# read a cell alike.
_SPACES = "".join(chr(c) for c in range(1, 0x3001) if chr(c).isspace())
_TRIM = _SPACES
# Full-width digits and signs → ASCII (cells.HALF_WIDTH); characters past the "to" string are deleted.
_NUMBER_FROM, _NUMBER_TO = "０１２３４５６７８９．－＋", "0123456789.-+"
_PG_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gb18030": "GB18030"}


@dataclass(frozen=True)
class _Check:
    key: str
    kind: str  # code | choice | money | rate | integer | date | yes_no
    required: bool = False
    max_length: int = 0
    maximum: int = 0


# In the order of check_balance_chunk, so a row's messages come in the same order.
CHECKS = (
    _Check("customer_no", "code", required=True, max_length=32),
    _Check("account_no", "code", required=True, max_length=40),
    _Check("account_type", "choice", required=True),
    _Check("month_end_balance", "money", required=True),
    _Check("avg_daily_balance", "money", required=True),
    _Check("annual_rate", "rate"),
    _Check("txn_count", "integer", maximum=999_999_999),
    _Check("txn_days", "integer", maximum=31),
    _Check("last_txn_date", "date"),
    _Check("card_spend", "money"),
    _Check("activated", "yes_no"),
    _Check("fee_income", "money"),
)
assert [c.key for c in CHECKS] == [c.key for c in BALANCE_COLUMNS]  # noqa: S101 — one list of columns

_YES = ("是", "y", "yes", "1", "true", "t", "对")
_NO = ("否", "n", "no", "0", "false", "f")


def _literal(text: str) -> str:
    """A constant of this module as an SQL string literal (never user input)."""
    return "'" + text.replace("'", "''") + "'"


def _prepared(check: _Check, cell: str) -> str:
    """The cell as the check reads it: trimmed; numbers and dates with full-width forms and separators fixed."""
    trimmed = f"btrim(coalesce({cell}, ''), {_literal(_TRIM)})"
    if check.kind in ("money", "integer"):
        return f"translate({trimmed}, {_literal(_NUMBER_FROM + '，,' + _SPACES)}, {_literal(_NUMBER_TO)})"
    if check.kind == "rate":
        return f"translate({trimmed}, {_literal(_NUMBER_FROM + '%％' + _SPACES)}, {_literal(_NUMBER_TO)})"
    if check.kind == "date":
        return f"translate({trimmed}, {_literal(_NUMBER_FROM + '／')}, {_literal(_NUMBER_TO + '/')})"
    return trimmed


_MONEY = r"^\+?[0-9]{1,15}(\.[0-9]+)?$"
_NEGATIVE_MONEY = r"^-[0-9]{1,15}(\.[0-9]+)?$"
_RATE = r"^\+?[0-9]{1,3}(\.[0-9]{1,4})?$"
_NEGATIVE_RATE = r"^-[0-9]+(\.[0-9]+)?$"
_INTEGER = r"^\+?[0-9]{1,9}$"
_EXCEL_ROUNDED = r"^[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$"
_DATE = r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$"


def _typed(check: _Check, v: str) -> str:
    """The converted value (NULL when blank or bad); ``v`` names the prepared cell."""
    if check.kind == "code":
        return f"NULLIF({v}, '')"
    if check.kind == "choice":
        whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(code)}" for k, code in ACCOUNT_TYPE.items())
        return f"CASE lower({v}) {whens} END"
    if check.kind == "money":
        return f"CASE WHEN {v} ~ {_literal(_MONEY)} THEN ltrim({v}, '+')::numeric(18,2) END"
    if check.kind == "rate":
        return f"CASE WHEN {v} ~ {_literal(_RATE)} THEN ltrim({v}, '+')::numeric(7,4) END"
    if check.kind == "integer":
        return (f"CASE WHEN {v} ~ {_literal(_INTEGER)} AND ltrim({v}, '+')::bigint <= {check.maximum} "
                f"THEN ltrim({v}, '+')::integer END")
    if check.kind == "yes_no":
        yes = ", ".join(_literal(x) for x in _YES)
        no = ", ".join(_literal(x) for x in _NO)
        return f"CASE WHEN lower({v}) IN ({yes}) THEN true WHEN lower({v}) IN ({no}) THEN false END"
    if check.kind == "date":
        # The parts are tested before make_date sees them (CASE keeps the order): no cast can raise. One
        # regexp_match per cell, in a scalar subquery (only cells that are not clean get here).
        return f"""(SELECT CASE WHEN p IS NULL OR p[1]::int NOT BETWEEN 1 AND 9999 OR p[2]::int NOT BETWEEN 1 AND 12
                                 OR p[3]::int < 1 OR p[3]::int > {_days_in_month("p[1]::int", "p[2]::int")} THEN NULL
                            ELSE make_date(p[1]::int, p[2]::int, p[3]::int) END
                    FROM (SELECT regexp_match({v}, {_literal(_DATE)}) AS p) parts)"""  # noqa: S608 — names and literals of this module only
    raise ValueError(check.kind)


def _days_in_month(year: str, month: str) -> str:
    return (f"CASE WHEN {month} IN (4, 6, 9, 11) THEN 30 WHEN {month} = 2 THEN CASE WHEN ({year} % 4 = 0 AND "
            f"{year} % 100 <> 0) OR {year} % 400 = 0 THEN 29 ELSE 28 END ELSE 31 END")


_DIGITS = "'0123456789'"


def _clean(check: _Check, c: str) -> str:
    """A cheap test (no regex) that the raw cell is in its plainest valid form, e.g. ``1234.50``.

    Only a subset of what the full check accepts: every cell it passes is valid as it stands (no spaces,
    no full-width forms, no separators), so a clean file never reaches the regex checks.
    """
    blank_ok = "false" if check.required else f"coalesce({c}, '') = ''"
    if check.kind == "code":
        # No space at either end (ascii() is the code point; btrim over a multibyte set costs 3× more).
        spaces = ", ".join(str(ord(ch)) for ch in _SPACES)
        return (f"(char_length({c}) BETWEEN 1 AND {check.max_length} AND strpos({c}, 'e') = 0 "
                f"AND strpos({c}, 'E') = 0 AND ascii({c}) NOT IN ({spaces}) "
                f"AND ascii(right({c}, 1)) NOT IN ({spaces}))")
    if check.kind == "choice":
        return f"coalesce(lower({c}) IN ({', '.join(_literal(k) for k in ACCOUNT_TYPE)}), false)"
    if check.kind == "money":
        return (f"({blank_ok} OR coalesce(char_length({c}) BETWEEN 1 AND 15 AND translate({c}, {_DIGITS}, '') "
                f"IN ('', '.') AND left({c}, 1) <> '.' AND right({c}, 1) <> '.', false))")
    if check.kind == "rate":
        return (f"({blank_ok} OR coalesce((translate({c}, {_DIGITS}, '') = '' AND char_length({c}) BETWEEN 1 AND 3)"
                f" OR (translate({c}, {_DIGITS}, '') = '.' AND strpos({c}, '.') BETWEEN 2 AND 4"
                f" AND char_length({c}) - strpos({c}, '.') BETWEEN 1 AND 4), false))")
    if check.kind == "integer":
        return (f"({blank_ok} OR coalesce(char_length({c}) BETWEEN 1 AND 9 "
                f"AND translate({c}, {_DIGITS}, '') = '', false))")
    if check.kind == "yes_no":
        return f"({blank_ok} OR coalesce(lower({c}) IN ({', '.join(_literal(x) for x in _YES + _NO)}), false))"
    if check.kind == "date":
        # A plain YYYY-MM-DD that is a real date, by string tests only (no cast); 29 February and other
        # spellings take the full check.
        month, day = f"substr({c}, 6, 2)", f"substr({c}, 9, 2)"
        return (f"(coalesce({c}, '') = '' OR coalesce(char_length({c}) = 10 "
                f"AND translate({c}, {_DIGITS}, '') = '--' AND substr({c}, 5, 1) = '-' AND substr({c}, 8, 1) = '-' "
                f"AND {month} BETWEEN '01' AND '12' AND {day} BETWEEN '01' AND '31' AND left({c}, 4) <> '0000' "
                f"AND ({day} <= '28' OR ({month} <> '02' AND ({day} <= '30' "
                f"OR {month} IN ('01', '03', '05', '07', '08', '10', '12')))), false))")
    raise ValueError(check.kind)


def _clean_value(check: _Check, c: str) -> str:
    """The value of a cell ``_clean`` passed: a plain cast that cannot fail."""
    if check.kind == "code":
        return c
    if check.kind == "choice":
        return _typed(check, c)
    if check.kind == "money":
        return f"NULLIF({c}, '')::numeric(18,2)"
    if check.kind == "rate":
        return f"NULLIF({c}, '')::numeric(7,4)"
    if check.kind == "integer":
        return f"CASE WHEN NULLIF({c}, '')::bigint <= {check.maximum} THEN NULLIF({c}, '')::integer END"
    if check.kind == "yes_no":
        return f"lower(NULLIF({c}, '')) IN ({', '.join(_literal(x) for x in _YES)})"
    if check.kind == "date":
        return f"NULLIF({c}, '')::date"
    raise ValueError(check.kind)


def _clean_problems(check: _Check, c: str, typed: str, *, date_limit: str) -> str:
    """What a clean cell can still get wrong: a number out of range, a date too late."""
    if check.kind == "integer":
        return f"CASE WHEN NULLIF({c}, '')::bigint > {check.maximum} THEN '{check.key}:out_of_range' END"
    if check.kind == "date":
        return f"CASE WHEN {typed} > {date_limit} THEN '{check.key}:late_date' END"
    return "NULL"


def _problems(check: _Check, v: str, typed: str, *, date_limit: str) -> list[str]:
    """SQL conditions, each with the code it reports (in ChunkChecker's order)."""
    k = check.key
    found: list[tuple[str, str]] = []
    if check.required:
        found.append(("required", f"{v} = ''"))
    if check.kind == "code":
        found.append(("too_long", f"char_length({v}) > {check.max_length}"))
        found.append(("excel_rounded", f"{v} ~ {_literal(_EXCEL_ROUNDED)}"))
    elif check.kind == "choice":
        found.append(("invalid_choice", f"{v} <> '' AND {typed} IS NULL"))
    elif check.kind == "money":
        found.append(("negative_money", f"{v} ~ {_literal(_NEGATIVE_MONEY)}"))
        found.append(("invalid_money", f"{v} <> '' AND {v} !~ {_literal(_MONEY)} AND {v} !~ {_literal(_NEGATIVE_MONEY)}"))
    elif check.kind == "rate":
        found.append(("negative_rate", f"{v} ~ {_literal(_NEGATIVE_RATE)}"))
        found.append(("invalid_rate", f"{v} <> '' AND {v} !~ {_literal(_RATE)} AND {v} !~ {_literal(_NEGATIVE_RATE)}"))
    elif check.kind == "integer":
        found.append(("invalid_integer", f"{v} <> '' AND {v} !~ {_literal(_INTEGER)}"))
        found.append(("out_of_range", f"{v} ~ {_literal(_INTEGER)} AND ltrim({v}, '+')::bigint > {check.maximum}"))
    elif check.kind == "yes_no":
        found.append(("invalid_yes_no", f"{v} <> '' AND {typed} IS NULL"))
    elif check.kind == "date":
        found.append(("invalid_date", f"{v} <> '' AND {typed} IS NULL"))
        found.append(("late_date", f"{typed} > {date_limit}"))
    return [f"CASE WHEN {condition} THEN '{k}:{code}' END" for code, condition in found]


# The typed value of a cell the fast pass could not take as it stands: the row then takes the full checks.
# None of them is a value a clean cell can have (amounts and counts are never negative, NaN or infinite).
_RECHECK = {"money": "'NaN'", "rate": "'NaN'", "integer": "-1", "date": "'infinity'"}
_RECHECK_MARK = "recheck"


def _fast_value(check: _Check, c: str, *, date_limit: str) -> str:
    """The fast pass: a clean cell's value by a plain cast; otherwise the kind's recheck marker (NULL for the
    required text columns, whose clean value is never NULL; a yes/no cell is marked in ``problems``)."""
    clean = _clean(check, c)
    if check.kind == "choice":  # its clean value is NULL exactly when the cell is not clean
        return _typed(check, c)
    if check.kind in ("code", "yes_no"):
        return f"CASE WHEN {clean} THEN {_clean_value(check, c)} END"
    marker = _RECHECK[check.kind]
    if check.kind == "integer":
        return (f"CASE WHEN NOT {clean} THEN {marker} WHEN NULLIF({c}, '') IS NULL THEN NULL "
                f"WHEN {c}::bigint <= {check.maximum} THEN {c}::integer ELSE {marker} END")
    if check.kind == "date":
        return (f"CASE WHEN NOT {clean} THEN {marker} WHEN NULLIF({c}, '') IS NULL THEN NULL "
                f"WHEN {c}::date > {date_limit} THEN {marker} ELSE {c}::date END")
    return f"CASE WHEN {clean} THEN {_clean_value(check, c)} ELSE {marker} END"


def _needs_recheck(check: _Check) -> str | None:
    """The condition on the fast pass's row that sends it to the full checks (a yes/no cell: ``problems``)."""
    if check.kind in ("code", "choice"):
        return f"{check.key} IS NULL"
    if check.kind == "yes_no":
        return None
    return f"{check.key} = {_RECHECK[check.kind]}"


Match = Callable[[str, str], tuple[str, str]]


def balances_stage(
    cursor, *, source, matched_table: str, match: Match, month_end: date, today: date, max_rows: int | None,
    errors: list[RowError], workdir: str | None = None, step_ms: dict[str, int] | None = None, fast: bool = True,
) -> tuple[int, dict[str, str]] | None:
    """COPY the file into a text table, then build ``matched_table`` from it with SQL: each row's typed
    values, its failing checks (``problems``) and what ``match`` joins to it.

    ``match(customer_no_sql, account_no_sql)`` gives the extra columns and the joins that match a row
    (``matched_table`` has the columns of ``TEMP_COLUMNS``, ``problems``, then those).

    Two passes. The fast pass takes every clean cell by a plain cast and marks any other (``_RECHECK``); it
    reads the raw table in parallel workers (an unlogged table, not a temporary one, for that) and matches in
    the same statement. The rows it marked — none in a clean file — are replaced by the full checks.

    ``fast=False`` sends every row to the full checks (the tests compare both ways).

    Returns the number of data rows and the file's headers (column key -> header as written). Cell errors
    are appended to ``errors`` (row, column header, the chunked checks' wording). Returns None, leaving
    nothing behind, when PostgreSQL cannot parse the file as CSV: the caller then reads it in chunks.
    Raises FileError for file-level problems (type, header, no data, too many rows).
    """
    with open_as_csv(source, columns=BALANCE_COLUMNS, workdir=workdir) as csv_file:
        with timed(step_ms, "copy"):
            raw = _copy_raw(cursor, csv_file)
        if raw is None:
            return None
        headers = csv_file.headers
        cells = {key: f"c{position}" for position, key in csv_file.positions.items()}
    if month_end < today:
        limit, late = month_end, _("最后交易日不能晚于导入月份的月末（%(d)s）。") % {"d": month_end.isoformat()}
    else:
        limit, late = today, _("日期不能晚于今天。")
    present = [c for c in CHECKS if c.key in cells]
    limit_sql = f"DATE '{limit.isoformat()}'"
    with timed(step_ms, "checks_and_match"):
        rows = _fast_pass(cursor, raw=raw, matched_table=matched_table, match=match, cells=cells, present=present,
                          limit_sql=limit_sql, fast=fast)
        if rows == 0:
            raise FileError(_("文件只有表头，没有数据行。"))
        if max_rows is not None and rows > max_rows:
            raise FileError(_too_many_rows(max_rows))
        _full_pass(cursor, raw=raw, matched_table=matched_table, match=match, cells=cells, present=present,
                   limit_sql=limit_sql)
    cursor.execute(f"SELECT EXISTS (SELECT FROM {matched_table} WHERE problems IS NOT NULL)")  # noqa: S608
    if cursor.fetchone()[0]:
        errors.extend(_row_errors(cursor, raw, matched_table, cells, headers, late_message=late))
    cursor.execute(f"DROP TABLE {raw}")
    return rows, headers


def _fast_pass(cursor, *, raw: str, matched_table: str, match: Match, cells: dict[str, str], present: list[_Check],
               limit_sql: str, fast: bool) -> int:
    """CREATE the matched table from the raw rows: clean cells cast, others marked; returns the row count."""
    values = []
    for key, kind in TEMP_COLUMNS.items():
        if key == "row":
            continue
        check = next((c for c in present if c.key == key), None)
        expression = _fast_value(check, f"r.{cells[key]}", date_limit=limit_sql) if check else "NULL"
        values.append(f"({expression})::{kind} AS {key}")
    yes_no = [c for c in present if c.kind == "yes_no"]
    mark = (" OR ".join(f"NOT {_clean(c, f'r.{cells[c.key]}')}" for c in yes_no) or "false") if fast else "true"
    columns, joins = match(f"r.{cells['customer_no']}", f"r.{cells['account_no']}")
    first = present[0]
    mapped = ", ".join(f"r.{cells[c.key]}" for c in present)
    cursor.execute(f"DROP TABLE IF EXISTS {matched_table}")
    # A row is blank when every cell is only spaces; a clean customer number proves it is not (cheaper).
    cursor.execute(
        f"""CREATE TEMP TABLE {matched_table} ON COMMIT DROP AS
            SELECT r.row, {", ".join(values)},
                   CASE WHEN {mark} THEN '{_RECHECK_MARK}' END AS problems, {columns}
            FROM {raw} r {joins}
            WHERE CASE WHEN {_clean(first, f"r.{cells[first.key]}")} THEN true
                       ELSE btrim(concat({mapped}), {_literal(_TRIM)}) <> '' END"""  # noqa: S608
    )
    return cursor.rowcount


def _full_pass(cursor, *, raw: str, matched_table: str, match: Match, cells: dict[str, str], present: list[_Check],
               limit_sql: str) -> None:
    """Replace the rows the fast pass marked by the full checks of every cell (the chunked checks' rules)."""
    recheck = f"{matched_table}_recheck"
    cursor.execute(f"DROP TABLE IF EXISTS {recheck}")
    condition = " OR ".join(["problems IS NOT NULL", *filter(None, (_needs_recheck(c) for c in present))])
    cursor.execute(
        f"""CREATE TEMP TABLE {recheck} ON COMMIT DROP AS
            WITH marked AS (DELETE FROM {matched_table} WHERE {condition} RETURNING row) SELECT row FROM marked"""  # noqa: S608
    )
    if not cursor.rowcount:
        return
    # Three layers, each computed once per row (OFFSET 0 keeps PostgreSQL from inlining them): whether each
    # cell is clean, its value (a plain cast when clean, the full checks otherwise), and the failing checks.
    clean = ", ".join(f"{_clean(c, cells[c.key])} AS k_{c.key}" for c in present)
    values = ", ".join(
        f"CASE WHEN k_{c.key} THEN {_clean_value(c, cells[c.key])} "
        f"ELSE {_typed(c, _prepared(c, cells[c.key]))} END AS t_{c.key}"
        for c in present
    )
    problems = ", ".join(
        f"CASE WHEN k_{c.key} THEN {_clean_problems(c, cells[c.key], f't_{c.key}', date_limit=limit_sql)} "
        f"ELSE NULLIF(concat_ws(' ', "
        f"{', '.join(_problems(c, _prepared(c, cells[c.key]), f't_{c.key}', date_limit=limit_sql))}), '') END"
        for c in present
    )
    columns, joins = match("x2.t_customer_no", "x2.t_account_no")
    cursor.execute(f"SELECT * FROM {matched_table} LIMIT 0")  # noqa: S608 — the matched table's columns, in order
    matched = [column.name for column in cursor.description]
    targets = ["row", *(c.key for c in present), "problems", *matched[matched.index("problems") + 1:]]
    cursor.execute(
        f"""INSERT INTO {matched_table} ({", ".join(targets)})
            SELECT x2.row, {", ".join(f"x2.t_{c.key}" for c in present)}, NULLIF(concat_ws(' ', {problems}), ''),
                   {columns}
            FROM (SELECT x1.*, {values}
                  FROM (SELECT r.*, {clean} FROM {raw} r JOIN {recheck} USING (row) OFFSET 0) x1
                  OFFSET 0) x2 {joins}"""  # noqa: S608
    )


def _copy_raw(cursor, csv_file) -> str | None:
    """COPY the CSV into a table of text columns numbered by file row; its name, or None when PostgreSQL refuses
    the file.

    An UNLOGGED table rather than a temporary one: parallel workers cannot read a session's temporary tables.
    Its name carries the backend's pid (two imports at once each have their own); created in the import's
    transaction, it goes with a rollback, and the import drops it otherwise.
    """
    columns = ", ".join(f"c{i} text" for i in range(csv_file.width))
    encoding = _PG_ENCODINGS.get(codecs.lookup(csv_file.encoding).name, "UTF8")
    cursor.execute("SELECT pg_backend_pid()")
    raw = f"{RAW_TABLE}_{int(cursor.fetchone()[0])}"
    try:
        with transaction.atomic():
            cursor.execute(f"DROP TABLE IF EXISTS {raw}")
            cursor.execute(
                f"CREATE UNLOGGED TABLE {raw} (row integer GENERATED ALWAYS AS IDENTITY (START WITH 2), {columns})"
            )
            names = ", ".join(f"c{i}" for i in range(csv_file.width))
            end_marker = False
            tail = b"\n"
            with cursor.cursor.copy(
                f"COPY {raw} ({names}) FROM STDIN (FORMAT csv, HEADER true, ENCODING '{encoding}')"  # noqa: S608
            ) as copy:
                while block := csv_file.stream.read(COPY_BLOCK_BYTES):
                    # An unquoted "\." alone on a line ends COPY's input early: such a file goes the slow way.
                    window = tail + block
                    if b"\n\\.\n" in window or b"\n\\.\r" in window or window.endswith(b"\n\\."):
                        end_marker = True
                        break
                    copy.write(block)
                    tail = window[-3:]
            if end_marker:
                raise _Unparsable
    except (_Unparsable, psycopg.Error, DatabaseError):
        csv_file.stream.seek(0)
        return None
    return raw


class _Unparsable(Exception):
    """The file is not CSV that COPY reads the same way as the chunked reader."""


def _row_errors(cursor, raw: str, typed_table: str, cells: dict[str, str], headers: dict[str, str], *,
                late_message: str):
    """The messages of every failing cell, built from the trimmed cell text."""
    values = ", ".join(f"btrim(coalesce(r.{cell}, ''), {_literal(_TRIM)})" for cell in cells.values())
    cursor.execute(
        f"""SELECT t.row, t.problems, {values} FROM {typed_table} t JOIN {raw} r ON r.row = t.row
            WHERE t.problems IS NOT NULL ORDER BY t.row"""  # noqa: S608 — names of this module only
    )
    keys = list(cells)
    by_key = {c.key: c for c in CHECKS}
    allowed = allowed_spellings(ACCOUNT_TYPE)
    errors = []
    for row, problems, *texts in cursor.fetchall():
        text_of = dict(zip(keys, texts, strict=True))
        for word in problems.split(" "):
            key, code = word.split(":")
            check = by_key[key]
            message = cell_message(code, text_of[key], max_length=check.max_length, minimum=0,
                                   maximum=check.maximum, allowed=allowed, late_message=late_message)
            errors.append(RowError(row, headers[key], message))
    return errors
