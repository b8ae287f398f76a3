"""python manage.py export_report --month YYYY-MM [--org CODE] --format xlsx|pdf --output PATH"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from reports.services import ReportError, report_context_build, report_xlsx_write
from segmentation.services import MonthCloseError


class Command(BaseCommand):
    help = "导出月度报表（全行或某机构及其下级机构）"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--org", help="机构代码，默认全行")
        parser.add_argument("--format", default="xlsx", choices=["xlsx", "pdf"])
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args, **options):
        try:
            month = month_parse(options["month"])
            context = report_context_build(month=month, org_code=options.get("org"))
            if options["format"] == "pdf":
                raise ReportError("PDF 格式报表尚未提供，请使用 --format xlsx")
            names = report_xlsx_write(context=context, output=Path(options["output"]))
        except (MonthCloseError, MonthFormatError, ReportError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {options['output']}：{'、'.join(names)}"))
