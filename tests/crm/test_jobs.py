"""Jobs without a worker process: the duplicate guards, the month lock, a database that is down, a bad import
file, scoping of the job pages and the cost of a progress poll (the worker itself: test_job_worker.py)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse

from crm.models import Job
from crm.month_lock import month_lock, month_lock_key
from crm.services.jobs import JobConflict, JobStartError, job_cancel, job_enqueue
from customers.models import MonthlyBalance
from customers.tasks import IMPORT_TASK
from segmentation.tasks import CLOSE_TASK, REOPEN_TASK
from tests.customers.import_files import BALANCE_HEADER, balance_row, write_csv
from tests.factories import CustomerFactory, UserFactory
from tests.job_tasks import COUNT_TASK

MONTH = date(2025, 1, 1)


def _close(by, month=MONTH) -> Job:
    return job_enqueue(kind=Job.Kind.MONTH_CLOSE, task_name=CLOSE_TASK, by=by, month=month,
                       parameters={"month": month.isoformat()}, lock_key=f"month:{month:%Y-%m}")


def test_second_close_of_the_same_month_is_refused_naming_the_first(sysadmin, admin_client):
    first = _close(sysadmin)

    with pytest.raises(JobConflict) as refused:
        _close(sysadmin)
    page = admin_client.post(reverse("admin:segmentation_monthclose_run"), {"month": "2025-01", "close": "1"})

    assert f"已有作业正在进行：月结（#{first.pk}，admin 于" in str(refused.value) and "排队中" in str(refused.value)
    assert refused.value.active == first
    assert f"月结（#{first.pk}" in page.content.decode()
    assert Job.objects.count() == 1
    # another month is not held up
    assert _close(sysadmin, month=date(2025, 2, 1)).state == "queued"


def test_import_and_close_of_the_same_month_exclude_each_other(sysadmin):
    _close(sysadmin)
    with pytest.raises(JobConflict, match="月结"):
        job_enqueue(kind=Job.Kind.IMPORT_BALANCES, task_name=IMPORT_TASK, by=sysadmin, month=MONTH,
                    parameters={"kind": "balances", "path": "imports/x.csv", "month": MONTH.isoformat()},
                    lock_key="month:2025-01")


def test_a_finished_job_frees_its_month(sysadmin):
    first = _close(sysadmin)
    job_cancel(job=first, by=sysadmin)

    assert Job.objects.get(pk=first.pk).state == "cancelled"
    assert _close(sysadmin).state == "queued"


@pytest.mark.django_db(transaction=True)
def test_a_month_job_is_refused_while_another_connection_holds_the_month(sysadmin, run_jobs):
    """The job holds no lock of its own: the service's month lock (crm.month_lock) refuses it, nothing changes."""
    held, release = threading.Event(), threading.Event()

    def other_connection():  # e.g. a close_month command of the same month
        try:
            with transaction.atomic():
                month_lock(month=MONTH, action="月结")
                held.set()
                release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=other_connection)
    thread.start()
    assert held.wait(20)
    try:
        job_enqueue(kind=Job.Kind.MONTH_REOPEN, task_name=REOPEN_TASK, by=sysadmin, month=MONTH,
                    parameters={"month": MONTH.isoformat(), "reason": "更正"}, lock_key=month_lock_key(MONTH))
        (job,) = run_jobs()
    finally:
        release.set()
        thread.join(20)
    assert job.state == "failed"
    assert job.error == "2025-01 正在进行余额导入、月结或重新打开，无法同时重新打开；请等待其完成后再试。"


@pytest.mark.django_db(transaction=True)
def test_database_unavailable_when_starting_a_job_writes_nothing(org_tree):
    user = UserFactory(username="u1")
    queued_before = _procrastinate_jobs()
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        with pytest.raises(JobStartError, match="数据库暂时无法连接，作业没有提交，也没有写入任何数据"):
            job_enqueue(kind="selftest", task_name=COUNT_TASK, by=user, parameters={"steps": 1})
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert Job.objects.count() == 0
    assert _procrastinate_jobs() == queued_before


def _procrastinate_jobs() -> int:
    with connection.cursor() as cursor:  # not a Django-managed table: not emptied between tests
        cursor.execute("SELECT count(*) FROM procrastinate_jobs")
        return cursor.fetchone()[0]


def test_bad_import_file_fails_the_job_with_the_row_report(sysadmin, client, org_tree, settings, tmp_path, run_jobs):
    settings.MEDIA_ROOT = tmp_path
    CustomerFactory(customer_no="C001", org_unit=org_tree["OUT-A"])
    (tmp_path / "imports").mkdir()
    write_csv(tmp_path / "imports" / "bad.csv", BALANCE_HEADER,
              [balance_row("C001", "A001"), balance_row("C404", "A002"), balance_row("C001", "A003", 月末余额="abc")])
    job = job_enqueue(kind=Job.Kind.IMPORT_BALANCES, task_name=IMPORT_TASK, by=sysadmin, month=MONTH,
                      parameters={"kind": "balances", "path": "imports/bad.csv", "original": "bad.csv",
                                  "month": MONTH.isoformat()}, lock_key="month:2025-01")

    with time_machine.travel(date(2025, 6, 15), tick=False):
        (job,) = run_jobs()
    client.force_login(sysadmin)
    page = client.get(job.get_absolute_url()).content.decode()

    assert job.state == "failed" and job.error == "导入失败，未写入任何数据：共 2 处错误。"
    rows = {(e["row"], e["column"]) for e in job.result["errors"]}
    assert rows == {(3, "客户号"), (4, "月末余额")} and job.result["error_count"] == 2
    assert MonthlyBalance.objects.count() == 0
    assert 'data-testid="job-row-errors"' in page and "C404" in page
    assert (tmp_path / "imports" / "bad.csv").exists()  # kept for a retry after fixing nothing is lost


def test_job_pages_are_scoped_to_the_starter_and_admins(client, rm_a1, rm_b1, sysadmin):
    mine = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=rm_a1, parameters={"steps": 1})
    theirs = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=rm_b1, parameters={"steps": 1})

    client.force_login(rm_a1)
    own_list = client.get(reverse("jobs:list")).content.decode()
    assert f"#{mine.pk}<" in own_list and f"#{theirs.pk}<" not in own_list and "我的作业" in own_list
    assert client.get(theirs.get_absolute_url()).status_code == 404
    client.force_login(sysadmin)
    all_list = client.get(reverse("jobs:list")).content.decode()
    assert f"#{mine.pk}<" in all_list and f"#{theirs.pk}<" in all_list and "后台作业（全部）" in all_list


def test_active_job_page_polls_with_htmx_and_refreshes_without_javascript(client, rm_a1):
    job = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=rm_a1, parameters={"steps": 1})
    client.force_login(rm_a1)

    page = client.get(job.get_absolute_url()).content.decode()
    Job.objects.filter(pk=job.pk).update(state="succeeded", progress_done=1, progress_total=1)
    done = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()

    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and '<meta http-equiv="refresh" content="2">' in page
    assert "<html" not in done and "hx-get" not in done and "作业已完成" in done and 'value="100"' in done


def test_progress_poll_costs_a_constant_number_of_queries(client, rm_a1, django_assert_max_num_queries):
    job = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=rm_a1, parameters={"steps": 1})
    client.force_login(rm_a1)
    client.get(reverse("jobs:progress", args=[job.pk]))  # session warm

    with django_assert_max_num_queries(3):  # session, user, the job (its starter: no role lookup)
        response = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200


def test_admin_lists_jobs_and_the_schedules(admin_client, sysadmin):
    job = job_enqueue(kind="selftest", task_name=COUNT_TASK, by=sysadmin, parameters={"steps": 1})

    listing = admin_client.get(reverse("admin:crm_job_changelist")).content.decode()
    schedules = admin_client.get(reverse("admin:crm_job_schedules")).content.decode()

    assert f"/admin/crm/job/{job.pk}/change/" in listing and "计划任务" in listing
    for task, cron in [("reports.month_end_schedule", "0 22 1-9 * *"), ("service_tiers.tasks_generate_schedule",
                       "0 21 * * *"), ("crm.uploads_purge_schedule", "30 18 * * *"), ("crm.jobs_watchdog", "* * * * *")]:
        assert task in schedules and f"<code>{cron}</code>" in schedules


def test_every_project_task_is_on_one_of_the_four_queues():
    from procrastinate.contrib.django import app

    ours = {name: task.queue for name, task in app.tasks.items() if not name.startswith(("procrastinate", "builtin"))}

    assert set(ours.values()) == {"imports", "close", "reports", "tasks"}
    assert ours["customers.import_file"] == "imports" and ours["segmentation.month_close"] == "close"
    assert ours["reports.report_package"] == "reports" and ours["service_tiers.tasks_generate"] == "tasks"
