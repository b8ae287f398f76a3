"""Background jobs of the foundation: the stalled-job watchdog and the purge of expired upload files.

Scheduled work follows one pattern everywhere: the periodic procrastinate task only records a Job
(``job_enqueue``), and that Job does the work — so each scheduled run is visible on the jobs pages.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import job_progress, job_run
from crm.models import Job
from crm.services.jobs import JobConflict, job_enqueue, jobs_fail_stalled
from crm.uploads import uploads_purge_expired

UPLOADS_PURGE_TASK = "crm.uploads_purge"


@app.periodic(cron="* * * * *", periodic_id="jobs_watchdog")
@app.task(name="crm.jobs_watchdog", queue="tasks", queueing_lock="jobs_watchdog")
def jobs_watchdog(timestamp: int) -> None:
    """Every minute: jobs whose worker died (no heartbeat) are marked failed. Plumbing, not a visible Job."""
    jobs_fail_stalled()


# procrastinate's own rows of finished jobs (the Job rows are the history people read): kept a week.
QUEUE_KEEP_HOURS = 7 * 24


@app.periodic(cron="45 18 * * *", periodic_id="queue_prune")
@app.task(name="crm.queue_prune", queue="tasks", queueing_lock="queue_prune")
async def queue_prune(timestamp: int) -> None:
    """Daily: delete procrastinate's rows of jobs finished more than a week ago (plumbing, not a visible Job)."""
    await app.job_manager.delete_old_jobs(nb_hours=QUEUE_KEEP_HOURS, include_failed=True, include_cancelled=True,
                                          include_aborted=True)


def uploads_purge_work(job: Job) -> dict[str, Any]:
    job_progress(job, done=0, total=1, step=_("正在清理过期上传文件"))
    removed = uploads_purge_expired()
    return {"removed": removed if isinstance(removed, int) else str(removed)}


@app.task(name=UPLOADS_PURGE_TASK, queue="tasks")
def uploads_purge(job_id: int) -> None:
    job_run(job_id, uploads_purge_work)


# procrastinate reads crons in UTC: 18:30 UTC is 02:30 bank time (UTC+8).
@app.periodic(cron="30 18 * * *", periodic_id="uploads_purge_daily")
@app.task(name="crm.uploads_purge_schedule", queue="tasks", queueing_lock="uploads_purge_schedule")
def uploads_purge_schedule(timestamp: int) -> None:
    """Daily at 02:30: a visible job purges the upload files past their retention."""
    try:
        job_enqueue(kind=Job.Kind.UPLOADS_PURGE, task_name=UPLOADS_PURGE_TASK, lock_key="uploads_purge")
    except JobConflict:
        pass  # yesterday's is still running: nothing to add
