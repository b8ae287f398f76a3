"""``benchmark``: time the pages and imports that must stay fast at a million customers (issue 2)."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from benchmarks.database import database_create, database_drop, database_exists, using_database
from benchmarks.datagen import bench_data_generate, bench_data_size
from benchmarks.runner import BenchContext, discover, results_table, run_case


def _last_full_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


class Command(BaseCommand):
    help = (
        "性能基准：在独立数据库（当前数据库名 + _bench）中用 COPY 生成大量客户，"
        "计时客户列表、姓名搜索、客户360页面和余额导入，并打印 EXPLAIN。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1_000_000, help="客户数（默认 1,000,000）")
        parser.add_argument("--only", help="只运行这些用例（逗号分隔）")
        parser.add_argument("--keep", action="store_true", help="保留基准数据库；已有且规模相同时直接复用")
        parser.add_argument("--repeat", type=int, help="每个用例的计时次数（默认按用例，通常 20）")
        parser.add_argument("--bench-db", help="基准数据库名（默认：当前数据库名 + _bench）")
        parser.add_argument("--workdir", help="存放生成的 CSV 的目录（默认：系统临时目录）")
        parser.add_argument("--list", action="store_true", help="列出已注册的用例后退出")

    def handle(self, *args, **options):
        registry = discover()
        cases = sorted(registry.cases.values(), key=lambda c: c.order)
        if options["list"]:
            for case in cases:
                self.stdout.write(f"{case.name:28} 目标 < {case.target_ms:g} ms  {case.description}")
            return
        if options["only"]:
            wanted = [name.strip() for name in options["only"].split(",") if name.strip()]
            unknown = [name for name in wanted if name not in registry.cases]
            if unknown:
                raise CommandError(
                    f"--only 中的用例不存在：{', '.join(unknown)}。可用用例：{', '.join(c.name for c in cases)}"
                )
            cases = [c for c in cases if c.name in wanted]
        count = options["customers"]
        if not 100 <= count <= 20_000_000:
            raise CommandError(f"--customers 的值 {count} 无效：应在 100 到 20,000,000 之间。")
        if options["repeat"] is not None and options["repeat"] < 1:
            raise CommandError("--repeat 应为正整数。")
        name = options["bench_db"] or f"{connection.settings_dict['NAME']}_bench"
        if name == connection.settings_dict["NAME"]:
            raise CommandError("基准数据库不能与当前数据库同名。")
        keep = options["keep"]
        month = _last_full_month(timezone.localdate())
        workdir = Path(options["workdir"] or tempfile.mkdtemp(prefix="crm-bench-"))
        workdir.mkdir(parents=True, exist_ok=True)
        write = self.stdout.write
        try:
            with using_database(name):
                reused = False
                if keep and database_exists(name):
                    call_command("migrate", verbosity=0, interactive=False)
                    customers, accounts = bench_data_size()
                    reused = customers == count and accounts == 4 * count
                    write(f"基准数据库 {name}：{customers} 户客户，{accounts} 个账户" + ("，复用" if reused else "，重建"))
                generation = None
                if not reused:
                    connection.close()
                    database_create(name)
                    started = time.perf_counter()
                    call_command("migrate", verbosity=0, interactive=False)
                    write(f"已创建并迁移基准数据库 {name}（{time.perf_counter() - started:.1f} 秒）")
                    write(f"生成 {count:,} 户客户 ×4 个账户 …")
                    started = time.perf_counter()
                    bench_data_generate(customers=count, aum_month=month, log=write)
                    generation = time.perf_counter() - started
                    write(f"数据生成用时 {generation:.1f} 秒")
                customers, accounts = bench_data_size()
                ctx = BenchContext(customers=customers, accounts=accounts, month=month, workdir=workdir, log=write)
                results = []
                for case in cases:
                    write(f"运行 {case.name} …")
                    results.append(run_case(case, ctx, repeat=options["repeat"]))
                write("")
                write(f"基准结果（{customers:,} 户客户，{accounts:,} 个账户，数据库 {name}）")
                if generation is not None:
                    write(f"数据生成：{generation:.1f} 秒")
                write(results_table(results))
                for result in results:
                    if result.status == "error" and options["verbosity"] > 1:
                        write(result.extra.get("traceback", ""))
                for report in registry.reports:
                    try:
                        report(ctx, write)
                    except Exception as exc:  # noqa: BLE001 — a report never hides the table above
                        write(f"报告 {report.__name__} 失败：{type(exc).__name__}: {exc}")
                passed = sum(r.status == "pass" for r in results)
                write(
                    f"\n结果：达标 {passed}，未达标 {sum(r.status == 'FAIL' for r in results)}，"
                    f"出错 {sum(r.status == 'error' for r in results)}，不可用 {sum(r.status == 'n/a' for r in results)}"
                )
        finally:
            if not keep:
                database_drop(name)
