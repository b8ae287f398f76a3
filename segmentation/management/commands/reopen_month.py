"""python manage.py reopen_month --month YYYY-MM --reason "…" """

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crm.months import MonthFormatError, month_parse
from segmentation.services import MonthCloseError, month_reopen


class Command(BaseCommand):
    help = "重新打开已月结的月份（记录原因），之后可再次月结"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--reason", required=True, help="重新打开的原因")

    def handle(self, *args, **options):
        try:
            month = month_parse(options["month"])
            month_reopen(month=month, reason=options["reason"])
        except (MonthCloseError, MonthFormatError) as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(self.style.SUCCESS(f"{month:%Y-%m} 已重新打开"))
