"""python manage.py import_balances FILE --month YYYY-MM — one month of account balances, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from crm.terminal_progress import TerminalProgress
from customers.management.commands.import_customers import report
from customers.services.imports import balances_import


class Command(BaseCommand):
    help = "导入一个月的账户余额（.xlsx 或 .csv；全部成功或全部不写入；重复导入同一文件不会再改变数据）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, file: Path, month: str, **options):
        try:
            first_day = month_parse(month)
        except MonthFormatError as exc:
            raise CommandError(str(exc)) from None
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        progress = TerminalProgress(self.stdout._out, description="导入余额")
        try:
            # The import holds the month (crm.month_lock): never beside a close of the same month (a job or a command).
            result = balances_import(file=file, month=first_day, by=None, progress=progress)
        finally:
            progress.close()
        if result.ok and result.accounts_created:
            self.stdout.write(f"新开账户 {result.accounts_created} 个。")
        report(self, result, what="月度余额")
