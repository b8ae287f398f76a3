"""Benchmark cases of the background jobs (discovered by benchmarks.runner).

- job_progress_poll: the fragment a job page polls every 2 s (target < 5 ms server time).
- import_balances_job_1m: the same file as import_balances_1m, through the job path — a Job recorded and
  queued, picked up by a running worker process, the import run, the Job finished — timed from the request
  to the job's end (the worker's start-up is not: in production it is already running). Target: ≤ 10 % over
  the direct import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from crm.benchmarking.registry import CaseFailed, bench_resource, benchmark_case
from crm.models import Job
from crm.services.jobs import job_enqueue
from customers.models import MonthlyBalance
from customers.tasks import IMPORT_TASK

from .cases import _clear_import_month, _import_month


@bench_resource("polled_job")
def _polled_job(ctx) -> Job:
    """A running import job of the HQ user, half-way (what a progress poll reads)."""
    return Job.objects.create(kind=Job.Kind.IMPORT_BALANCES, task_name=IMPORT_TASK, queue="imports",
                              started_by=ctx.user("hq"), state=Job.State.RUNNING, progress_done=5,
                              progress_total=10, step="已读取并校验 500,000 行")


@benchmark_case("job_progress_poll", target_ms=5, needs=("polled_job",))
def job_progress_poll(ctx, polled_job) -> dict:
    """The starter polls the job's progress fragment (htmx)."""
    response = ctx.client("hq").get(f"/jobs/{polled_job.pk}/progress/", headers={"HX-Request": "true"})
    if response.status_code != 200 or b'data-state="running"' not in response.content:
        raise CaseFailed(f"进度片段返回 HTTP {response.status_code}")
    return {}


def _database_url() -> str:
    db = connection.settings_dict
    if db.get("HOST", "").startswith("/"):  # the embedded server's Unix socket
        return f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_start(ctx, balances_csv) -> None:
    """Untimed: clear the month, start one worker process on the imports queue (as in production, running)."""
    _clear_import_month(ctx, balances_csv)
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    ctx.job_worker = subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "imports"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(15)  # Django start-up and the worker's first poll, before the clock starts


@benchmark_case(
    "import_balances_job_1m", target_ms=66_000, repeat=1, warmup=0, needs=("balances_csv",),
    setup=_worker_start, count_queries=False,
)
def import_balances_job(ctx, balances_csv) -> dict:
    """import_balances_1m's file through the job path: Job + queue + a running worker process, to the end."""
    month = _import_month(ctx)
    stored = Path(settings.MEDIA_ROOT) / "imports" / f"bench_{balances_csv.name}"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(balances_csv, stored)  # stands for the upload (its preview is a separate dry run)
    try:
        job = job_enqueue(kind=Job.Kind.IMPORT_BALANCES, task_name=IMPORT_TASK, by=ctx.user("hq"), month=month,
                          parameters={"kind": "balances", "path": f"imports/{stored.name}", "original": stored.name,
                                      "month": month.isoformat(), "unlimited": True},
                          lock_key=f"month:{month:%Y-%m}")
        while Job.objects.filter(pk=job.pk, state__in=Job.ACTIVE_STATES).exists():
            time.sleep(0.05)
    finally:
        ctx.job_worker.terminate()
        ctx.job_worker.wait(timeout=60)
    job.refresh_from_db()
    if job.state != Job.State.SUCCEEDED:
        raise CaseFailed(f"作业 #{job.pk} {job.state}：{job.error}")
    # The job's own run (claimed → finished); the case's time adds the queue and the hand-over.
    return {"rows": MonthlyBalance.objects.filter(month=month).count(),
            "job_run_s": round((job.finished_at - job.started_at).total_seconds(), 1)}
