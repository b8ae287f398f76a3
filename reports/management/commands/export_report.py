"""python manage.py export_report --month YYYY-MM [--org CODE] --format xlsx|pdf --output PATH"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from reports.services import FORMATS, ReportError, report_context_build, report_export


class Command(BaseCommand):
    help = "导出月度报表（全行或某机构及其下级机构），Excel 或 PDF"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--org", help="机构代码，默认全行")
        parser.add_argument("--format", default="xlsx", choices=FORMATS)
        parser.add_argument("--output", required=True, help="输出文件路径")

    def handle(self, *args, **options):
        try:
            month = month_parse(options["month"])
            context = report_context_build(month=month, org_code=options.get("org"))
            parts = report_export(context=context, fmt=options["format"], output=Path(options["output"]))
        except (MonthFormatError, ReportError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {options['output']}：{'、'.join(parts)}"))
