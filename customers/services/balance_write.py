"""The balances import's database side, set-based: the matched rows checked, then the month built.

The checked file sits in a matched table (``MATCHED``, one row per file row), which already carries what every
later step needs — the customer's id, the account's id, owner and type, and the account's current figures —
so no later step joins the million-row tables again:

1. **Match**: PostgreSQL's checks build it in the same statement (``balance_copy.balances_stage`` with
   ``match_sql``); the chunked reader's typed table is matched by ``balances_match``.
2. **Check** (``balance_db_errors``): unknown customers, accounts of another customer or of another type,
   read from the matched table. Repeated accounts are named only when the file has other errors or the write
   meets a unique key (``repeated_accounts``; see ``customers.services.imports.balances_import``).
3. **Write**: the accounts seen for the first time are inserted (``accounts_create``); the month's balances
   are built as a new table and attached as the month's partition (``month_balances_build`` with
   ``crm.partitions.month_partition_build``,
   as the month close builds its tables): one unindexed write and one sort per index instead of a million
   index insertions. An import MERGES into the month (as the upsert it replaces did): rows of accounts the
   file does not name are carried over from the month's old partition, which is then dropped. The counts
   compare the file with that old partition (a first import of a month has none: every row is created).
   Last, the accounts' current figures follow the file where it changed them and this month is the
   account's latest (no partition of a later month, or no row in one) (``accounts_follow``).
"""

# ruff: noqa: S608 - only model table names, this module's temp table names and ISO dates are put into SQL text.

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from crm.partitions import (
    month_partition_build,
    month_partition_exists,
    month_partitions,
    month_row_id_sql,
    partition_name,
)
from customers.importers.results import ImportResult, RowError
from customers.models import Account, AccountType, Customer, MonthlyBalance

from .import_sql import repeated_keys

MATCHED = "crm_import_balance_matched"
_NEW_ACCOUNTS = "crm_import_balance_new_accounts"
_CHANGED_ACCOUNTS = "crm_import_balance_changed_accounts"

# The figures of one account's month, as the staging table holds them (blank counts and amounts mean 0).
BALANCE_VALUES = ["month_end_balance", "avg_daily_balance", "annual_rate", "txn_count", "txn_days",
                  "last_txn_date", "card_spend", "activated", "fee_income"]
_DEFAULT_ZERO = {"txn_count", "txn_days", "card_spend", "fee_income"}


def _value(column: str, alias: str = "m") -> str:
    return f"COALESCE({alias}.{column}, 0)" if column in _DEFAULT_ZERO else f"{alias}.{column}"


# The columns a matched row carries besides the staged ones: (name, SQL over the joined customer c and account a).
MATCH_COLUMNS = (
    ("customer_id", "c.id"), ("account_id", "a.id"), ("owner_id", "a.customer_id"), ("known_type", "a.account_type"),
    ("current_balance", "a.balance"), ("current_rate", "a.annual_rate"),
    ("current_last_txn_date", "a.last_txn_date"), ("current_activated", "a.activated"),
)


def match_sql(customer_no: str, account_no: str) -> tuple[str, str]:
    """The ``MATCH_COLUMNS`` (as a select list) and the joins that match a staged row, given SQL for its customer
    number and account number: the customer's id, the account's id, owner, type and current figures (NULL when
    unknown)."""
    columns = ", ".join(f"{sql} AS {name}" for name, sql in MATCH_COLUMNS)
    joins = (f"LEFT JOIN {Customer._meta.db_table} c ON c.customer_no = {customer_no} "
             f"LEFT JOIN {Account._meta.db_table} a ON a.account_no = {account_no}")
    return columns, joins


def balances_match(cursor, *, staged: str) -> None:
    """``MATCHED`` from a typed staging table (the chunked reader's path; PostgreSQL's own checks build it
    directly, see ``balance_copy.balances_stage``)."""
    columns, joins = match_sql("t.customer_no", "t.account_no")
    cursor.execute(f"DROP TABLE IF EXISTS {MATCHED}")
    cursor.execute(f"CREATE TEMP TABLE {MATCHED} ON COMMIT DROP AS SELECT t.*, {columns} FROM {staged} t {joins}")


def balance_db_errors(cursor, headers: dict[str, str]) -> list[RowError]:
    """Unknown customers, accounts of another customer or of another type (repeated accounts: ``repeated_accounts``).

    One scan of the matched table; the owners' customer numbers are read for the few rows in error only.
    """
    cursor.execute(
        f"""SELECT m.row, m.customer_no, m.account_no, m.customer_id IS NULL, m.owner_id, m.known_type, m.account_type
            FROM {MATCHED} m
            WHERE (m.customer_no IS NOT NULL AND m.customer_id IS NULL)
               OR (m.account_id IS NOT NULL AND ((m.customer_no IS NOT NULL AND m.owner_id IS DISTINCT FROM m.customer_id)
                                                 OR m.known_type <> m.account_type))
            ORDER BY m.row"""
    )
    found = cursor.fetchall()
    owners = dict(Customer.objects.filter(pk__in={f[4] for f in found if f[4]}).values_list("pk", "customer_no"))
    unknown: list[RowError] = []
    foreign: list[RowError] = []
    labels = dict(AccountType.choices)
    for row, customer_no, account_no, customer_unknown, owner_id, known_type, file_type in found:
        if customer_unknown and customer_no is not None:
            unknown.append(RowError(row, headers["customer_no"],
                                    _("客户号“%(v)s”不存在，请先导入客户。") % {"v": customer_no}))
        if owner_id is None:  # an unknown customer with a new account number: nothing more to say
            continue
        if file_type and known_type != file_type:
            foreign.append(RowError(row, headers["account_type"], _(
                "账号“%(a)s”已登记为“%(known)s”账户，与文件中的“%(given)s”不一致。"
            ) % {"a": account_no, "known": labels.get(known_type, known_type), "given": labels.get(file_type)}))
        elif customer_no is not None and owners[owner_id] != customer_no:
            foreign.append(RowError(row, headers["account_no"], _("账号“%(a)s”已属于另一客户（%(c)s）。") % {
                "a": account_no, "c": owners[owner_id]}))
    return unknown + foreign


def repeated_accounts(cursor, headers: dict[str, str]) -> list[RowError]:
    """Rows repeating an account number of an earlier row."""
    return repeated_keys(cursor, MATCHED, "account_no", headers["account_no"], _("账号"))


def accounts_create(cursor) -> int:
    """Insert the accounts the file names for the first time (current figures from the file); their ids are
    kept in ``_NEW_ACCOUNTS`` for the month's build."""
    cursor.execute(f"DROP TABLE IF EXISTS {_NEW_ACCOUNTS}")
    cursor.execute(
        f"""CREATE TEMP TABLE {_NEW_ACCOUNTS} ON COMMIT DROP AS
            WITH created AS (
                INSERT INTO {Account._meta.db_table}
                    (created_at, updated_at, customer_id, account_no, account_type, annual_rate, balance,
                     last_txn_date, activated)
                SELECT now(), now(), m.customer_id, m.account_no, m.account_type, m.annual_rate, m.month_end_balance,
                       m.last_txn_date, m.activated
                FROM {MATCHED} m WHERE m.account_id IS NULL
                RETURNING id, account_no)
            SELECT * FROM created"""
    )
    return cursor.rowcount


def month_balances_build(cursor, *, month: date, accounts_created: int, result: ImportResult) -> None:
    """The month's balances as a new partition: the file's rows, plus the old partition's rows of accounts
    the file leaves out; counts created / updated / unchanged against the old partition."""
    parent = MonthlyBalance._meta.db_table
    replaced = month_partition_exists(cursor, parent=parent, month=month)
    old = partition_name(parent, month)
    if replaced:
        differs = (f"({', '.join(f'o.{c}' for c in BALANCE_VALUES)}) IS DISTINCT FROM "
                   f"({', '.join(_value(c) for c in BALANCE_VALUES)})")
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE o.account_id IS NULL),
                       count(*) FILTER (WHERE o.account_id IS NOT NULL AND {differs})
                FROM {MATCHED} m LEFT JOIN {old} o ON o.account_id = m.account_id"""
        )
        result.created, result.updated = cursor.fetchone()
    else:
        result.created, result.updated = result.rows, 0
    result.unchanged = result.rows - result.created - result.updated
    account_id, joined = "m.account_id", f"{MATCHED} m"
    if accounts_created:
        account_id = "COALESCE(m.account_id, n.id)"
        joined += f" LEFT JOIN {_NEW_ACCOUNTS} n ON n.account_no = m.account_no"
    columns = ["id", "month", "account_id", "customer_id", "account_type", *BALANCE_VALUES]
    select_sql = (f"SELECT NULL::bigint, %(month)s::date, {account_id}, m.customer_id, m.account_type, "
                  f"{', '.join(_value(c) for c in BALANCE_VALUES)} FROM {joined}")
    if replaced:
        select_sql += (f" UNION ALL SELECT {', '.join(f'o.{c}' for c in columns)} FROM {old} o"
                       f" WHERE NOT EXISTS (SELECT FROM {MATCHED} m WHERE m.account_id = o.account_id)")
    month_partition_build(cursor, parent=parent, month=month, select_sql=select_sql, params={"month": month},
                          columns=columns, computed={"id": f"coalesce(e.id, {month_row_id_sql(month, 'e.account_id')})"},
                          statistics=["customer_id", "account_type"])


def accounts_follow(cursor, *, month: date) -> int:
    """The current figures of the file's known accounts follow it where they differ, if ``month`` is the
    account's latest month on file.

    The changed rows are picked from the matched table first: a re-delivered month changes few accounts, and
    the UPDATE then joins only those by primary key (filtering inside the UPDATE, the planner guessed half the
    rows and scanned every account).
    """
    cursor.execute(f"DROP TABLE IF EXISTS {_CHANGED_ACCOUNTS}")
    cursor.execute(
        f"""CREATE TEMP TABLE {_CHANGED_ACCOUNTS} ON COMMIT DROP AS
            SELECT m.account_id, m.month_end_balance, m.annual_rate, m.last_txn_date, m.activated FROM {MATCHED} m
            WHERE m.account_id IS NOT NULL
              AND (m.current_balance, m.current_rate, m.current_last_txn_date, m.current_activated) IS DISTINCT FROM
                  (m.month_end_balance, COALESCE(m.annual_rate, m.current_rate),
                   COALESCE(m.last_txn_date, m.current_last_txn_date), COALESCE(m.activated, m.current_activated))"""
    )
    if not cursor.rowcount:
        return 0
    cursor.execute(f"ANALYZE {_CHANGED_ACCOUNTS}")
    parent = MonthlyBalance._meta.db_table
    latest = ""
    if any(later > month for later in month_partitions(cursor, parent=parent)):
        latest = (f"AND NOT EXISTS (SELECT FROM {parent} mb WHERE mb.account_id = a.id "
                  f"AND mb.month > DATE '{month.isoformat()}')")
    cursor.execute(
        f"""UPDATE {Account._meta.db_table} a SET
                balance = c.month_end_balance,
                annual_rate = COALESCE(c.annual_rate, a.annual_rate),
                last_txn_date = COALESCE(c.last_txn_date, a.last_txn_date),
                activated = COALESCE(c.activated, a.activated),
                updated_at = now()
            FROM {_CHANGED_ACCOUNTS} c
            WHERE a.id = c.account_id {latest}"""
    )
    return cursor.rowcount
