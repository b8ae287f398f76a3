"""Writing the monthly report package (XLSX now; the PDF writer slots in next to it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from crm.models import AccessLog, OrgUnit
from crm.services.audit import access_log_record
from crm.spreadsheet import safe_cell
from segmentation.models import MonthClose

from .exporters import ReportContext, sheet_registry


class ReportError(Exception):
    """The report cannot be produced; the message is for the operator (Chinese)."""


def report_context_build(*, month: dt.date, org_code: str | None) -> ReportContext:
    """Check the month is closed and the org code exists; the scope every sheet is built for."""
    org = None
    if org_code:
        org = OrgUnit.objects.filter(code=org_code).first()
        if org is None:
            raise ReportError(_("机构代码不存在：%(code)s") % {"code": org_code})
    if not MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).exists():
        raise ReportError(_("%(month)s 尚未月结，不能导出报表") % {"month": f"{month:%Y-%m}"})
    return ReportContext(month=month, org=org)


def report_xlsx_write(*, context: ReportContext, output: Path, by=None) -> list[str]:
    """Stream every registered sheet into ``output`` (openpyxl write-only); returns the sheet names.

    Every export is a sensitive action and leaves an access-log row.
    """
    workbook = Workbook(write_only=True)
    names = []
    bold = Font(bold=True)
    for exporter_class in sheet_registry():
        exporter = exporter_class(context)
        sheet = workbook.create_sheet(title=exporter.verbose_name)
        for index, width in enumerate(exporter.column_widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for n, row in enumerate(exporter.rows()):
            if n == 0:
                header = []
                for value in row:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.font = bold
                    header.append(cell)
                sheet.append(header)
            else:
                sheet.append([safe_cell(v) for v in row])
        names.append(exporter.verbose_name)
    output.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(output)
    access_log_record(
        user=by, action=AccessLog.Action.EXPORT, target=output.name,
        detail={"report": "monthly", "format": "xlsx", "month": f"{context.month:%Y-%m}",
                "org": context.org.code if context.org else None, "sheets": names},
    )
    return names
