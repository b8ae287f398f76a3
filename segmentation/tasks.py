"""Background jobs of segmentation: the month close and reopen (queue "close").

The services hold the month (crm.month_lock) for their one transaction, so a close never meets that month's
balance import or another close; a cancelled or killed close leaves the database as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job

from .models import RuleVersion
from .selectors import WhatIf, whatif_compute
from .services import MonthCloseError, month_close, month_reopen

CLOSE_TASK = "segmentation.month_close"
REOPEN_TASK = "segmentation.month_reopen"


def close_work(job: Job) -> dict[str, Any]:
    """Close the job's month with progress after each step; a refusal fails the job with its reason."""
    month = date.fromisoformat(job.parameters["month"])

    def progress(**kwargs) -> None:
        job_progress(job, **kwargs)

    try:
        row = month_close(month=month, by=job.started_by, progress=progress,
                          accept_incomplete=bool(job.parameters.get("accept_incomplete")),
                          reason=job.parameters.get("reason", ""))
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


WHATIF_TASK = "segmentation.whatif"


def whatif_payload(preview: WhatIf) -> dict[str, Any]:
    """The preview's figures as JSON for the Job (no customer rows: names stay out of the job table)."""
    return {
        "month": preview.month.isoformat(), "version": preview.version.pk,
        "baseline_number": preview.baseline_version.number if preview.baseline_version else None,
        "customers": preview.customers,
        "asset_matrix": [[src, dst, n] for (src, dst), n in preview.asset_matrix.items()],
        "segment_matrix": [[src, dst, n] for (src, dst), n in preview.segment_matrix.items()],
        "asset_moved_customers": preview.asset_moved_customers, "asset_moved_aum": str(preview.asset_moved_aum),
        "segment_moved_customers": preview.segment_moved_customers,
        "segment_moved_aum": str(preview.segment_moved_aum),
        "bands": [{**band, "label": str(band["label"])} for band in preview.bands],
        "maintainers": preview.maintainers,
    }


def whatif_from_payload(payload: dict[str, Any], *, version: RuleVersion) -> WhatIf:
    """A WhatIf the what-if page renders, rebuilt from a finished job's result."""
    baseline = RuleVersion.objects.filter(number=payload["baseline_number"]).first() \
        if payload["baseline_number"] is not None else None
    return WhatIf(
        month=date.fromisoformat(payload["month"]), version=version, baseline_version=baseline,
        customers=payload["customers"],
        asset_matrix={(src, dst): n for src, dst, n in payload["asset_matrix"]},
        segment_matrix={(src, dst): n for src, dst, n in payload["segment_matrix"]},
        asset_moved_customers=payload["asset_moved_customers"], asset_moved_aum=Decimal(payload["asset_moved_aum"]),
        segment_moved_customers=payload["segment_moved_customers"],
        segment_moved_aum=Decimal(payload["segment_moved_aum"]),
        bands=payload["bands"], maintainers=payload["maintainers"],
    )


def whatif_work(job: Job) -> dict[str, Any]:
    """Run a rule version on a closed month at full size (the same computation as the what-if page)."""
    version = RuleVersion.objects.get(pk=job.parameters["version"])
    month = date.fromisoformat(job.parameters["month"])
    job_progress(job, done=0, total=1, step=_("正在用 v%(n)s 模拟 %(m)s") % {"n": version.number, "m": f"{month:%Y-%m}"})
    preview = whatif_compute(version=version, month=month)
    return whatif_payload(preview)


@app.task(name=WHATIF_TASK, queue="close")
def whatif(job_id: int) -> None:
    job_run(job_id, whatif_work)
