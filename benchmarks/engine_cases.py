"""Benchmark cases of the tier engine (discovered by benchmarks.runner).

History: 13 months × 1M customers × 4 accounts of MonthlyBalance would be 52M rows, too heavy
for the benchmark machine, so the untimed resource writes the *facts* of the 12 previous months
directly (CustomerMonth by INSERT … SELECT generate_series) plus MonthlyBalance for the month
being closed only (one row per account), and closes the previous month's assignments.
"""

from __future__ import annotations

import resource
import time

from django.db import connection, transaction

from crm.benchmarking.registry import CaseFailed, bench_resource, benchmark_case
from crm.months import add_months, month_end
from crm.partitions import month_partition_exists, month_rows_drop, partition_ddl
from crm.sql_names import table
from customers.models import Account, Customer, CustomerMonth, CustomerStanding, MonthlyBalance
from segmentation import engine, services
from segmentation.models import Assignment, MonthClose, RollingHistory, RuleVersion, TierChange
from segmentation.selectors import whatif_compute

NAIVE_SAMPLE = 10_000


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


FACTS_HISTORY_SQL = f"""
INSERT INTO {table(CustomerMonth)} (month, customer_id, aum_end, aum_avg, deposit_end, deposit_avg, loan_end,
  loan_avg, margin_end, margin_avg, card_balance, card_spend, card_txn_count, has_card, card_activated, txn_count,
  active_days, last_txn_date, max_balance, product_count, deposit_contribution, loan_contribution, fee_income,
  contribution, card_use_count, holds_card, sole_deposit_balance)
SELECT m.month, c.id, round(s.aum * f, 2), round(s.aum * f * 0.97, 2), round(s.aum * f * 0.75, 2),
  round(s.aum * f * 0.73, 2), 0, 0, 0, 0, 800, (c.id %% 3000), (c.id %% 6), true, true, (c.id %% 30),
  least(c.id %% 30, 20), m.month + (c.id %% 28)::int, round(s.aum * f * 0.4, 2), 4, round(s.aum * f * 0.0001, 2), 0,
  0, round(s.aum * f * 0.0001, 2), (c.id %% 6) + (c.id %% 30), true, NULL
FROM {table(Customer)} c JOIN {table(CustomerStanding)} s ON s.customer_id = c.id
CROSS JOIN LATERAL (SELECT (%(first)s::date + make_interval(months => g))::date AS month,
                           1 + ((c.id + g) %% 7 - 3) / 100.0 AS f
                    FROM generate_series(0, 11) AS g) m
WHERE NOT EXISTS (SELECT 1 FROM {table(CustomerMonth)} x WHERE x.month = %(first)s)
"""  # noqa: S608 — model tables

BALANCES_SQL = f"""
INSERT INTO {table(MonthlyBalance)} (month, account_id, customer_id, account_type, month_end_balance,
  avg_daily_balance, annual_rate, txn_count, txn_days, last_txn_date, card_spend, activated, fee_income)
SELECT %(m)s, a.id, a.customer_id, a.account_type, a.balance, round(a.balance * 0.97, 2), a.annual_rate,
  a.id %% 30, least(a.id %% 30, 20), a.last_txn_date,
  CASE WHEN a.account_type = 'credit_card' THEN a.id %% 5000 ELSE 0 END, a.activated, 0
FROM {table(Account)} a
WHERE NOT EXISTS (SELECT 1 FROM {table(MonthlyBalance)} x WHERE x.month = %(m)s)
"""  # noqa: S608 — model tables


@bench_resource("segmentation_history")
def _segmentation_history(ctx) -> dict:
    """12 months of facts before ctx.month, the month's balances, and the previous month closed (untimed)."""
    prev = add_months(ctx.month, -1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        for back in range(12, 0, -1):  # each month in its partition, as the close would have built it
            cursor.execute(partition_ddl(table(CustomerMonth), add_months(ctx.month, -back)))
        cursor.execute(FACTS_HISTORY_SQL, {"first": add_months(ctx.month, -12)})
        cursor.execute(partition_ddl(table(MonthlyBalance), ctx.month))
        cursor.execute(BALANCES_SQL, {"m": ctx.month})
    if not MonthClose.objects.filter(month=prev, state=MonthClose.State.CLOSED).exists():
        MonthClose.objects.filter(month=prev).delete()
        services.month_close(month=prev, build_facts=False)
    with transaction.atomic(), connection.cursor() as cursor:
        # As in production every month: the previous months' histories exist, so the closes roll them forward.
        for month in (add_months(prev, -1), prev):
            if not month_partition_exists(cursor, parent=engine.HISTORY_TABLE, month=month):
                engine.history_build(cursor, month=month)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(CustomerMonth)}")
        cursor.execute(f"ANALYZE {table(Assignment)}")
    return {"prev": prev}


def _reopen(ctx, segmentation_history) -> None:
    """Back to before the month's first close: its balances imported, nothing built from them yet.

    The month's facts go too, so the timed close writes them into an empty month as in production; the
    tables are vacuumed as autovacuum would have (this server runs with it off), or each run's million
    dead rows slow the next one by 30–50 %.
    """
    MonthClose.objects.filter(month=ctx.month).delete()
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (CustomerMonth, Assignment, TierChange, RollingHistory):
            month_rows_drop(cursor, parent=table(model), month=ctx.month)
    with connection.cursor() as cursor:
        for model in (CustomerMonth, Assignment, TierChange, CustomerStanding):
            cursor.execute(f"VACUUM (ANALYZE) {table(model)}")


@benchmark_case("close_month_1m", target_ms=60_000, repeat=1, warmup=0, needs=("segmentation_history",),
                setup=_reopen, count_queries=False)
def close_month_case(ctx, segmentation_history) -> dict:
    """close_month for one month, facts included: facts → assignments → tier changes → standing → closed."""
    row = services.month_close(month=ctx.month)
    if row.customer_count != Customer.objects.count():
        raise CaseFailed("assignment count differs from customer count")
    steps = {f"{step}_s": seconds for step, seconds in row.timings.items()}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table(TierChange)} WHERE month = %s", [ctx.month])  # noqa: S608
        changes = cursor.fetchone()[0]
    return {"customers": row.customer_count, **steps, "tier_changes": changes, "peak_rss_mb": _peak_rss_mb()}


@benchmark_case("assignment_naive_orm_10k", target_ms=600_000, repeat=1, warmup=0,
                needs=("segmentation_history",), count_queries=False)
def naive_orm(ctx, segmentation_history) -> dict:
    """Baseline we beat: load each customer with the ORM, compute in Python, save (10k sample, extrapolated)."""
    month = segmentation_history["prev"]
    version = services.rule_version_in_force(month=month)
    total = Customer.objects.count()
    with transaction.atomic():
        started = time.perf_counter()
        for customer in Customer.objects.select_related("standing").order_by("pk")[:NAIVE_SAMPLE]:
            facts = list(CustomerMonth.objects.filter(customer=customer, month__lte=month,
                                                      month__gte=add_months(month, -11)))
            current = next((f for f in facts if f.month == month), None)
            aum = current.aum_avg if current else 0
            tier = ("diamond" if aum >= version.diamond_min else "platinum" if aum >= version.platinum_min
                    else "gold" if aum >= version.gold_min else "regular")
            band = ("wealth_centre" if aum >= version.band_wealth_centre_min else "wealth"
                    if aum >= version.band_wealth_min else "adopted" if aum >= version.band_adopted_min
                    else "staff" if aum >= version.entry_aum else "")
            customer.standing.asset_tier, customer.standing.maintenance_band = tier, band
            customer.standing.save(update_fields=["asset_tier", "maintenance_band"])
        sample_ms = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    sample = min(NAIVE_SAMPLE, total)
    ctx.naive_extrapolated_s = round(sample_ms * total / max(sample, 1) / 1000)
    return {"sample": sample, "sample_ms": round(sample_ms), "extrapolated_s": ctx.naive_extrapolated_s}


FLOOR_TABLE_SQL = """
CREATE TEMP TABLE bench_floor (month date, customer_id bigint, tier varchar(16), band varchar(16),
  dormant boolean, card boolean, bad_credit boolean, overdraft boolean) ON COMMIT DROP
"""
# Like for like with segmentation_assignment: a logged table with the same (month, customer) key.
FLOOR_LOGGED_TABLE_SQL = """
CREATE TABLE bench_floor (month date, customer_id bigint, tier varchar(16), band varchar(16),
  dormant boolean, card boolean, bad_credit boolean, overdraft boolean, UNIQUE (month, customer_id))
"""

FLOOR_SQL = f"""
INSERT INTO bench_floor
WITH h AS (
  SELECT customer_id, max(last_txn_date) AS last_txn, avg(card_use_count) FILTER (WHERE month >= %(m2)s) AS uses3,
         avg(card_spend) FILTER (WHERE month >= %(m2)s) AS spend3, sum(card_spend) AS spend12
  FROM {table(CustomerMonth)} WHERE month BETWEEN %(m11)s AND %(m)s GROUP BY customer_id)
SELECT %(m)s::date, c.id,
  CASE WHEN f.aum_avg >= 5000000 THEN 'diamond' WHEN f.aum_avg >= 1000000 THEN 'platinum'
       WHEN f.aum_avg >= 100000 THEN 'gold' ELSE 'regular' END AS tier,
  CASE WHEN NOT (f.aum_avg >= 50000 OR h.spend12 >= 50000 OR abs(f.loan_end) >= 300000 OR f.margin_end >= 10000)
       THEN '' WHEN f.aum_avg >= 2000000 THEN 'wealth_centre' WHEN f.aum_avg >= 200000 THEN 'wealth'
       WHEN f.aum_avg >= 100000 OR age(%(end)s::date, c.birth_date) >= interval '60 years' THEN 'adopted'
       ELSE 'staff' END AS band,
  (f.aum_avg < 50000 AND coalesce(h.last_txn, c.since) < %(m5)s AND f.max_balance < 300) AS dormant,
  (f.aum_avg < 50000 AND f.holds_card AND ((h.uses3 < 2 AND h.spend3 < 80) OR f.sole_deposit_balance < 100)) AS card,
  c.bad_credit_count >= 2 AS bad_credit, c.malicious_overdraft AS overdraft
FROM {table(Customer)} c
LEFT JOIN {table(CustomerMonth)} f ON f.customer_id = c.id AND f.month = %(m)s
LEFT JOIN h ON h.customer_id = c.id
"""  # noqa: S608 — model tables


def _floor_ms(month, *, parallel: bool, logged: bool = False) -> float:
    """The hand-written INSERT … SELECT, in its own rolled-back transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        if not parallel:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(FLOOR_LOGGED_TABLE_SQL if logged else FLOOR_TABLE_SQL)
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, {"m": month, "m2": add_months(month, -2), "m5": add_months(month, -5),
                                   "m11": add_months(month, -11), "end": month_end(month)})
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


@benchmark_case("assignment_vs_floor", target_ms=120_000, repeat=1, warmup=0, needs=("segmentation_history",),
                count_queries=False)
def assignment_vs_floor(ctx, segmentation_history) -> dict:
    """The engine's assignment step vs a hand-written INSERT … SELECT with CASE (same facts, same run).

    engine_ms is the real step of month_close (the month's history rolled forward from last month's, then
    the rules into the month's partition of segmentation_assignment, indexes included); engine_first_ms the
    same step without last month's history (a first close: the history aggregated from all facts);
    floor_ms the faster of the floor run serial and parallel into an unindexed TEMP table (no WAL), and
    floor_logged_ms the floor into a logged table keyed (month, customer) like the assignments.
    """
    month = segmentation_history["prev"]
    version = services.rule_version_in_force(month=month)

    def engine_step_ms(*, first: bool) -> float:
        with transaction.atomic(), connection.cursor() as cursor:
            if first:
                month_rows_drop(cursor, parent=engine.HISTORY_TABLE, month=add_months(month, -1))
            started = time.perf_counter()  # the step replaces the month's partitions itself
            engine.assignments_insert(version=version, month=month)
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        return elapsed

    engine_ms = engine_step_ms(first=False)
    engine_first_ms = engine_step_ms(first=True)
    floor_serial = _floor_ms(month, parallel=False)
    floor_parallel = _floor_ms(month, parallel=True)
    floor_ms = min(floor_serial, floor_parallel)
    floor_logged_ms = _floor_ms(month, parallel=floor_parallel < floor_serial, logged=True)
    naive = getattr(ctx, "naive_extrapolated_s", None)
    return {"engine_ms": round(engine_ms), "floor_ms": round(floor_ms), "ratio": round(engine_ms / floor_ms, 2),
            "engine_first_ms": round(engine_first_ms), "ratio_first": round(engine_first_ms / floor_ms, 2),
            "floor_logged_ms": round(floor_logged_ms), "ratio_logged": round(engine_ms / floor_logged_ms, 2),
            "floor_serial_ms": round(floor_serial), "floor_parallel_ms": round(floor_parallel),
            **({"naive_extrapolated_ms": round(naive * 1000)} if naive else {}),
            "peak_rss_mb": _peak_rss_mb()}


@benchmark_case("whatif_1m", target_ms=10_000, repeat=1, warmup=0, needs=("segmentation_history",),
                count_queries=False)
def whatif_case(ctx, segmentation_history) -> dict:
    """What-if preview of a draft (gold threshold 8万) on the previous closed month."""
    base = services.rule_version_in_force(month=segmentation_history["prev"])
    with transaction.atomic():
        draft = RuleVersion(**{f.attname: getattr(base, f.attname) for f in RuleVersion._meta.concrete_fields
                               if f.name not in {"id", "number", "state"}}, number=99_999, state="draft")
        draft.gold_min = 80_000
        draft.save()
        preview = whatif_compute(version=draft, month=segmentation_history["prev"])
        transaction.set_rollback(True)
    return {"moved": preview.asset_moved_customers, "peak_rss_mb": _peak_rss_mb()}
