"""Background jobs with REAL worker processes (``manage.py procrastinate worker``) on the test database."""

from __future__ import annotations

import signal
from datetime import date

import pytest
from django.db import connection

from crm.models import Job
from crm.services.jobs import job_enqueue, job_retry, jobs_fail_stalled
from customers.models import MonthlyBalance
from customers.tasks import IMPORT_TASK
from tests.factories import UserFactory
from tests.job_tasks import COUNT_TASK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def starter(org_tree):
    return UserFactory(username="starter", org_unit=org_tree["HQ"], is_superuser=True, is_staff=True)


def test_job_goes_queued_running_succeeded_with_increasing_progress(job_worker, job_wait, starter):
    # given a job queued while no worker runs
    job = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter, parameters={"steps": 5, "pause": 0.4})
    assert Job.objects.get(pk=job.pk).state == "queued"
    # when a worker process starts
    job_worker()
    job, seen = job_wait(job)
    # then it ran to the end, and the progress the page polls only went up while it ran
    assert job.state == "succeeded", (job.error, seen)
    assert seen[0] == ("queued", 0) and seen[-1][0] == "succeeded"
    running = [done for state, done in seen if state == "running"]
    assert len(set(running)) >= 3 and running == sorted(running)
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    assert job.result == {"counted": 5} and job.step == "已完成"
    assert job.started_at and job.finished_at > job.started_at and job.worker


def test_failing_jobs_store_their_error(job_worker, job_wait, starter):
    expected = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter,
                           parameters={"steps": 3, "pause": 0.05, "fail_at": 1})
    crash = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter,
                        parameters={"steps": 3, "pause": 0.05, "crash_at": 0})
    job_worker()

    expected, _ = job_wait(expected)
    crash, _ = job_wait(crash)

    assert expected.state == "failed" and expected.error == "第 2 步出错（测试）" and expected.progress_done == 1
    assert crash.state == "failed" and "作业执行出错" in crash.error and "division by zero" in crash.error


def test_cancel_a_queued_job_and_a_running_one(job_worker, job_wait, starter):
    from crm.services.jobs import job_cancel

    queued = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter, parameters={"steps": 1})
    assert job_cancel(job=queued, by=starter).state == "cancelled"
    running = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter, parameters={"steps": 50, "pause": 0.1})
    job_worker()
    job_wait(running, until=lambda j: j.progress_done >= 2)

    job_cancel(job=running, by=starter)
    running, _ = job_wait(running)

    assert running.state == "cancelled" and "回滚" in running.error and running.progress_done < 50
    assert Job.objects.get(pk=queued.pk).started_at is None  # the worker never picked the cancelled one
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [queued.procrastinate_id])
        assert cursor.fetchone() == ("cancelled",)


def _bank_with_balances_file(tmp_path, customers: int):
    """A bank of ``customers`` customers with 4 accounts each, and the benchmark's balances CSV of every account."""
    from types import SimpleNamespace

    from benchmarks.cases import _balances_csv, _import_month
    from benchmarks.datagen import bench_data_generate

    data_month = date(2026, 8, 1)
    bench_data_generate(customers=customers, aum_month=data_month, log=lambda _message: None)
    context = SimpleNamespace(month=data_month, accounts=customers * 4, workdir=tmp_path)
    return _import_month(context), _balances_csv(context)


def test_worker_killed_mid_import_fails_the_job_leaves_data_unchanged_and_a_retry_succeeds(
    job_worker, job_wait, tmp_path, settings
):
    # given a bank and a 120,000-row balances file (two chunks) queued for import
    month, csv_path = _bank_with_balances_file(tmp_path, customers=30_000)
    starter = UserFactory(username="starter", is_superuser=True, is_staff=True)
    settings.MEDIA_ROOT = tmp_path / "media"
    stored = settings.MEDIA_ROOT / "imports" / "kill.csv"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(csv_path.read_bytes())
    job = job_enqueue(kind=Job.Kind.IMPORT_BALANCES, task_name=IMPORT_TASK, by=starter, month=month,
                      parameters={"kind": "balances", "path": "imports/kill.csv", "original": "kill.csv",
                                  "month": month.isoformat(), "unlimited": True}, lock_key=f"month:{month:%Y-%m}")
    worker = job_worker()
    # when the worker is SIGKILLed once the first chunk has been read (inside the import's transaction)
    job, _ = job_wait(job, until=lambda j: j.state == "running" and j.progress_done >= 1)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    # then the database is unchanged, and the silent job is detected as stalled and marked failed
    assert MonthlyBalance.objects.filter(month=month).count() == 0
    job, _ = job_wait(job, until=lambda j: bool(jobs_fail_stalled(stalled_seconds=1)) or not j.is_active,
                      every=0.3, timeout=30)
    job.refresh_from_db()
    assert job.state == "failed" and "中断" in job.error and "可以重试" in job.error
    assert MonthlyBalance.objects.filter(month=month).count() == 0
    # and a retry (same file, same month lock, released by the failed job) succeeds on a new worker
    retry = job_retry(job=job, by=starter)
    job_worker()
    retry, seen = job_wait(retry, timeout=180)
    assert retry.state == "succeeded", retry.error
    assert retry.retry_of_id == job.pk and retry.result["created"] == 120_000
    assert MonthlyBalance.objects.filter(month=month).count() == 120_000
    assert not stored.exists()  # removed once imported


def test_queue_prune_deletes_only_old_finished_queue_rows(job_worker, job_wait, starter):
    from procrastinate.contrib.django import app

    done = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter, parameters={"steps": 1, "pause": 0})
    job_worker()

    def queue_row_finished(_job) -> bool:  # the Job row finishes just before procrastinate records its end
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [done.procrastinate_id])
            return cursor.fetchone() == ("succeeded",)

    job_wait(done, until=queue_row_finished)
    with connection.cursor() as cursor:  # age the finished job's events by two weeks
        cursor.execute("UPDATE procrastinate_events SET at = at - interval '14 days' WHERE job_id = %s",
                       [done.procrastinate_id])
    waiting = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=starter, parameters={"steps": 1})
    app.tasks["crm.queue_prune"].defer(timestamp=0)

    def pruned(_job) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE id = %s", [done.procrastinate_id])
            return cursor.fetchone()[0] == 0

    job_wait(waiting, until=pruned)
    assert Job.objects.filter(pk=done.pk, state="succeeded").exists()  # the history people read stays
