"""python manage.py close_month --month YYYY-MM"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from segmentation.services import MonthCloseError, month_close


class Command(BaseCommand):
    help = "月结：生成客户月度事实、分层结果、等级变动与服务任务，并将该月标记为已月结"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            month = month_parse(options["month"])
            row = month_close(month=month)
        except (MonthCloseError, MonthFormatError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(self.style.SUCCESS(
            f"{row.month:%Y-%m} 月结完成：{row.customer_count} 位客户，规则版本 v{row.rule_version.number}，"
            f"用时 {time.monotonic() - started:.1f} 秒"
        ))
