"""Background jobs of service tiers: generating the service tasks due (queue "tasks"), daily and on demand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job
from crm.services.jobs import JobConflict, job_enqueue

try:  # issue 13's generator (branch s13a); until it is on main the job fails saying so (docs/jobs.md)
    from service_tiers.services import generate_tasks  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover — depends on the merge order
    generate_tasks = None

TASKS_GENERATE_TASK = "service_tiers.tasks_generate"


def tasks_generate_work(job: Job) -> dict[str, Any]:
    """HOOK for issue 13: create the service tasks due by the rules as of the job's day."""
    if generate_tasks is None:
        raise JobFailed(_("服务任务生成功能（generate_tasks）尚未安装。"))
    day = date.fromisoformat(job.parameters["date"])
    job_progress(job, done=0, total=1, step=_("正在生成 %(d)s 的服务任务") % {"d": day.isoformat()})
    created = generate_tasks(date=day)
    return {"date": day.isoformat(), "created": created if isinstance(created, int) else str(created)}


@app.task(name=TASKS_GENERATE_TASK, queue="tasks")
def tasks_generate(job_id: int) -> None:
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
