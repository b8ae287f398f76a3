"""The issue-2 cases: customer list, name search and 360 page through the real views; the balance import.

Pages are requested with django.test.Client, logged in as the user in question, so the timing
covers middleware, scoping, the selector, the queries and template rendering (server time).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm.benchmarking.registry import CaseFailed, CaseUnavailable, bench_report, bench_resource, benchmark_case
from crm.models import OrgUnit
from crm.partitions import month_rows_drop
from crm.sql_names import table
from customers.models import Account, AccountType, Customer, MonthlyBalance
from customers.scoping import visible_customers
from customers.services.imports import balances_import

LIST_URL = "/customers/"
IMPORT_ROWS = 1_000_000


def _import_month(ctx):
    """The month the import case loads: the one after the data month, so that it neither replaces the
    balances the month close is timed on nor meets a month that case has closed."""
    return ctx.month.replace(year=ctx.month.year + ctx.month.month // 12, month=ctx.month.month % 12 + 1)
SEQ_SCAN_FLAG = f"Seq Scan on {table(Customer)}"
SLOW_QUERY_SECONDS = 0.010


def _get(ctx, username: str, url: str) -> dict:
    response = ctx.client(username).get(url)
    if response.status_code == 404 and url.startswith(LIST_URL) and url != LIST_URL:
        raise CaseFailed(f"{url} 返回 404")
    if response.status_code != 200:
        raise CaseFailed(f"{url} 返回 HTTP {response.status_code}")
    return {}


@bench_resource("outlet_a")
def _outlet_a(ctx) -> OrgUnit:
    unit = OrgUnit.objects.filter(code="OUT-A").first()
    if unit is None:
        raise CaseUnavailable("没有机构 OUT-A")
    return unit


@bench_resource("sample_customer")
def _sample_customer(ctx) -> int:
    """A customer of rm_a1 from the middle of the AUM ranking (with four accounts)."""
    pks = list(visible_customers(user=ctx.user("rm_a1")).order_by("-standing__aum_cents").values_list("pk", flat=True)[10:11])
    if not pks:
        raise CaseUnavailable("rm_a1 没有客户")
    return pks[0]


@bench_resource("search_term")
def _search_term(ctx) -> str:
    """Two characters from inside a name of one of rm_a1's customers (given name when it has two)."""
    name = visible_customers(user=ctx.user("rm_a1")).order_by("-standing__aum_cents").values_list("name", flat=True).first()
    if not name:
        raise CaseUnavailable("rm_a1 没有客户")
    return name[1:3] if len(name) >= 3 else name[:2]


@bench_resource("balances_csv")
def _balances_csv(ctx) -> Path:
    """One month of balances for up to 1,000,000 existing accounts, written by COPY … TO STDOUT (untimed)."""
    rows = min(IMPORT_ROWS, ctx.accounts)
    path = ctx.workdir / f"balances_{_import_month(ctx):%Y%m}_{rows}.csv"
    if path.exists():
        return path
    with translation.override("zh-hans"):
        labels = {str(value): str(label) for value, label in AccountType.choices}
    type_case = "CASE a.account_type " + " ".join(
        f"WHEN '{value}' THEN '{label}'" for value, label in labels.items()
    ) + " END"
    query = f"""
        COPY (
            SELECT c.customer_no AS "客户号", a.account_no AS "账号", {type_case} AS "账户类型",
                   a.balance AS "月末余额", round(a.balance * 0.97, 2) AS "月日均余额", a.annual_rate AS "年利率",
                   a.id % 30 AS "交易笔数", least(a.id % 30, 20) AS "交易天数", a.last_txn_date AS "最后交易日",
                   CASE WHEN a.account_type = 'credit_card' THEN (a.id % 5000) ELSE 0 END AS "当月消费额",
                   CASE WHEN a.activated IS NULL THEN '' WHEN a.activated THEN '是' ELSE '否' END AS "已激活",
                   0 AS "中间业务收入"
            FROM {table(Account)} a JOIN {table(Customer)} c ON c.id = a.customer_id
            ORDER BY a.id LIMIT {int(rows)}
        ) TO STDOUT WITH (FORMAT csv, HEADER)
    """  # noqa: S608 — labels come from the model's choices, rows is an int
    tmp = path.with_suffix(".part")
    connection.ensure_connection()
    with connection.cursor() as cursor, tmp.open("wb") as out, cursor.cursor.copy(query) as copy:
        for chunk in copy:
            out.write(chunk)
    tmp.rename(path)
    return path


@benchmark_case("list_head_outlet_aum", target_ms=100, needs=("outlet_a",))
def list_head_outlet_aum(ctx, outlet_a) -> dict:
    """Outlet head: customer list first page, one outlet, sorted by AUM."""
    return _get(ctx, "head_a", f"{LIST_URL}?{urlencode({'org_unit': outlet_a.pk, 'sort': '-aum'})}")


@benchmark_case("list_head_outlet_regular", target_ms=100, needs=("outlet_a",))
def list_head_outlet_regular(ctx, outlet_a) -> dict:
    """Outlet head: one outlet's 普通 customers (the lowest tier, past every richer one) sorted by AUM."""
    query = urlencode({"org_unit": outlet_a.pk, "asset_tier": "regular", "sort": "-aum"})
    return _get(ctx, "head_a", f"{LIST_URL}?{query}")


@benchmark_case("list_rm_aum", target_ms=100)
def list_rm_aum(ctx) -> dict:
    """RM: own customer list first page, sorted by AUM."""
    return _get(ctx, "rm_a1", f"{LIST_URL}?sort=-aum")


@benchmark_case("list_hq_aum", target_ms=100)
def list_hq_aum(ctx) -> dict:
    """HQ: the whole bank's list first page, sorted by AUM."""
    return _get(ctx, "hq", f"{LIST_URL}?sort=-aum")


@benchmark_case("search_name_rm", target_ms=100, needs=("search_term",))
def search_name_rm(ctx, search_term) -> dict:
    """RM: two-character name substring search."""
    return _get(ctx, "rm_a1", f"{LIST_URL}?{urlencode({'q': search_term})}") | {"q": search_term}


@benchmark_case("search_name_hq", target_ms=100, needs=("search_term",))
def search_name_hq(ctx, search_term) -> dict:
    """HQ: two-character name substring search over the whole bank."""
    return _get(ctx, "hq", f"{LIST_URL}?{urlencode({'q': search_term})}")


@benchmark_case("customer_360_rm", target_ms=50, needs=("sample_customer",))
def customer_360_rm(ctx, sample_customer) -> dict:
    """RM: the customer 360 page."""
    return _get(ctx, "rm_a1", f"{LIST_URL}{sample_customer}/")


_COPY_FLOOR: dict[Path, float] = {}


def _copy_floor_ms(path: Path) -> float:
    """A plain COPY of the CSV into an unlogged table of text columns: the least any import can take."""
    with open(path, "rb") as handle:
        width = len(handle.readline().decode("utf-8-sig").split(","))
        handle.seek(0)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
            cursor.execute(f"CREATE UNLOGGED TABLE bench_copy_floor ({', '.join(f'c{i} text' for i in range(width))})")
            started = time.perf_counter()
            with cursor.cursor.copy("COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
            elapsed = (time.perf_counter() - started) * 1000
            cursor.execute("DROP TABLE bench_copy_floor")
    return elapsed


def _clear_import_month(ctx, balances_csv) -> None:
    """Untimed: remove the month's balances, then time the COPY floor of the same file for the ratio."""
    with connection.cursor() as cursor:  # the usual case: a month's first import (no partition yet)
        month_rows_drop(cursor, parent=MonthlyBalance._meta.db_table, month=_import_month(ctx))
    _COPY_FLOOR[balances_csv] = _copy_floor_ms(balances_csv)


@benchmark_case(
    "import_balances_1m", target_ms=60_000, repeat=1, warmup=0, needs=("balances_csv",), setup=_clear_import_month,
    count_queries=False,
)
def import_balances(ctx, balances_csv) -> dict:
    """balances_import of one month's CSV (1,000,000 rows at full size) through the real service.

    Also prints the plain COPY of the same file into an unlogged table (copy_floor_ms, timed just before)
    and the import's ratio to it (goal: within 4×).
    """
    started = time.perf_counter()
    result = balances_import(file=balances_csv, month=_import_month(ctx), max_rows=None)
    import_ms = (time.perf_counter() - started) * 1000
    errors = getattr(result, "errors", None) or []
    file_error = getattr(result, "file_error", None)
    if errors or file_error:
        first = file_error or "; ".join(str(e) for e in errors[:3])
        raise CaseFailed(f"导入失败：{first}")
    floor_ms = _COPY_FLOOR.get(balances_csv) or _copy_floor_ms(balances_csv)
    steps = {f"{name}_ms": ms for name, ms in result.step_ms.items()}
    return {"rows": MonthlyBalance.objects.filter(month=_import_month(ctx)).count(),
            "copy_floor_ms": round(floor_ms), "ratio_to_copy_floor": round(import_ms / floor_ms, 2), **steps}


# -- EXPLAIN of the list queries ------------------------------------------------------------------
EXPLAINED_PAGES = [
    ("RM rm_a1 list", "rm_a1", "?sort=-aum"),
    ("outlet head head_a list, OUT-A", "head_a", "org_unit"),
    ("HQ name search", "hq", "search"),
]


def _page_query(queries: list[dict]) -> str | None:
    """The page's main customer query: the first SELECT on the customer table with ORDER BY and LIMIT."""
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT") and f'FROM "{table(Customer)}"' in sql and " LIMIT " in sql \
                and "ORDER BY" in sql:
            return sql
    return None


def page_queries(client, url: str) -> list[dict]:
    """The queries of one GET of ``url``: {"sql", "time"} each."""
    # The log keeps the last 9,000 queries: with DEBUG on, the 1M cases before fill it, and a capture that
    # starts at the end of a full log sees nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return captured.captured_queries


@bench_report
def explain_list_queries(ctx, write) -> None:
    """EXPLAIN ANALYZE of the list query an RM and an outlet head run; flags a sequential scan of customers."""
    for label, username, query in EXPLAINED_PAGES:
        if query == "org_unit":
            query = "?" + urlencode({"org_unit": ctx.resource("outlet_a").pk, "sort": "-aum"})
        elif query == "search":
            query = "?" + urlencode({"q": ctx.resource("search_term")})
        queries = page_queries(ctx.client(username), LIST_URL + query)
        sql = _page_query(queries)
        write(f"\nEXPLAIN — {label} ({LIST_URL}{query}):")
        slow = [q for q in queries if float(q["time"]) >= SLOW_QUERY_SECONDS]
        write(f"  本页 {len(queries)} 条查询，其中 {len(slow)} 条 ≥ {SLOW_QUERY_SECONDS * 1000:g} ms：")
        for q in slow:
            write(f"    {float(q['time']) * 1000:8.1f} ms  {' '.join(q['sql'].split())[:160]}")
        if sql is None:
            write("  （未找到列表查询）")
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        for line in plan:
            write("  " + line)
        if any(SEQ_SCAN_FLAG in line for line in plan):
            write(f"  ⚠ 警告：计划中出现 {SEQ_SCAN_FLAG}")
        else:
            write(f"  OK：没有 {SEQ_SCAN_FLAG}")
