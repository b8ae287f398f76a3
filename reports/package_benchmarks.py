"""Benchmark cases of the monthly report package (imported by reports.benchmarks, discovered by crm.benchmarking).

The bank-wide Excel runs ``export_report`` in a child process under ``/usr/bin/time`` so its peak memory is
the export's own (the benchmark process holds every earlier case's state); the PDF is timed in-process.
Both report on the month before the data month, closed (aggregates included) by ``segmentation_history``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from crm.benchmarking.registry import CaseFailed, benchmark_case
from segmentation.models import Assignment

from .services import report_context_build, report_file_write

PEAK_MB_TARGET = 300


def _database_url() -> str:
    """The benchmark database as a DATABASE_URL for the child process (a socket directory as the host works)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@benchmark_case("report_xlsx_bank", target_ms=60_000, repeat=1, warmup=0, needs=("segmentation_history",),
                count_queries=False)
def report_xlsx_bank(ctx, segmentation_history) -> dict:
    """export_report --format xlsx for the whole bank (8 sheets, the detail sheet one row per customer)."""
    month = segmentation_history["prev"]
    output = Path(ctx.workdir) / "report_bank.xlsx"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    result = subprocess.run(  # noqa: S603 — fixed argv: this interpreter, manage.py, our own arguments
        ["/usr/bin/time", "-f", "peak_kb=%M", sys.executable, str(Path(settings.BASE_DIR) / "manage.py"),
         "export_report", "--month", f"{month:%Y-%m}", "--format", "xlsx", "--output", str(output)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise CaseFailed(result.stderr.strip()[-300:])
    peak_kb = int(result.stderr.strip().rsplit("peak_kb=", 1)[1].split()[0])
    rows = Assignment.objects.filter(month=month, kind="individual").count()
    peak_mb = round(peak_kb / 1024, 1)
    if peak_mb >= PEAK_MB_TARGET:
        ctx.log(f"report_xlsx_bank: 峰值内存 {peak_mb} MB，超过 {PEAK_MB_TARGET} MB 目标")
    return {"detail_rows": rows, "peak_rss_mb": peak_mb, "file_mb": round(output.stat().st_size / 1_048_576, 1)}


@benchmark_case("report_pdf_bank", target_ms=5_000, repeat=3, warmup=1, needs=("segmentation_history",))
def report_pdf_bank(ctx, segmentation_history) -> dict:
    """The whole bank's PDF package (cover, distributions, charts, matrices, trends, RM and task summaries)."""
    context = report_context_build(month=segmentation_history["prev"])
    output = Path(ctx.workdir) / "report_bank.pdf"
    report_file_write(context=context, fmt="pdf", output=output)
    return {"file_kb": round(output.stat().st_size / 1024)}
