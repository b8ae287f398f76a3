"""Benchmark case of working the tasks (discovered by benchmarks.runner): My day with 500 open tasks.

The setup gives rm_a1 exactly 500 open tasks over 500 of their customers (a third overdue, a third due
today, a third later this week), each with a call script and a logged contact, in one INSERT … SELECT;
the case then times the page as rm_a1 sees it (the runner also counts its queries).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from crm.benchmarking.registry import CaseFailed, CaseUnavailable, benchmark_case
from crm.sql_names import table
from customers.models import Customer
from service_tiers.models import ServiceTask

MY_DAY_TASKS = 500
BENCH_KEY = "bench:my_day"


def _five_hundred_tasks(ctx) -> None:
    rm = ctx.user("rm_a1")
    today = timezone.localdate()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ServiceTask._meta.db_table} WHERE dedupe_key = %s", [BENCH_KEY])  # noqa: S608
        cursor.execute(f"UPDATE {ServiceTask._meta.db_table} SET status = 'cancelled' "  # noqa: S608
                       "WHERE assignee_id = %s AND status = 'open'", [rm.pk])
        cursor.execute(
            f"""
            INSERT INTO {ServiceTask._meta.db_table} (created_at, updated_at, customer_id, org_unit_id, assignee_id,
                kind, due_date, status, dedupe_key, title, script, outcome, channel, note, version)
            SELECT now(), now(), c.id, c.org_unit_id, %(rm)s, 'follow_up',
                   CASE n %% 3 WHEN 0 THEN %(today)s::date - 3 WHEN 1 THEN %(today)s::date ELSE %(week_end)s::date END,
                   'open', %(key)s, '基准跟进', '$customer_name 您好，我是 $rm_name。', '', '', '', 1
            FROM (SELECT id, org_unit_id, row_number() OVER (ORDER BY id) AS n FROM {table(Customer)}
                  WHERE maintainer_id = %(rm)s ORDER BY id LIMIT %(limit)s) c
            """,  # noqa: S608
            {"rm": rm.pk, "today": today, "week_end": week_end, "key": BENCH_KEY, "limit": MY_DAY_TASKS},
        )
        if cursor.rowcount < MY_DAY_TASKS:
            raise CaseUnavailable(f"rm_a1 只有 {cursor.rowcount} 位客户（需要 {MY_DAY_TASKS} 位）")
        cursor.execute("ANALYZE " + ServiceTask._meta.db_table)


@benchmark_case("my_day_500_tasks", target_ms=100, setup=_five_hundred_tasks)
def my_day_500_tasks(ctx) -> dict:
    """RM: My day with 500 open tasks (overdue, today, this week) with badges, masked phones, scripts."""
    response = ctx.client("rm_a1").get("/my-day/")
    if response.status_code != 200:
        raise CaseFailed(f"/my-day/ 返回 HTTP {response.status_code}")
    shown = response.content.decode().count('class="list-group-item task-row')
    if shown != MY_DAY_TASKS:
        raise CaseFailed(f"我的一天显示了 {shown} 项任务，应为 {MY_DAY_TASKS}")
    return {"tasks": shown}
