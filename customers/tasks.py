"""Background jobs of the customers app: an import after its preview was confirmed (queue "imports")."""

from __future__ import annotations

import math
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job
from customers.importers.files import CHUNK_ROWS
from customers.services.imports import balances_import, customers_import

IMPORT_TASK = "customers.import_file"
MAX_ERRORS_KEPT = 1000
# Steps after the chunks are read: checks against the database, then (balances) accounts, balances, current figures.
_WRITE_STEPS = {"customers": 1, "balances": 3}


def import_rows_estimate(path: Path) -> int:
    """Rows in the file, cheaply: line count of a CSV, the sheet's declared size of a workbook (0 if unknown)."""
    try:
        if path.suffix.lower() == ".csv":
            with open(path, "rb") as stream:
                return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1)
        with zipfile.ZipFile(path) as archive:
            head = archive.open("xl/worksheets/sheet1.xml").read(4096).decode("utf-8", "replace")
        marker = head.find('<dimension ref="')
        if marker < 0:
            return 0
        ref = head[marker + 16:head.find('"', marker + 16)].split(":")[-1]
        return max(0, int("".join(ch for ch in ref if ch.isdecimal()) or 1) - 1)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return 0


class ImportProgress:
    """Turns the importers' step messages into done/total units (one per chunk read, one per write step)."""

    def __init__(self, job: Job, *, path: Path, kind: str) -> None:
        self.job = job
        chunks = max(1, math.ceil(import_rows_estimate(path) / CHUNK_ROWS))
        self.total = chunks + _WRITE_STEPS[kind]
        self.done = 0
        job_progress(job, done=0, total=self.total, step=_("正在读取文件……"))

    def __call__(self, message: str) -> None:
        self.done = min(self.total - 1, self.done + 1)
        job_progress(self.job, done=self.done, total=self.total, step=message)


def import_result_payload(result, *, original: str) -> dict[str, Any]:
    """The import's report as JSON for the Job: counts, or the file problem and every bad row (capped)."""
    return {
        "file": original, "rows": result.rows, "created": result.created, "updated": result.updated,
        "unchanged": result.unchanged, "accounts_created": result.accounts_created,
        "file_error": result.file_error, "error_count": len(result.errors),
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors[:MAX_ERRORS_KEPT]],
    }


def import_work(job: Job) -> dict[str, Any]:
    """Write a previewed import file (validated again: all-or-nothing); a bad file fails with its row report."""
    params = job.parameters
    path = Path(settings.MEDIA_ROOT) / params["path"]
    if not path.is_file():
        raise JobFailed(_("导入文件已不存在（可能已过期清理），请重新上传。"))
    kind = params["kind"]
    progress = ImportProgress(job, path=path, kind=kind)
    max_rows = {"max_rows": None} if params.get("unlimited") else {}
    if kind == "customers":
        result = customers_import(file=path, by=job.started_by, progress=progress, **max_rows)
    else:
        month = date.fromisoformat(params["month"])
        result = balances_import(file=path, month=month, by=job.started_by, progress=progress, **max_rows)
    payload = import_result_payload(result, original=params.get("original", path.name))
    if not result.ok:
        problem = result.file_error or _("共 %(n)s 处错误") % {"n": f"{len(result.errors):,}"}
        raise JobFailed(_("导入失败，未写入任何数据：%(p)s。") % {"p": problem}, result=payload)
    path.unlink(missing_ok=True)  # kept on failure, so the job can be retried
    return payload


@app.task(name=IMPORT_TASK, queue="imports")
def import_file(job_id: int) -> None:
    job_run(job_id, import_work)
