"""Benchmark cases of the task generator (discovered by benchmarks.runner): a day's generation at scale.

The day is the first of the data month: the day the previous month's close lands, so every kind has work —
the new month's periodic contacts and corporate visits, the close's welcome/retention/dormant tasks,
the week's birthdays, unactivated cards, re-contacts. Each timed run starts from an empty task table (the
heaviest day: nothing exists yet); the re-run case measures the daily run that finds everything done.
"""

from __future__ import annotations

from django.db import connection

from crm.benchmarking.registry import CaseFailed, benchmark_case
from service_tiers.generation import tasks_generate
from service_tiers.models import ServiceTask


def _empty_tasks(ctx, segmentation_history) -> None:
    with connection.cursor() as cursor:
        # CASCADE: the task events (s13b) reference the tasks.
        cursor.execute(f"TRUNCATE {ServiceTask._meta.db_table} CASCADE")  # noqa: S608 — model metadata


@benchmark_case("generate_tasks_day_1m", target_ms=30_000, repeat=1, warmup=0, needs=("segmentation_history",),
                setup=_empty_tasks, count_queries=False)
def generate_tasks_day(ctx, segmentation_history) -> dict:
    """generate_tasks for one day from an empty task table: every kind, one INSERT … SELECT each."""
    counts = tasks_generate(day=ctx.month)
    if not counts:
        raise CaseFailed("没有已发布的服务标准版本")
    return {"tasks": sum(counts.values()), **{kind: n for kind, n in counts.items() if n}}


def _generated_once(ctx, segmentation_history) -> None:
    tasks_generate(day=ctx.month)


@benchmark_case("generate_tasks_rerun_1m", target_ms=30_000, repeat=1, warmup=0, needs=("segmentation_history",),
                setup=_generated_once, count_queries=False)
def generate_tasks_rerun(ctx, segmentation_history) -> dict:
    """The same day again, after a first run: nothing new may be created (idempotence at scale)."""
    counts = tasks_generate(day=ctx.month)
    if sum(counts.values()):
        raise CaseFailed(f"第二次运行又生成了 {sum(counts.values())} 个任务")
    return {"tasks": ServiceTask.objects.count()}
