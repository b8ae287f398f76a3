"""Benchmark case of the customers import (imported by benchmarks.runner.discover): a whole bank's customers file.

The file (untimed, rewritten for every run from the benchmark database's current state) has every
customer; one in ten has a new name and one in a hundred moves to rm_a1 (or from rm_a1 to rm_a2) at
outlet OUT-A, so the import
writes updates, their change history and the handovers the moves make (issue 10, item 11).
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection
from django.utils import translation

from crm.benchmarking.registry import CaseFailed, bench_resource, benchmark_case
from crm.models import OrgUnit, User
from crm.sql_names import table
from customers.models import Customer
from customers.services.imports import customers_import

CUSTOMERS_SQL = """
COPY (
  SELECT c.customer_no, {kind_case},
         CASE WHEN c.id %% 10 = 0 THEN c.name || '新' ELSE c.name END,
         c.mobile,
         CASE WHEN c.id %% 100 = 1 THEN 'OUT-A' ELSE o.code END,
         CASE WHEN c.id %% 100 <> 1 THEN u.username WHEN u.username = 'rm_a1' THEN 'rm_a2' ELSE 'rm_a1' END
  FROM {customer} c JOIN {org_unit} o ON o.id = c.org_unit_id LEFT JOIN {user} u ON u.id = c.maintainer_id
  ORDER BY c.id
) TO STDOUT (FORMAT csv)
"""
TABLES = {"customer": table(Customer), "org_unit": table(OrgUnit), "user": table(User)}


@bench_resource("customers_csv")
def _customers_csv(ctx) -> Path:
    """Every customer of the benchmark bank, 10 % renamed and 1 % moved between rm_a1 and rm_a2 (written by COPY, untimed)."""
    with translation.override("zh-hans"):
        labels = {str(value): str(label) for value, label in Customer.Kind.choices}
    kind_case = "CASE c.kind " + " ".join(f"WHEN '{v}' THEN '{label}'" for v, label in labels.items()) + " END"
    path = ctx.workdir / "customers_all.csv"
    with path.open("w", encoding="utf-8") as out, connection.cursor() as cursor:
        out.write("客户号,客户类型,姓名,手机号,所属机构,维护人\n")
        with cursor.cursor.copy(CUSTOMERS_SQL.format(kind_case=kind_case, **TABLES).replace("%%", "%")) as copy:
            for block in copy:
                out.write(bytes(block).decode("utf-8"))
    return path


def _fresh_customers_csv(ctx, customers_csv) -> None:
    _customers_csv(ctx)  # the previous run applied the changes: write them against the current state


@benchmark_case(
    "import_customers", target_ms=60_000, repeat=1, warmup=0, needs=("customers_csv",),
    setup=_fresh_customers_csv, count_queries=False,
)
def import_customers(ctx, customers_csv) -> dict:
    """customers_import of the whole bank's customers file through the real service (updates, history, handovers)."""
    result = customers_import(file=customers_csv, max_rows=None)
    if result.errors or result.file_error:
        first = result.file_error or "; ".join(str(e) for e in result.errors[:3])
        raise CaseFailed(f"导入失败：{first}")
    return {"rows": result.rows, "updated": result.updated}
