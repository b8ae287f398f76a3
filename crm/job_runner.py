"""Running a Job inside a worker: its state, its heartbeat, and the progress API work reports to.

Work such as a month close runs in ONE transaction, so progress written on the worker's own connection
would stay invisible until the end. Progress therefore goes to memory (``job_progress`` costs a few
attribute writes), and a heartbeat thread — with its own connection — writes it, the heartbeat time and
reads a cancel request every ``JOB_HEARTBEAT_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Job

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised from ``job_progress`` once a cancel was requested: the work's transaction rolls back."""


class JobFailed(Exception):
    """The work ended in an expected failure; ``message`` is for the user, ``result`` keeps details
    (e.g. the import's per-row report)."""

    def __init__(self, message: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result or {}


class JobTracker:
    """In-memory progress of the running job, flushed by a heartbeat thread."""

    def __init__(self, job_id: int, *, interval: float) -> None:
        self.job_id = job_id
        self.interval = interval
        self.done = 0
        self.total = 0
        self.step = ""
        self.cancel_requested = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def update(self, *, done: int | None = None, total: int | None = None, step: str | None = None,
               cancellable: bool = True) -> None:
        if done is not None:
            self.done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        if step is not None:
            self.step = step[:200]
        if self.cancel_requested and cancellable:
            raise JobCancelled

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval * 5)

    def _flush(self) -> None:
        Job.objects.filter(pk=self.job_id, state=Job.State.RUNNING).update(
            heartbeat_at=timezone.now(), progress_done=self.done, progress_total=self.total, step=self.step)
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            self.cancel_requested = True

    def _beat(self) -> None:
        # This thread's own connection (Django's are per thread), outside the work's transaction.
        try:
            while not self._stop.wait(self.interval):
                try:
                    self._flush()
                except Exception:  # a missed beat is not fatal; the next one retries
                    logger.exception("job %s: heartbeat failed", self.job_id)
                    connection.close()
        finally:
            connection.close()


_trackers: dict[int, JobTracker] = {}


def job_progress(job: Job | int, *, done: int | None = None, total: int | None = None, step: str | None = None,
                 cancellable: bool = True) -> None:
    """Report progress of a running job: cheap (memory only; the heartbeat writes it).

    Raises JobCancelled when the job's cancellation was requested, unless ``cancellable`` is False (work
    already committed). Outside a worker (no tracker) it does nothing.
    """
    tracker = _trackers.get(job if isinstance(job, int) else job.pk)
    if tracker is not None:
        tracker.update(done=done, total=total, step=step, cancellable=cancellable)


def job_run(job_id: int, work: Callable[[Job], dict[str, Any] | None]) -> None:
    """Run ``work(job)`` for a queued Job: running → succeeded / failed / cancelled, with a heartbeat.

    ``work`` returns the result to store (JSON), raises JobFailed for an expected failure (stored message),
    JobCancelled when cancelled; any other exception is stored as an internal error, in Chinese.
    """
    # In a worker each job runs on a pool thread with its own connection: start fresh, close at the end.
    # Inside a caller's transaction (tests running jobs in-process) the connection is the caller's.
    owns_connection = not connection.in_atomic_block
    if owns_connection:
        close_old_connections()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now, worker=f"{socket.gethostname()}:{os.getpid()}")
    if not claimed:  # cancelled (or already run) between the deferral and now
        logger.info("job %s: not queued any more, skipped", job_id)
        return
    job = Job.objects.get(pk=job_id)
    tracker = JobTracker(job_id, interval=settings.JOB_HEARTBEAT_SECONDS)
    _trackers[job_id] = tracker
    tracker.start()
    final: dict[str, Any] = {}
    try:
        result = work(job) or {}
    except JobCancelled:
        final = {"state": Job.State.CANCELLED, "error": _("作业已按请求取消，所做的修改已全部回滚。")}
    except JobFailed as exc:
        final = {"state": Job.State.FAILED, "error": exc.message, "result": exc.result}
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        final = {"state": Job.State.FAILED,
                 "error": _("作业执行出错，已回滚，未写入任何数据：%(error)s") % {"error": str(exc)[:500]}}
    else:
        tracker.step = _("已完成")
        final = {"state": Job.State.SUCCEEDED, "result": result, "progress_done": max(tracker.done, tracker.total),
                 "progress_total": tracker.total}
    finally:
        tracker.stop()
        _trackers.pop(job_id, None)
    final.setdefault("progress_done", tracker.done)
    final.setdefault("progress_total", tracker.total)
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        finished_at=timezone.now(), heartbeat_at=timezone.now(), step=tracker.step, **final)
    if owns_connection:
        connection.close()
