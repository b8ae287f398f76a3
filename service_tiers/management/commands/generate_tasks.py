"""generate_tasks [--date YYYY-MM-DD]: the service tasks due by the standards as of that day (default today)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from service_tiers.generation import tasks_generate
from service_tiers.models import ServiceTask


class Command(BaseCommand):
    help = _("按服务标准生成指定日期应有的服务任务（默认今天）；同一天重复运行不会重复生成")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        raw = options.get("date")
        if raw:
            try:
                day = dt.datetime.strptime(raw.strip(), "%Y-%m-%d").date()  # noqa: DTZ007 — a calendar day
            except ValueError:
                raise CommandError(_("日期格式错误：%(value)s（应为 YYYY-MM-DD，例如 2026-01-31）") % {"value": raw}) from None
        else:
            day = timezone.localdate()
        counts = tasks_generate(day=day)
        if not counts:
            self.stdout.write(_("%(day)s 没有已发布且已生效的服务标准版本，未生成任务") % {"day": day})
            return
        labels = dict(ServiceTask.Kind.choices)
        for kind, count in counts.items():
            self.stdout.write(f"{labels[kind]}: {count}")
        self.stdout.write(_("%(day)s 共生成 %(n)s 个任务") % {"day": day, "n": sum(counts.values())})
