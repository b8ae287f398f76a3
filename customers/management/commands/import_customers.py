"""python manage.py import_customers FILE — customers from .xlsx or .csv, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.terminal_progress import TerminalProgress
from customers.importers.results import ImportResult
from customers.services.imports import customers_import


def report(command: BaseCommand, result: ImportResult, *, what: str) -> None:
    """Print the counts, or every bad row and raise CommandError (exit code 1)."""
    if result.file_error:
        raise CommandError(f"导入失败：{result.file_error} 未写入任何数据。")
    if result.errors:
        for error in result.errors:
            command.stderr.write(str(error))
        raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未写入任何数据。")
    command.stdout.write(command.style.SUCCESS(
        f"导入完成：{what}新增 {result.created}，更新 {result.updated}，未变化 {result.unchanged}（共 {result.rows} 行）。"
    ))


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 文件导入客户（全部成功或全部不写入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        progress = TerminalProgress(self.stdout._out, description="导入客户")
        try:
            result = customers_import(file=file, by=None, progress=progress)
        finally:
            progress.close()
        report(self, result, what="客户")
