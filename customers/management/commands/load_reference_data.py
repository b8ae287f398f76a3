"""python manage.py load_reference_data — the reference lookups (regions, industries, occupations) of fixtures/reference/."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def reference_fixtures() -> list[Path]:
    """The Django fixtures a new bank starts with, in the project's top-level fixtures/reference/."""
    return sorted((Path(settings.BASE_DIR) / "fixtures" / "reference").glob("*.json"))


class Command(BaseCommand):
    help = "载入参考代码表（地区、行业、职业；fixtures/reference/）。按（类别, 代码）更新已有的行，可重复运行。"

    def handle(self, *args, **options):
        files = reference_fixtures()
        if not files:
            raise CommandError("找不到参考数据文件（fixtures/reference/*.json）。")
        call_command("loaddata", *map(str, files), verbosity=0)
        self.stdout.write(f"已载入参考代码表：{'、'.join(f.name for f in files)}")
