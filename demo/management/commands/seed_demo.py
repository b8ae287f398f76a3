"""``seed_demo``: build the demo bank (see demo.bank for what it contains)."""

from __future__ import annotations

import re
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.models import Customer
from demo.bank import DEMO_PREFIX, DemoBankBuilder, month_range

MAX_CUSTOMERS = 200_000
MAX_MONTHS = 120


def last_full_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def parse_until(value: str | None, *, today: date) -> date:
    """``YYYY-MM`` → first day of that month; not later than the last full month."""
    latest = last_full_month(today)
    if value is None:
        return latest
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1990:
        raise CommandError(f"--until 的值“{value}”无效：应为 YYYY-MM 格式的月份，例如 2024-06。")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > latest:
        raise CommandError(f"--until 的值“{value}”无效：不能晚于上一个完整月份 {latest:%Y-%m}。")
    return month


class Command(BaseCommand):
    help = (
        "生成演示银行：机构树、演示用户（密码 demo12345）、代码表、客户、账户和月度余额。"
        f"使用固定随机种子，重复运行得到相同的数据（先删除客户号以 {DEMO_PREFIX} 开头的上次演示客户）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="客户数（默认 2000）")
        parser.add_argument("--months", type=int, default=13, help="月份数（默认 13）")
        parser.add_argument("--until", help="最后一个月 YYYY-MM（默认上一个完整月份）")
        parser.add_argument("--if-empty", action="store_true", help="已有任何客户时什么也不做")

    def handle(self, *args, **options):
        customers, months = options["customers"], options["months"]
        if not 1 <= customers <= MAX_CUSTOMERS:
            raise CommandError(f"--customers 的值 {customers} 无效：应在 1 到 {MAX_CUSTOMERS} 之间。")
        if not 1 <= months <= MAX_MONTHS:
            raise CommandError(f"--months 的值 {months} 无效：应在 1 到 {MAX_MONTHS} 之间。")
        until = parse_until(options["until"], today=timezone.localdate())
        if options["if_empty"] and Customer.objects.exists():
            self.stdout.write("已有客户数据，跳过生成演示数据（--if-empty）。")
            return
        started = time.perf_counter()
        month_list = month_range(until=until, count=months)
        self.stdout.write(f"生成演示银行：{customers} 户客户，{month_list[0]:%Y-%m} 至 {until:%Y-%m} 共 {months} 个月")
        builder = DemoBankBuilder(customers=customers, months=month_list, log=self.stdout.write)
        counts = builder.build()
        self.stdout.write(self.style.SUCCESS(
            f"完成：客户 {counts['customers']} 户，账户 {counts['accounts']} 个，月度余额 {counts['balances']} 行，"
            f"用时 {time.perf_counter() - started:.1f} 秒。演示用户密码：demo12345"
        ))
