"""Background jobs of service tiers: generating the service tasks due (queue "tasks"), daily and on demand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import job_progress, job_run
from crm.models import Job
from crm.services.jobs import JobConflict, job_enqueue
from service_tiers.generation import tasks_generate

TASKS_GENERATE_TASK = "service_tiers.tasks_generate"


def tasks_generate_work(job: Job) -> dict[str, Any]:
    """Create the service tasks due by the standards as of the job's day (issue 13's generator)."""
    day = date.fromisoformat(job.parameters["date"])
    job_progress(job, done=0, total=1, step=_("正在生成 %(d)s 的服务任务") % {"d": day.isoformat()})
    counts = tasks_generate(day=day)
    return {"date": day.isoformat(), "created": counts}


@app.task(name=TASKS_GENERATE_TASK, queue="tasks")
def tasks_generate_job(job_id: int) -> None:
    job_run(job_id, tasks_generate_work)


def tasks_generate_enqueue(*, day: date, by=None) -> Job:
    """One task-generation job per day at a time (a second request names the running one)."""
    return job_enqueue(kind=Job.Kind.TASKS_GENERATE, task_name=TASKS_GENERATE_TASK, by=by,
                       parameters={"date": day.isoformat()}, lock_key=f"tasks:{day.isoformat()}")


# procrastinate reads crons in UTC: 21:00 UTC is 05:00 bank time (UTC+8).
@app.periodic(cron="0 21 * * *", periodic_id="tasks_generate_daily")
@app.task(name="service_tiers.tasks_generate_schedule", queue="tasks", queueing_lock="tasks_generate_schedule")
def tasks_generate_schedule(timestamp: int) -> None:
    """Daily at 05:00 (bank time): a visible job generates the day's service tasks."""
    day = timezone.localdate(datetime.fromtimestamp(timestamp, tz=timezone.get_current_timezone()))
    try:
        tasks_generate_enqueue(day=day)
    except JobConflict:
        pass  # the same day's generation is already queued or running
