"""python manage.py close_month --month YYYY-MM"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from crm.terminal_progress import TerminalProgress
from segmentation.services import MonthCloseError, month_close


class Command(BaseCommand):
    help = "月结：生成客户月度事实、分层结果、等级变动与服务任务，并将该月标记为已月结"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--accept-incomplete", action="store_true",
                            help="余额数据未通过完整性校验时仍然月结（须同时用 --reason 说明原因，记入月结记录）")
        parser.add_argument("--reason", default="", help="接受数据不完整的原因")

    def handle(self, *args, **options):
        started = time.monotonic()
        progress = TerminalProgress(self.stdout._out, description="月结")
        try:
            month = month_parse(options["month"])
            # The close holds the month (crm.month_lock): beside a job or command of the same month it is refused.
            row = month_close(month=month, accept_incomplete=options["accept_incomplete"],
                              reason=options["reason"], progress=progress)
        except (MonthCloseError, MonthFormatError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        finally:
            progress.close()
        self.stdout.write(self.style.SUCCESS(
            f"{row.month:%Y-%m} 月结完成：{row.customer_count} 位客户，规则版本 v{row.rule_version.number}，"
            f"用时 {time.monotonic() - started:.1f} 秒"
        ))
        if row.incomplete_reason:
            self.stdout.write(self.style.WARNING(f"已接受数据不完整：{row.incomplete_reason}"))
