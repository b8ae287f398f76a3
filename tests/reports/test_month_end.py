"""The scheduled month-end: a visible job per run; refused (alert, no close) without balances; closes, then packages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from crm.models import Job
from customers.services.imports import balances_import
from reports.models import ReportArchive
from reports.tasks import month_end_enqueue, month_end_schedule
from segmentation.models import MonthClose
from service_tiers.tasks import tasks_generate_schedule
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv
from tests.segmentation.factories import individual

JUNE = date(2024, 6, 1)


def test_schedule_records_a_visible_job_for_the_previous_month(db):
    # 22:00 UTC on 1 July = 06:00 on 2 July in the bank's time zone
    month_end_schedule(int(datetime(2024, 7, 1, 22, 0, tzinfo=UTC).timestamp()))

    job = Job.objects.get()
    assert (job.kind, job.month, job.state, job.started_by, job.lock_key) == (
        "month_end", JUNE, "queued", None, "month:2024-06")


def test_month_end_without_balances_alerts_and_closes_nothing(db, mailoutbox, settings, run_jobs):
    settings.ADMINS = [("运维", "ops@bank.example")]
    with time_machine.travel(date(2024, 7, 2), tick=False):
        month_end_enqueue(today=date(2024, 7, 2))
        (job,) = run_jobs()

    assert job.state == "failed" and job.error.startswith("2024-06 的账户余额尚未导入，未执行自动月结")
    assert not MonthClose.objects.filter(month=JUNE, state="closed").exists()
    assert mailoutbox[0].subject.endswith("自动月结未执行：2024-06") and "尚未导入" in mailoutbox[0].body


def test_month_end_closes_the_month_then_archives_the_packages(db, org_tree, tmp_path, run_jobs, settings):
    settings.MEDIA_ROOT = tmp_path
    individual(customer_no="C001", org_unit=org_tree["OUT-A"])
    with time_machine.travel(date(2024, 7, 2), tick=False):
        path = write_csv(tmp_path / "b.csv", BALANCE_HEADER, [balance_row("C001", "A001", 最后交易日="2024-06-20")])
        assert balances_import(file=path, month=JUNE).ok
        month_end_enqueue(today=date(2024, 7, 2))
        (job,) = run_jobs()

    assert MonthClose.objects.get(month=JUNE).state == "closed"
    assert job.state == "succeeded", job.error
    # the bank-wide and each branch's package, in both formats, archived
    archived = {(a.org_unit.code if a.org_unit else "", a.format) for a in ReportArchive.objects.filter(month=JUNE)}
    assert {("", "xlsx"), ("", "pdf"), ("BR1", "xlsx"), ("BR2", "pdf")} <= archived
    assert month_end_enqueue(today=date(2024, 7, 3)) is None  # closed: nothing more to schedule


def test_daily_task_generation_is_a_visible_job_once_per_day(db):
    at = int(datetime(2024, 7, 1, 21, 0, tzinfo=UTC).timestamp())  # 05:00 on 2 July, bank time
    tasks_generate_schedule(at)
    tasks_generate_schedule(at)  # the same day again: the running one stands

    job = Job.objects.get()
    assert (job.kind, job.parameters, job.lock_key) == ("tasks_generate", {"date": "2024-07-02"}, "tasks:2024-07-02")


def test_task_generation_job_runs_issue_13s_generator(db, run_jobs):
    from service_tiers.tasks import tasks_generate_enqueue

    tasks_generate_enqueue(day=date(2024, 7, 2))
    (job,) = run_jobs()

    assert job.state == "succeeded", job.error
    assert job.result["date"] == "2024-07-02" and isinstance(job.result["created"], dict)
