from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks.database import database_exists
from benchmarks.runner import BenchContext, CaseResult, discover, results_table
from crm.benchmarking.registry import REGISTRY


def _bench_db_name() -> str:
    """Unique per test database: test_crm_h3 → crm_h3_bench_test."""
    name = connection.settings_dict["NAME"]
    return f"{name.removeprefix('test_')}_bench_test"


def test_registry_discovers_the_issue_2_cases():
    registry = discover()
    expected = {"list_head_outlet_aum", "search_name_rm", "search_name_hq", "customer_360_rm", "import_balances_1m"}
    assert expected <= set(registry.cases)
    assert registry.cases["customer_360_rm"].target_ms == 50
    assert registry.cases["import_balances_1m"].target_ms == 60_000
    assert registry.reports


def test_results_table_shows_median_p95_target_and_verdict():
    case = REGISTRY.cases["list_rm_aum"]
    table = results_table([CaseResult(case=case, times_ms=[10.0, 20.0, 30.0, 200.0], queries=7, status="pass")])
    header, _rule, row = table.splitlines()[:3]
    assert header.split() == ["case", "runs", "median", "ms", "p95", "ms", "target", "queries", "result"]
    assert row.split() == ["list_rm_aum", "4", "25.0", "200.0", "<", "100", "ms", "7", "pass"]


def test_unknown_case_is_refused_in_chinese(db):
    with pytest.raises(CommandError, match="用例不存在"):
        call_command("benchmark", "--customers", "100", "--only", "nope", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_benchmark_runs_end_to_end_on_its_own_database():
    # given a small bank in a dedicated database
    name = _bench_db_name()
    original = connection.settings_dict["NAME"]
    out = StringIO()
    # when
    call_command("benchmark", "--customers", "2000", "--repeat", "2", "--bench-db", name, stdout=out)
    # then every case is in the table, with a verdict, and the database is gone again
    text = out.getvalue()
    assert "数据生成" in text
    discover()
    table = text[text.index("case "):]
    for case in REGISTRY.cases:
        line = next(line for line in table.splitlines() if line.startswith(case + " "))
        assert line.split()[-1] in {"pass", "FAIL", "n/a", "error"}, line
    assert "error" not in {line.split()[-1] for line in table.splitlines() if line.split()}
    assert "EXPLAIN — RM" in text and "EXPLAIN — outlet head" in text
    assert "Limit" in text  # the plans were printed
    assert connection.settings_dict["NAME"] == original
    assert not database_exists(name)


def test_page_queries_are_captured_when_the_query_log_is_full(client, rm_a1):
    """With DEBUG on, a 1M run logs every query: once the bounded log is full a capture must still see the page."""
    from benchmarks.cases import LIST_URL, page_queries

    client.force_login(rm_a1)
    connection.queries_log.extend([{"sql": "SELECT 1", "time": "0.000"}] * connection.queries_limit)
    queries = page_queries(client, LIST_URL)
    assert any("customers_customerstanding" in q["sql"] for q in queries)


def test_bench_context_reports_missing_user_as_unavailable(db):
    from crm.benchmarking.registry import CaseUnavailable

    ctx = BenchContext(customers=0, accounts=0, month=None, workdir=None)
    with pytest.raises(CaseUnavailable):
        ctx.user("nobody")
