"""Writing the monthly report package (Excel and PDF) and archiving what was generated."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog, OrgUnit
from crm.services.audit import access_log_record
from segmentation.models import MonthClose

from .dataset import report_dataset
from .exporters import ReportContext
from .exporters.xlsx import workbook_write
from .models import ReportArchive
from .pdf.document import FontMissing
from .pdf.package import pdf_write

logger = logging.getLogger(__name__)

FORMATS = ("xlsx", "pdf")
Progress = Callable[[str, int], None]


class ReportError(Exception):
    """The report cannot be produced; the message is for the operator (Chinese)."""


def report_context_build(*, month: dt.date, org_code: str | None = None, org: OrgUnit | None = None) -> ReportContext:
    """Check the month is closed and the org code exists; the scope every part of the package is built for."""
    if org_code:
        org = OrgUnit.objects.filter(code=org_code).first()
        if org is None:
            raise ReportError(_("机构代码不存在：%(code)s") % {"code": org_code})
    close = MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).select_related(
        "rule_version").first()
    if close is None:
        raise ReportError(_("%(month)s 尚未月结，不能导出报表") % {"month": f"{month:%Y-%m}"})
    if org is not None and org.parent_id is None:
        org = None  # the root unit's subtree is the whole bank: one label, one file name
    return ReportContext(
        month=month, org=org, rule_version=close.rule_version.number if close.rule_version else None,
        generated_at=timezone.localtime().replace(microsecond=0),
        bank_name=getattr(settings, "BANK_NAME", ""),
    )


def report_file_write(*, context: ReportContext, fmt: str, output: Path, progress: Progress | None = None) -> list[str]:
    """Write the package's ``fmt`` file to ``output`` atomically: a temp file beside it, renamed when complete.

    A failure leaves no file at ``output`` (nor the temp file). Returns the parts written (sheet names / "PDF").
    """
    if fmt not in FORMATS:
        raise ReportError(_("不支持的报表格式：%(fmt)s（可选 xlsx、pdf）") % {"fmt": fmt})
    output = Path(output)
    directory = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise ReportError(_("输出路径是一个目录，请给出文件名：%(path)s") % {"path": output})
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise ReportError(_("无法写入输出文件：目录 %(dir)s 不存在或没有写权限") % {"dir": directory})
    handle, temp_name = tempfile.mkstemp(prefix=".report-", suffix=f".{fmt}.part", dir=directory)
    os.close(handle)
    temp = Path(temp_name)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The row sheets stream through server-side cursors, for which PostgreSQL plans as if only
            # the first 10 % of the rows were fetched (nested loops over indexes): 1,000,000 detail rows
            # took two minutes that way. Plan for every row, and let the customer-number sort stay in memory.
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
            cursor.execute("SET LOCAL work_mem = '128MB'")
            dataset = report_dataset(month=context.month, scope=context.scope)
            if fmt == "xlsx":
                parts = workbook_write(context=context, dataset=dataset, path=temp, progress=progress)
            else:
                pdf_write(context=context, dataset=dataset, path=temp)
                parts = ["PDF"]
        os.chmod(temp, 0o644)
        os.replace(temp, output)
    except FontMissing as exc:
        raise ReportError(_("缺少中文字体文件 %(path)s，请先运行 scripts/system_deps.sh") % {"path": exc}) from None
    except OSError as exc:
        raise ReportError(_("无法写入输出文件 %(path)s：%(error)s") % {"path": output, "error": exc.strerror}) from None
    finally:
        temp.unlink(missing_ok=True)
    return parts


def report_export(*, context: ReportContext, fmt: str, output: Path, by=None) -> list[str]:
    """The command's export: write the file and leave an access-log row (every export is a sensitive action)."""
    parts = report_file_write(context=context, fmt=fmt, output=output)
    access_log_record(
        user=by, action=AccessLog.Action.EXPORT, target=Path(output).name,
        detail={"report": "monthly", "format": fmt, "month": f"{context.month:%Y-%m}",
                "org": context.org.code if context.org else None, "sheets": parts},
    )
    return parts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def report_package_generate(*, month: dt.date, org_unit: OrgUnit | None, fmt: str, by=None,
                            source: str = ReportArchive.Source.PAGE,
                            progress: Progress | None = None) -> ReportArchive:
    """Generate one package file for the month and unit (None = whole bank) and archive it under MEDIA_ROOT.

    The caller has checked the unit is in ``by``'s scope (reports.selectors.report_units). The archive row
    and the access-log row are written together; a failure removes the file.
    """
    context = report_context_build(month=month, org=org_unit)
    relative = Path("reports") / f"{month:%Y-%m}" / f"{uuid.uuid4().hex}.{fmt}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    report_file_write(context=context, fmt=fmt, output=target, progress=progress)
    try:
        with transaction.atomic():
            archive = ReportArchive.objects.create(
                month=month, org_unit=context.org, format=fmt, rule_version=context.rule_version,
                created_by=by, created_at=context.generated_at or timezone.now(), source=source, sha256=_sha256(target),
                size=target.stat().st_size, file_path=relative.as_posix(),
            )
            access_log_record(
                user=by, action=AccessLog.Action.EXPORT, target=archive.download_name,
                detail={"report": "monthly", "format": fmt, "month": f"{month:%Y-%m}",
                        "org": context.org.code if context.org else None, "archive": archive.pk},
            )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return archive


def report_archive_download(*, archive: ReportArchive, by, client_ip: str | None = None) -> Path:
    """The archived file on disk, its download logged; ReportError when it is gone or fails its checksum.

    The caller has found ``archive`` through reports.archive_selectors.report_archives_visible.
    """
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / archive.file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise ReportError(_("归档文件已不存在：%(name)s") % {"name": archive.download_name})
    if _sha256(path) != archive.sha256:
        raise ReportError(_("归档文件校验失败（SHA-256 不一致）：%(name)s") % {"name": archive.download_name})
    access_log_record(user=by, action=AccessLog.Action.EXPORT, target=archive.download_name, client_ip=client_ip,
                      detail={"report": "monthly", "archive": archive.pk, "download": True, "sha256": archive.sha256})
    return path


def report_packages_for_close(*, month: dt.date, version=None) -> list[ReportArchive]:
    """Month-close step (after commit): archive the bank-wide and every branch's Excel and PDF packages.

    Switched by settings.REPORT_PACKAGES_ON_CLOSE (off by default: at a million customers the bank-wide
    workbook takes about a minute, which belongs in a background job).
    """
    if not getattr(settings, "REPORT_PACKAGES_ON_CLOSE", False):
        return []
    units = [None, *OrgUnit.objects.filter(level=OrgUnit.Level.BRANCH).order_by("path")]
    archives = []
    for unit in units:
        for fmt in FORMATS:
            archives.append(report_package_generate(month=month, org_unit=unit, fmt=fmt,
                                                    source=ReportArchive.Source.CLOSE))
    logger.info("month %s: %d report packages archived", f"{month:%Y-%m}", len(archives))
    return archives
