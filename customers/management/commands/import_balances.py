"""python manage.py import_balances FILE --month YYYY-MM — one month of account balances, all-or-nothing."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.management.commands.import_customers import report
from customers.services.imports import balances_import


def parse_month(value: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(f"月份“{value}”格式不正确，应为 YYYY-MM，例如 2025-01。")
    return date(int(match.group(1)), int(match.group(2)), 1)


class Command(BaseCommand):
    help = "导入一个月的账户余额（.xlsx 或 .csv；全部成功或全部不写入；重复导入同一文件不会再改变数据）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, file: Path, month: str, **options):
        first_day = parse_month(month)
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        result = balances_import(
            file=file, month=first_day, by=None, progress=lambda message: self.stdout.write(message)
        )
        if result.ok and result.accounts_created:
            self.stdout.write(f"新开账户 {result.accounts_created} 个。")
        report(self, result, what="月度余额")
