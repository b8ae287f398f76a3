"""Starting, cancelling, retrying background jobs and failing the stalled ones.

A Job row and its procrastinate job are written in ONE transaction: either both exist or neither.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.models import Job, OrgUnit

logger = logging.getLogger(__name__)


class JobConflict(Exception):
    """Work with the same lock key is already queued or running; the message names it (Chinese)."""

    def __init__(self, message: str, *, active: Job | None = None) -> None:
        super().__init__(message)
        self.active = active


class JobStartError(Exception):
    """The job could not be recorded (e.g. the database is unavailable); nothing was written."""


class JobActionError(Exception):
    """A cancel or retry that is not possible in the job's state (Chinese message)."""


def job_describe(job: Job) -> str:
    """“月结（#12，admin 于 2026-11-02 10:01 提交，运行中）” — what a second request is told."""
    who = job.started_by.username if job.started_by is not None else _("系统计划任务")
    return _("%(kind)s（#%(id)s，%(who)s 于 %(at)s 提交，%(state)s）") % {
        "kind": job.get_kind_display(), "id": job.pk, "who": who,
        "at": date_format(timezone.localtime(job.created_at), "Y-m-d H:i"), "state": job.get_state_display()}


def job_enqueue(
    *,
    kind: str,
    task_name: str,
    by=None,
    month: date | None = None,
    org_unit: OrgUnit | None = None,
    parameters: dict[str, Any] | None = None,
    lock_key: str = "",
    retry_of: Job | None = None,
) -> Job:
    """Record a Job and defer its procrastinate task in the same transaction.

    Raises JobConflict when a job with the same ``lock_key`` is queued or running (a partial unique index
    decides, so two simultaneous requests cannot both pass), JobStartError when the database is unavailable.
    """
    task = app.tasks[task_name]
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, task_name=task_name, queue=task.queue, started_by=by, month=month, org_unit=org_unit,
                parameters=parameters or {}, lock_key=lock_key, retry_of=retry_of,
            )
            # procrastinate's Django connector writes through this same connection: same transaction.
            # Its lock is a second guard: two jobs with one key never run at the same time.
            job.procrastinate_id = task.configure(lock=lock_key or None).defer(job_id=job.pk)
            job.save(update_fields=["procrastinate_id"])
    except IntegrityError as exc:
        if "job_one_active_per_lock_key" not in str(exc):
            raise
        active = Job.objects.select_related("started_by").filter(
            lock_key=lock_key, state__in=Job.ACTIVE_STATES).first()
        message = _("已有作业正在进行：%(job)s。请等待其完成后再试。") % {
            "job": job_describe(active) if active else lock_key}
        raise JobConflict(message, active=active) from None
    except DatabaseError as exc:
        logger.warning("job_enqueue %s: database unavailable: %s", kind, exc)
        raise JobStartError(_("数据库暂时无法连接，作业没有提交，也没有写入任何数据。请稍后重试。")) from None
    return job


def job_may_manage(*, job: Job, user) -> bool:
    """The starter of a job and system admins may cancel or retry it."""
    return user.is_superuser or (job.started_by_id is not None and job.started_by_id == user.pk)


def job_cancel(*, job: Job, by) -> Job:
    """Cancel a queued job at once; ask a running one to stop (it rolls back at its next progress report)."""
    if not job_may_manage(job=job, user=by):
        raise JobActionError(_("只有作业发起人或系统管理员可以取消该作业。"))
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.state == Job.State.QUEUED and job.procrastinate_id is not None:
            if app.job_manager.cancel_job_by_id(job.procrastinate_id):
                job.state = Job.State.CANCELLED
                job.finished_at = timezone.now()
                job.error = _("已由 %(who)s 取消（尚未开始执行）。") % {"who": by.username}
                job.save(update_fields=["state", "finished_at", "error"])
                return job
        if job.state in Job.ACTIVE_STATES:
            # Already picked by a worker: the worker sees the flag within a heartbeat and rolls back.
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
            return job
    raise JobActionError(_("作业已结束（%(state)s），无法取消。") % {"state": job.get_state_display()})


def job_retry(*, job: Job, by) -> Job:
    """Start a failed or cancelled job again with the same parameters (a new Job row, linked to the old one)."""
    if not job_may_manage(job=job, user=by):
        raise JobActionError(_("只有作业发起人或系统管理员可以重试该作业。"))
    if job.state not in (Job.State.FAILED, Job.State.CANCELLED):
        raise JobActionError(_("只有失败或已取消的作业可以重试。"))
    return job_enqueue(kind=job.kind, task_name=job.task_name, by=by, month=job.month, org_unit=job.org_unit,
                       parameters=job.parameters, lock_key=job.lock_key, retry_of=job)


def jobs_fail_stalled(*, stalled_seconds: float | None = None) -> list[int]:
    """Mark failed every running job whose heartbeat stopped (its worker died); returns their ids.

    The work of a job runs in one transaction, which PostgreSQL rolled back when the worker's connection
    dropped: the message says the data is as before, and that a retry is safe. The procrastinate job is
    finished too, which releases its lock for the retry.
    """
    seconds = settings.JOB_STALLED_SECONDS if stalled_seconds is None else stalled_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    message = _("执行该作业的后台进程已中断（超过 %(s)s 秒没有心跳）。作业在单个事务中执行，"
                "数据库已恢复到作业开始前的状态；可以重试。") % {"s": f"{seconds:g}"}
    failed: list[int] = []
    with transaction.atomic():
        stalled = list(Job.objects.select_for_update(skip_locked=True)
                       .filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff))
        for job in stalled:
            job.state = Job.State.FAILED
            job.error = message
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
            failed.append(job.pk)
            if job.procrastinate_id is not None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE procrastinate_jobs SET status = 'failed', abort_requested = false "
                        "WHERE id = %s AND status = 'doing'", [job.procrastinate_id])
    for pk in failed:
        logger.warning("job %s failed: stalled (no heartbeat for %s s)", pk, seconds)
    return failed
