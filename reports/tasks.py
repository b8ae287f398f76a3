"""Background jobs of reports: report packages (queue "reports") and the scheduled month-end.

Month-end, from the 2nd of each month: close the previous month once its balances are imported and it passes
the completeness gate (the close refuses otherwise: the job fails and admins are alerted, nothing is
closed), then generate and archive the bank-wide and per-branch report packages.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.mail import mail_admins
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job, OrgUnit
from crm.month_lock import month_lock_key
from crm.services.jobs import JobConflict, job_enqueue
from customers.models import MonthlyBalance
from reports.services import report_package_generate
from segmentation.models import MonthClose
from segmentation.services import MonthCloseError, month_close

logger = logging.getLogger(__name__)

REPORT_PACKAGE_TASK = "reports.report_package"
MONTH_END_TASK = "reports.month_end"
PACKAGE_FORMATS = ("xlsx", "pdf")


def _packages_generate(job: Job, *, month: date, org_units: list[OrgUnit | None], formats, start: int,
                       total: int) -> list[str]:
    made = []
    done = start
    for org_unit in org_units:
        for fmt in formats:
            name = org_unit.name if org_unit else _("全行范围")
            job_progress(job, done=done, total=total, step=_("正在生成报表包：%(org)s %(fmt)s") % {
                "org": name, "fmt": fmt.upper()})
            package = report_package_generate(month=month, org_unit=org_unit, fmt=fmt, by=job.started_by)
            made.append(str(getattr(package, "pk", package)))
            done += 1
    return made


def report_package_work(job: Job) -> dict[str, Any]:
    """One report package (a month, an org unit or the whole bank, one format)."""
    month = date.fromisoformat(job.parameters["month"])
    fmt = job.parameters["fmt"]
    made = _packages_generate(job, month=month, org_units=[job.org_unit], formats=[fmt], start=0, total=1)
    return {"month": f"{month:%Y-%m}", "packages": made}


@app.task(name=REPORT_PACKAGE_TASK, queue="reports")
def report_package(job_id: int) -> None:
    job_run(job_id, report_package_work)


def report_package_enqueue(*, month: date, org_unit: OrgUnit | None, fmt: str, by) -> Job:
    """Queue one report package; the reports page shows its progress at the job's URL."""
    return job_enqueue(kind=Job.Kind.REPORT_PACKAGE, task_name=REPORT_PACKAGE_TASK, by=by, month=month,
                       org_unit=org_unit, parameters={"month": month.isoformat(), "fmt": fmt})


def _alert_admins(job: Job, message: str) -> None:
    """A refused month-end: the failed job on the admins' jobs page, the log, and mail to ADMINS (if set)."""
    logger.error("month-end %s refused: %s", f"{job.month:%Y-%m}", message)
    mail_admins(_("自动月结未执行：%(m)s") % {"m": f"{job.month:%Y-%m}"}, message, fail_silently=True)


def month_end_work(job: Job) -> dict[str, Any]:
    """Close the month (if its balances are in and the gate passes), then the bank's and branches' packages."""
    month = job.month
    branches = list(OrgUnit.objects.filter(level=OrgUnit.Level.BRANCH).order_by("code"))
    org_units: list[OrgUnit | None] = [None, *branches]
    close_steps = 8  # share of the bar for the close
    total = close_steps + len(org_units) * len(PACKAGE_FORMATS)
    label = {"m": f"{month:%Y-%m}"}
    if not MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).exists():
        if not MonthlyBalance.objects.filter(month=month).exists():
            message = _("%(m)s 的账户余额尚未导入，未执行自动月结。请导入余额后由管理员在“月结”页面月结。") % label
            _alert_admins(job, message)
            raise JobFailed(message)

        def progress(*, done: int, total: int, step: str, cancellable: bool = True) -> None:
            # The close's own steps fill the first part of the bar, the packages the rest.
            job_progress(job, done=done * close_steps // max(total, 1), total=close_steps + len(org_units) * 2,
                         step=step, cancellable=cancellable)

        try:
            month_close(month=month, by=None, progress=progress)
        except MonthCloseError as exc:
            message = _("%(m)s 未能自动月结：%(reason)s") % {**label, "reason": exc}
            _alert_admins(job, message)
            raise JobFailed(message) from None
    made = _packages_generate(job, month=month, org_units=org_units, formats=PACKAGE_FORMATS, start=close_steps,
                              total=total)
    return {"month": f"{month:%Y-%m}", "packages": made}


@app.task(name=MONTH_END_TASK, queue="close")
def month_end(job_id: int) -> None:
    job_run(job_id, month_end_work)


def month_end_enqueue(*, today: date) -> Job | None:
    """The month-end job for the month before ``today``, unless that month is closed already."""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).exists():
        return None
    return job_enqueue(kind=Job.Kind.MONTH_END, task_name=MONTH_END_TASK, month=month,
                       parameters={"month": month.isoformat()}, lock_key=month_lock_key(month))


# procrastinate reads crons in UTC: 22:00 UTC on the 1st–9th is 06:00 bank time (UTC+8) on the 2nd–10th.
@app.periodic(cron="0 22 1-9 * *", periodic_id="month_end")
@app.task(name="reports.month_end_schedule", queue="close", queueing_lock="month_end_schedule")
def month_end_schedule(timestamp: int) -> None:
    """06:00 on the 2nd (and each day to the 10th while the month stays open): the month-end job."""
    today = timezone.localdate(datetime.fromtimestamp(timestamp, tz=timezone.get_current_timezone()))
    try:
        month_end_enqueue(today=today)
    except JobConflict as exc:
        logger.warning("month-end not started: %s", exc)
