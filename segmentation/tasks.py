"""Background jobs of segmentation: the month close and reopen (queue "close").

Both hold the month (crm.month_lock) for their whole run, so a close never meets that month's balance
import or another close; the close itself is one transaction, so a cancelled or killed close leaves the
database as it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job
from crm.month_lock import month_lock

from .services import MonthCloseError, month_close, month_reopen

CLOSE_TASK = "segmentation.month_close"
REOPEN_TASK = "segmentation.month_reopen"


def close_work(job: Job) -> dict[str, Any]:
    """Close the job's month with progress after each step; a refusal fails the job with its reason."""
    month = date.fromisoformat(job.parameters["month"])

    def progress(**kwargs) -> None:
        job_progress(job, **kwargs)

    try:
        with month_lock(month):
            row = month_close(month=month, by=job.started_by, progress=progress)
    except MonthCloseError as exc:
        raise JobFailed(str(exc)) from None
    return {"month": f"{month:%Y-%m}", "customers": row.customer_count,
            "rule_version": row.rule_version.number if row.rule_version else None,
            "timings": getattr(row, "timings", {})}


def reopen_work(job: Job) -> dict[str, Any]:
    """Reopen the job's month with the reason given."""
    month = date.fromisoformat(job.parameters["month"])
    job_progress(job, done=0, total=1, step=_("正在重新打开 %(m)s") % {"m": f"{month:%Y-%m}"})
    try:
        with month_lock(month):
            month_reopen(month=month, reason=job.parameters.get("reason", ""), by=job.started_by)
    except MonthCloseError as exc:
        raise JobFailed(str(exc)) from None
    job_progress(job, done=1, total=1, step=_("已重新打开"))
    return {"month": f"{month:%Y-%m}"}


@app.task(name=CLOSE_TASK, queue="close")
def month_close_job(job_id: int) -> None:
    job_run(job_id, close_work)


@app.task(name=REOPEN_TASK, queue="close")
def month_reopen_job(job_id: int) -> None:
    job_run(job_id, reopen_work)
