"""The tier engine: one rule version + one month of facts → one assignment row per customer.

Everything is a single ``SELECT`` built here (CASE expressions over the month's
facts and each customer's history: the running sums over the trailing 3-, 6- and
12-month windows that 3-month averages, 6-month volatility, dormancy and annual
card spend need, which the close keeps month by month in
``segmentation_rollinghistory``, ``history_build``). ``month_close`` builds the
month's partition of ``segmentation_assignment`` from it; the what-if preview
runs the very same SELECT, so a preview equals what a close would write.

Only allow-listed SQL fragments (indicator expressions chosen by code, the
asset metric chosen from its choices) are put into the text; every value of
the rule version travels as a query parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from crm import roles
from crm.months import add_months, month_end
from crm.partitions import (
    month_partition_build,
    month_partition_exists,
    month_partitions,
    month_partitions_since_drop,
    month_row_id_sql,
)
from crm.sql_names import table
from customers.models import Customer, CustomerMonth
from customers.tiers import (
    ASSET_TIERS_RANKED,
    MAINTENANCE_BANDS_RANKED,
    VALUE_SEGMENTS_RANKED,
    CorporateClass,
    CorporateSize,
    DepositClass,
    IndicatorLabel,
    MaintenanceBand,
    NegativeRule,
    ProfitGroup,
    ValueSegment,
    sql_rank_array,
    sql_text,
)

from .models import INDICATOR_PLACES, Assignment, RollingHistory, RuleVersion, TierChange

ACCOUNT_TYPE_COUNT = 8  # 活期/定期/理财/基金/保险/三方存管/贷款/信用卡


@dataclass(frozen=True)
class Indicator:
    code: str
    sql: str  # value expression over the joined rows: c = customer, f = the month's facts, h = history
    lower_is_better: bool = False
    nullable: bool = False  # only an unknown value can be NULL; it scores 0

    @property
    def label(self) -> str:
        return str(IndicatorLabel(self.code).label)


# Points of the two graded customer attributes (indicators income_band and credit_rating).
INCOME_BAND_POINTS = {Customer.IncomeBand.LOW: 25, Customer.IncomeBand.MIDDLE: 50, Customer.IncomeBand.HIGH: 75,
                      Customer.IncomeBand.TOP: 100}
CREDIT_RATING_POINTS = {"AAA": 100, "AA": 85, "A": 70, "BBB": 55, "BB": 40, "B": 25}

INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in [
        Indicator("contribution", "coalesce(f.contribution, 0)"),
        Indicator("fee_income", "coalesce(f.fee_income, 0)"),
        Indicator("product_count", "coalesce(f.product_count, 0)"),
        Indicator("aum_growth_3m", "coalesce(f.aum_avg, 0) - coalesce(h.aum_avg_m3, 0)"),
        Indicator("products_not_held",
                  f"greatest({ACCOUNT_TYPE_COUNT} - coalesce(f.product_count, 0), 0)"),
        Indicator("income_band",
            "CASE c.income_band " + " ".join(f"WHEN {sql_text(band)} THEN {points}"
                                             for band, points in INCOME_BAND_POINTS.items()) + " ELSE 0 END",
        ),
        Indicator("credit_rating",
            "CASE c.credit_rating " + " ".join(f"WHEN {sql_text(rating)} THEN {points}"
                                               for rating, points in CREDIT_RATING_POINTS.items()) + " ELSE 0 END",
        ),
        # Whole months from since to month end, in integer arithmetic (age()/extract() cost 10× more).
        Indicator("tenure_months",
            "CASE WHEN c.since IS NULL OR c.since > %(month_end)s::date THEN 0 ELSE"
            " %(end_index)s - date_part('year', c.since)::int * 12 - date_part('month', c.since)::int"
            " - (date_part('day', c.since)::int > %(end_day)s)::int END",
        ),
        Indicator("active_days", "coalesce(f.active_days, 0)"),
        Indicator("product_breadth", "coalesce(f.product_count, 0)"),
        Indicator("aum_volatility_6m",
            # Population standard deviation / mean of the 6 months' aum_avg, from their count, sum and sum of
            # squares (the formula of PostgreSQL's stddev_pop, in exact numeric arithmetic).
            "CASE WHEN coalesce(h.aum_sum6, 0) <= 0 THEN NULL ELSE round(sqrt(greatest("
            "h.n6 * h.aum_sumsq6 - h.aum_sum6 * h.aum_sum6, 0) / (h.n6 * h.n6)) / (h.aum_sum6 / h.n6), 4) END",
            lower_is_better=True, nullable=True,
        ),
        Indicator("bad_credit_count", "c.bad_credit_count", lower_is_better=True),
    ]
}
assert set(INDICATORS) == set(INDICATOR_PLACES), "segmentation.models.INDICATOR_PLACES lists the same codes"
PROFIT_GROUPS = dict(ProfitGroup.choices)
NEGATIVE_RULES = dict(NegativeRule.choices)
# The role the CRM proposes to maintain each band (domain.md 3.3).
PROPOSED_ROLES = {
    MaintenanceBand.WEALTH_CENTRE: roles.WEALTH_MANAGER, MaintenanceBand.WEALTH: roles.WEALTH_MANAGER,
    MaintenanceBand.ADOPTED: roles.BRANCH_HEAD, MaintenanceBand.STAFF: roles.RELATIONSHIP_MANAGER,
}
# An institution's size follows its administrative level (domain.md 3.4).
INSTITUTION_SIZE_WHEN = " ".join(f"WHEN {sql_text(level)} THEN {sql_text(size)}" for level, size in [
    (Customer.AdminLevel.PROVINCIAL, CorporateSize.LARGE), (Customer.AdminLevel.MUNICIPAL, CorporateSize.MEDIUM),
    (Customer.AdminLevel.TOWNSHIP, CorporateSize.SMALL)])
q = sql_text

# A typed zero: coalesce(f.aum_avg, MONEY_0) keeps numeric(18,2), the column's own type, so the INSERT passes the
# value through instead of re-coercing it (one numeric(18,2) coercion per column per row costs seconds at 1M).
MONEY_0 = "0::numeric(18,2)"

# The version-independent inputs of the rules, one row per customer: computed from the facts by the close
# and stored on the assignment, so the what-if preview re-runs the rules without re-reading 12 months of
# facts. Each maps to (live expression over c/f/h/pa, stored expression over a/c).
BASIS: dict[str, tuple[str, str]] = {
    "customer_id": ("c.id", "a.customer_id"),
    "kind": ("c.kind", "a.kind"),
    "org_unit_id": ("c.org_unit_id", "a.org_unit_id"),
    "maintainer_id": ("c.maintainer_id", "a.maintainer_id"),
    "malicious_overdraft": ("c.malicious_overdraft", "a.malicious_overdraft"),
    "registered_capital": ("c.registered_capital", "a.registered_capital"),
    "total_assets": ("c.total_assets", "a.total_assets"),
    "credit_customer": ("c.credit_customer", "a.credit_customer"),
    "target_credit": ("c.target_credit", "a.target_credit"),
    "admin_level": ("c.admin_level", "a.admin_level"),
    "birth_date": ("c.birth_date", "a.birth_date"),
    "aum_avg": (f"coalesce(f.aum_avg, {MONEY_0})", "a.aum_avg"),
    "aum_end": (f"coalesce(f.aum_end, {MONEY_0})", "a.aum_end"),
    "aum_avg3": ("coalesce(round(h.aum_sum3 / nullif(h.n3, 0), 2), 0)", "a.aum_avg3"),
    "deposit_avg": (f"coalesce(f.deposit_avg, {MONEY_0})", "a.deposit_avg"),
    "loan_end": ("abs(coalesce(f.loan_end, 0))", "a.loan_end"),
    "margin_end": (f"coalesce(f.margin_end, {MONEY_0})", "a.margin_end"),
    "sole_deposit_balance": ("f.sole_deposit_balance", "a.sole_deposit_balance"),
    "holds_card": ("coalesce(f.holds_card, false)", "a.holds_card"),
    "max_balance": (f"coalesce(f.max_balance, {MONEY_0})", "a.max_balance"),
    "card_uses_3m": ("coalesce(h.uses_sum3, 0)", "a.card_uses_3m"),
    "card_spend_3m": ("coalesce(h.spend_sum3, 0)", "a.card_spend_3m"),
    "facts_3m": ("coalesce(h.n3, 0)", "a.facts_3m"),
    "card_spend_12m": ("coalesce(h.card_spend12, 0)", "a.card_spend_12m"),
    "last_activity": ("coalesce(h.last_txn, c.since)", "a.last_activity"),
    "prev_rank": ("CASE pa.asset_tier " + " ".join(f"WHEN {sql_text(t)} THEN {rank}" for rank, t in
                                                 enumerate(ASSET_TIERS_RANKED)) + " ELSE -1 END", "a.prev_rank"),
    "prev_grace": ("coalesce(pa.grace_months_used, 0)", "a.prev_grace"),
}
# Stored as columns of the same name on Assignment (the what-if basis), customer attributes as at close.
STORED_BASIS = [
    "malicious_overdraft", "registered_capital", "total_assets", "credit_customer", "target_credit", "admin_level",
    "birth_date", "aum_end", "aum_avg3", "deposit_avg", "loan_end", "margin_end", "sole_deposit_balance", "holds_card", "max_balance",
    "card_uses_3m", "card_spend_3m", "facts_3m", "card_spend_12m", "last_activity", "prev_rank", "prev_grace",
]

# Inputs of the inactive-card rule before it read debit cards and the only deposit account: kept for the months
# closed with them (their explanations), empty since.
RETIRED_BASIS = {"card_balance": "NULL", "has_card": "NULL"}

ASSIGNMENT_COLUMNS = [
    "customer_id", "month", "rule_version_id", "org_unit_id", "maintainer_id", "kind", "aum_avg",
    "asset_metric_value", "raw_asset_tier", "asset_tier", "grace_months_used", "value_segment", "profit_score",
    "stability_score", "negative_rule", "negative_rules", "maintenance_band", "proposed_role",
    "corporate_size", "deposit_class", "corporate_class",
    *[f"{prefix}_{code}" for code in INDICATORS for prefix in ("val", "pt")],
    *STORED_BASIS,
]

ASSET_METRIC_BASIS = {
    RuleVersion.AssetMetric.AVG: "aum_avg", RuleVersion.AssetMetric.END: "aum_end", RuleVersion.AssetMetric.AVG3: "aum_avg3",
}
# An asset tier from its rank (0 = the lowest); "{r}" is the rank expression.
TIER_CASE = ("CASE {r} " + " ".join(f"WHEN {rank} THEN {sql_text(t)}" for rank, t in enumerate(ASSET_TIERS_RANKED)
                                    if rank) + f" ELSE {sql_text(ASSET_TIERS_RANKED[0])} END")

# Session settings of the engine's statements, measured at 1,000,000 customers (docs/tier_rules.md "Speed"):
# the hash tables of the history aggregate and the joins fit in memory; JIT compilation of the wide
# expression list costs more than it saves; a parallel plan builds the history hash table once per
# worker (Parallel Hash Join over a non-parallel inner) and took 30 s instead of 20 s on 2 cores.
ENGINE_SETTINGS = {"work_mem": "256MB", "jit": "off", "max_parallel_workers_per_gather": "0"}
# The rules over a finished history (a CREATE TABLE … AS) do run in parallel: no shared hash table to build
# per worker, each worker computes its share of the rows. Two workers on the benchmark's two cores.
PARALLEL_WORKERS = 2


def born_by_for_age(*, end: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged at least ``years`` whole years on ``end``."""
    year = end.year - years
    day = end.day
    while True:
        try:
            return dt.date(year, end.month, day)
        except ValueError:  # 29 February in a common year: the 28th is the last day before it
            day -= 1


def engine_settings_apply(cursor) -> None:
    """SET LOCAL the engine's session settings (inside the caller's transaction)."""
    for name, value in ENGINE_SETTINGS.items():
        cursor.execute(f"SET LOCAL {name} = '{value}'")


def _points_sql(indicator: Indicator) -> str:
    ratio = f"least(greatest(b.v_{indicator.code}, 0) * 100 / %(full_{indicator.code})s::numeric, 100)"
    # Rounded by a cast to the column's type numeric(5,2) (half away from zero, exactly like round(x, 2)) instead
    # of round() followed by the INSERT's own coercion to numeric(5,2) (points are 0–100 by construction).
    expr = f"(100 - {ratio})::numeric(5,2)" if indicator.lower_is_better else f"({ratio})::numeric(5,2)"
    if indicator.nullable:
        # greatest() ignores NULLs in PostgreSQL, so an unknown value is caught explicitly: it scores 0.
        return f"CASE WHEN b.v_{indicator.code} IS NULL THEN 0 ELSE {expr} END"
    return expr


def _weighted_sum(items: list[dict]) -> str:
    if not items:
        return "0"
    return " + ".join(f"%(w_{i['code']})s::numeric * p.p_{i['code']}" for i in items)


RULE_PARAMETERS = [
    "gold_min", "platinum_min", "diamond_min", "downgrade_grace_months", "profit_current_weight",
    "profit_potential_weight", "profit_cutoff", "stability_cutoff", "dormant_enabled", "dormant_balance",
    "inactive_card_enabled", "card_min_uses", "card_min_spend", "card_min_balance", "bad_credit_enabled",
    "bad_credit_min", "overdraft_enabled", "low_value_aum_max", "entry_aum", "entry_card_annual_spend", "entry_loan", "entry_margin",
    "entry_gold_card", "band_adopted_min", "band_wealth_min", "band_wealth_centre_min", "staff_band_max_age",
    "assets_small_min", "assets_medium_min", "assets_large_min", "assets_extra_large_min", "capital_small_min",
    "capital_medium_min", "capital_large_min", "capital_extra_large_min", "class1_deposit_min",
    "class1_target_credit_min", "class2_deposit_min", "strategic_min_contribution", "strategic_min_products",
    "premium_min_contribution", "premium_min_products", "effective_min_contribution", "effective_min_products",
    "nurture_min_contribution", "nurture_min_products",
]


HISTORY_TABLE = table(RollingHistory)
HISTORY_COLUMNS = ["customer_id", "month", "n3", "uses_sum3", "spend_sum3", "aum_sum3", "aum_avg_m3", "n6", "aum_sum6",
                   "aum_sumsq6", "card_spend12", "last_txn", "first_month"]

# n3 / n6: the months a window average divides by (domain.md §3.2): every month of the window from the month
# the relationship began — the earlier of 建立关系日期 and the first month with facts — a month without
# facts counting as zero; the whole window when neither is known. ``{first}`` is the first fact month.
WINDOW_MONTHS = """CASE WHEN least(c.since, {first}) IS NULL THEN {n} ELSE least({n}, greatest(1,
      %(m_index)s - date_part('year', least(c.since, {first}))::int * 12
      - date_part('month', least(c.since, {first}))::int + 1)) END"""

# A customer's history at month m from every fact up to m: the windows are [m-2, m], [m-5, m] and [m-11, m];
# last_txn is the latest transaction date ever reported (what "no transaction for N months" asks).
HISTORY_FULL_SQL = f"""
  SELECT g.customer_id, %(m)s::date AS month, {WINDOW_MONTHS.format(n=3, first="g.first_month")} AS n3,
    g.uses_sum3, g.spend_sum3, g.aum_sum3, g.aum_avg_m3, {WINDOW_MONTHS.format(n=6, first="g.first_month")} AS n6,
    g.aum_sum6, g.aum_sumsq6, g.card_spend12, g.last_txn, g.first_month
  FROM (
    SELECT customer_id,
      coalesce(sum(card_use_count) FILTER (WHERE month >= %(m2)s), 0) AS uses_sum3,
      coalesce(sum(card_spend) FILTER (WHERE month >= %(m2)s), 0) AS spend_sum3,
      coalesce(sum(aum_avg) FILTER (WHERE month >= %(m2)s), 0) AS aum_sum3,
      max(aum_avg) FILTER (WHERE month = %(m3)s) AS aum_avg_m3,
      coalesce(sum(aum_avg) FILTER (WHERE month >= %(m5)s), 0) AS aum_sum6,
      coalesce(sum(aum_avg * aum_avg) FILTER (WHERE month >= %(m5)s), 0) AS aum_sumsq6,
      coalesce(sum(card_spend) FILTER (WHERE month >= %(m11)s), 0) AS card_spend12,
      max(last_txn_date) AS last_txn,
      min(month) AS first_month
    FROM {table(CustomerMonth)}
    WHERE month <= %(m)s
    GROUP BY customer_id
  ) g
  JOIN {table(Customer)} c ON c.id = g.customer_id
"""  # noqa: S608 — WINDOW_MONTHS is a fixed fragment

# The same history from last month's: add the month's facts (f), subtract the facts leaving each window
# (f3, f6, f12). Five joins of one row per customer instead of aggregating 12,000,000 rows (19 s → 5 s at 1M).
HISTORY_ROLLING_SQL = f"""
  SELECT c.id AS customer_id, %(m)s::date AS month,
    {WINDOW_MONTHS.format(n=3, first="coalesce(p.first_month, f.month)")} AS n3,
    coalesce(p.uses_sum3, 0) + coalesce(f.card_use_count, 0) - coalesce(f3.card_use_count, 0) AS uses_sum3,
    coalesce(p.spend_sum3, 0) + coalesce(f.card_spend, 0) - coalesce(f3.card_spend, 0) AS spend_sum3,
    coalesce(p.aum_sum3, 0) + coalesce(f.aum_avg, 0) - coalesce(f3.aum_avg, 0) AS aum_sum3,
    f3.aum_avg AS aum_avg_m3,
    {WINDOW_MONTHS.format(n=6, first="coalesce(p.first_month, f.month)")} AS n6,
    coalesce(p.aum_sum6, 0) + coalesce(f.aum_avg, 0) - coalesce(f6.aum_avg, 0) AS aum_sum6,
    coalesce(p.aum_sumsq6, 0) + coalesce(f.aum_avg * f.aum_avg, 0) - coalesce(f6.aum_avg * f6.aum_avg, 0)
      AS aum_sumsq6,
    coalesce(p.card_spend12, 0) + coalesce(f.card_spend, 0) - coalesce(f12.card_spend, 0) AS card_spend12,
    greatest(p.last_txn, f.last_txn_date) AS last_txn,
    coalesce(p.first_month, f.month) AS first_month
  FROM {table(Customer)} c
  LEFT JOIN {HISTORY_TABLE} p ON p.customer_id = c.id AND p.month = %(prev)s
  LEFT JOIN {table(CustomerMonth)} f ON f.customer_id = c.id AND f.month = %(m)s
  LEFT JOIN {table(CustomerMonth)} f3 ON f3.customer_id = c.id AND f3.month = %(m3)s
  LEFT JOIN {table(CustomerMonth)} f6 ON f6.customer_id = c.id AND f6.month = %(m6)s
  LEFT JOIN {table(CustomerMonth)} f12 ON f12.customer_id = c.id AND f12.month = %(m12)s
"""  # noqa: S608 — WINDOW_MONTHS is a fixed fragment

# The month's stored history (the close), or computed from the facts in the same statement (a preview of
# a month without one).
HISTORY_STORED_SQL = f"SELECT * FROM {HISTORY_TABLE} WHERE month = %(m)s"  # noqa: S608 — a model's table

LIVE_FROM = f"""
      FROM {table(Customer)} c
      LEFT JOIN {table(CustomerMonth)} f ON f.customer_id = c.id AND f.month = %(m)s
      LEFT JOIN h ON h.customer_id = c.id
      LEFT JOIN {table(Assignment)} pa ON pa.customer_id = c.id AND pa.month = %(prev)s"""

STORED_FROM = f"""
      FROM {table(Assignment)} a
      WHERE a.month = %(m)s"""


def _month_params(month: dt.date) -> dict:
    """The month and the months its history windows start or end at (m<n> = n months before)."""
    return {"m": month, "prev": add_months(month, -1), "m_index": month.year * 12 + month.month,
            **{f"m{n}": add_months(month, -n) for n in (2, 3, 5, 6, 11, 12)}}


def _params(*, version: RuleVersion, month: dt.date) -> dict:
    end = month_end(month)
    params: dict = {
        **_month_params(month), "month_end": end, "end_index": end.year * 12 + end.month, "end_day": end.day,
        "dormant_from": add_months(month, -(max(version.dormant_months, 1) - 1)),
        "senior_born_by": born_by_for_age(end=end, years=version.staff_band_max_age),
        "version_id": version.pk,
    }
    for item in list(version.profit_indicators) + list(version.stability_indicators):
        params[f"w_{item['code']}"] = item["weight"]
        params[f"full_{item['code']}"] = item["full_value"]
    for field in RULE_PARAMETERS:
        params[field] = getattr(version, field)
    return params


# Each layer of the engine's SELECT carries this volatile (and parallel-safe) column: PostgreSQL never pulls up
# a subquery whose select list has a volatile function, so every value, points and score is computed once per
# row. OFFSET 0 fenced the layers as well but also kept the whole statement out of parallel workers
# (docs/tier_rules.md "Speed").
FENCE = "clock_timestamp()"


def assignment_select_sql(*, version: RuleVersion, month: dt.date, stored_basis: bool = False,
                          extra: tuple[str, ...] = (), history_stored: bool = False) -> tuple[str, dict]:
    """The engine's SELECT (columns = ASSIGNMENT_COLUMNS, then ``extra``) and its parameters for one month.

    The basis (version-independent inputs) comes from the facts (``stored_basis=False``: the month's
    CustomerMonth, the customer's history, last month's assignment), or from the
    month's recorded assignments (``stored_basis=True``, the what-if preview of a closed month; ``extra``
    may then name recorded columns ``a.<column>`` to carry along as ``rec_<column>``).

    Layers b → p → s → output, each a subquery fenced by a volatile column (``FENCE``) so PostgreSQL computes
    every value, points and score once per row (pulled-up subqueries re-evaluate an expression at each use:
    the profit score appeared three times, each time re-summing every indicator's points).

    ``history_stored`` reads the month's history from segmentation_rollinghistory (``history_build``); without
    it the history is computed from the facts in the same statement.
    """
    profit = list(version.profit_indicators)
    stability = list(version.stability_indicators)
    used = {i["code"] for i in profit + stability}
    codes = [c for c in INDICATORS if c in used]
    params = _params(version=version, month=month)
    which = 1 if stored_basis else 0

    basis = [f"{exprs[which]} AS {col}" for col, exprs in BASIS.items()]
    basis += [f"{f'a.val_{c}' if stored_basis else INDICATORS[c].sql} AS v_{c}" for c in INDICATORS]
    basis += [f"a.{col} AS rec_{col}" for col in extra]
    metric = BASIS[ASSET_METRIC_BASIS[version.asset_metric]][which]
    basis_sql = ",\n        ".join(basis)
    source = STORED_FROM if stored_basis else LIVE_FROM
    with_h = "" if stored_basis else f"WITH h AS ({HISTORY_STORED_SQL if history_stored else HISTORY_FULL_SQL})"

    carry = ", ".join(f"b.{col}" for col in BASIS) + "".join(f", b.v_{c}" for c in INDICATORS)
    carry += "".join(f", b.rec_{col}" for col in extra)
    points_sql = "".join(f",\n    {_points_sql(INDICATORS[c])} AS p_{c}" for c in codes)
    indicator_out = "".join(
        f",\n  s.v_{c}, CASE WHEN s.ind THEN s.p_{c} END" if c in used else f",\n  s.v_{c}, NULL::numeric"
        for c in INDICATORS
    )
    basis_out = "".join(f", s.{col}" for col in STORED_BASIS) + "".join(f", s.rec_{col}" for col in extra)
    current = [i for i in profit if i.get("group") == "current"]
    potential = [i for i in profit if i.get("group") == "potential"]

    # Only allow-listed fragments are interpolated; every value is a query parameter.
    sql = f"""
{with_h}
SELECT s.customer_id, %(m)s::date, %(version_id)s::bigint, s.org_unit_id, s.maintainer_id, s.kind, s.aum_avg,
  s.metric,
  CASE WHEN s.ind THEN {TIER_CASE.format(r="s.raw_rank")} ELSE '' END,
  CASE WHEN s.ind THEN {TIER_CASE.format(r="s.rank")} ELSE '' END,
  CASE WHEN s.ind THEN s.grace ELSE 0 END,
  CASE WHEN NOT s.ind THEN ''
       WHEN cardinality(s.negs) > 0 THEN {q(ValueSegment.NEGATIVE)}
       WHEN s.profit >= %(profit_cutoff)s AND s.stability >= %(stability_cutoff)s THEN {q(ValueSegment.VIP)}
       WHEN s.profit >= %(profit_cutoff)s THEN {q(ValueSegment.POTENTIAL)}
       WHEN s.stability >= %(stability_cutoff)s THEN {q(ValueSegment.MASS)}
       ELSE {q(ValueSegment.NEGATIVE)} END,
  CASE WHEN s.ind THEN s.profit END,
  CASE WHEN s.ind THEN s.stability END,
  CASE WHEN s.ind THEN coalesce(s.negs[1], '') ELSE '' END,
  CASE WHEN s.ind THEN s.negs ELSE '{{}}' END,
  CASE WHEN NOT s.ind OR NOT s.in_programme THEN ''
       WHEN s.aum_avg >= %(band_wealth_centre_min)s THEN {q(MaintenanceBand.WEALTH_CENTRE)}
       WHEN s.aum_avg >= %(band_wealth_min)s THEN {q(MaintenanceBand.WEALTH)}
       WHEN s.aum_avg >= %(band_adopted_min)s OR s.senior THEN {q(MaintenanceBand.ADOPTED)}
       ELSE {q(MaintenanceBand.STAFF)} END,
  CASE WHEN NOT s.ind OR NOT s.in_programme THEN ''
       WHEN s.aum_avg >= %(band_wealth_min)s THEN {q(PROPOSED_ROLES[MaintenanceBand.WEALTH])}
       WHEN s.aum_avg >= %(band_adopted_min)s OR s.senior THEN {q(PROPOSED_ROLES[MaintenanceBand.ADOPTED])}
       ELSE {q(PROPOSED_ROLES[MaintenanceBand.STAFF])} END,
  CASE WHEN s.ind THEN ''
       WHEN s.kind = {q(Customer.Kind.INSTITUTION)} THEN CASE s.admin_level {INSTITUTION_SIZE_WHEN}
            ELSE {q(CorporateSize.MICRO)} END
       WHEN s.credit_customer AND s.total_assets IS NOT NULL THEN CASE
            WHEN s.total_assets >= %(assets_extra_large_min)s THEN {q(CorporateSize.EXTRA_LARGE)}
            WHEN s.total_assets >= %(assets_large_min)s THEN {q(CorporateSize.LARGE)}
            WHEN s.total_assets >= %(assets_medium_min)s THEN {q(CorporateSize.MEDIUM)}
            WHEN s.total_assets >= %(assets_small_min)s THEN {q(CorporateSize.SMALL)} ELSE {q(CorporateSize.MICRO)} END
       ELSE CASE
            WHEN coalesce(s.registered_capital, 0) >= %(capital_extra_large_min)s THEN {q(CorporateSize.EXTRA_LARGE)}
            WHEN coalesce(s.registered_capital, 0) >= %(capital_large_min)s THEN {q(CorporateSize.LARGE)}
            WHEN coalesce(s.registered_capital, 0) >= %(capital_medium_min)s THEN {q(CorporateSize.MEDIUM)}
            WHEN coalesce(s.registered_capital, 0) >= %(capital_small_min)s THEN {q(CorporateSize.SMALL)} ELSE {q(CorporateSize.MICRO)} END
  END,
  CASE WHEN s.ind THEN ''
       WHEN s.deposit_avg >= %(class1_deposit_min)s
            OR coalesce(s.target_credit, 0) >= %(class1_target_credit_min)s THEN {q(DepositClass.CLASS_1)}
       WHEN s.deposit_avg >= %(class2_deposit_min)s THEN {q(DepositClass.CLASS_2)} ELSE {q(DepositClass.CLASS_3)} END,
  CASE WHEN s.ind THEN ''
       WHEN s.v_contribution >= %(strategic_min_contribution)s
            AND s.v_product_count >= %(strategic_min_products)s THEN {q(CorporateClass.STRATEGIC)}
       WHEN s.v_contribution >= %(premium_min_contribution)s
            AND s.v_product_count >= %(premium_min_products)s THEN {q(CorporateClass.PREMIUM)}
       WHEN s.v_contribution >= %(effective_min_contribution)s
            AND s.v_product_count >= %(effective_min_products)s THEN {q(CorporateClass.EFFECTIVE)}
       WHEN s.v_contribution >= %(nurture_min_contribution)s
            AND s.v_product_count >= %(nurture_min_products)s THEN {q(CorporateClass.NURTURE)}
       ELSE {q(CorporateClass.ADJUST)} END{indicator_out}{basis_out}
FROM (
  SELECT p.*,
    round((%(profit_current_weight)s::numeric * ({_weighted_sum(current)})
         + %(profit_potential_weight)s::numeric * ({_weighted_sum(potential)})) / 10000, 2) AS profit,
    round(({_weighted_sum(stability)}) / 100, 2) AS stability, {FENCE} AS fence_s
  FROM (
    SELECT {carry}, b.ind, b.metric, b.raw_rank, b.senior,
      CASE WHEN b.prev_rank > b.raw_rank AND b.prev_grace + 1 <= %(downgrade_grace_months)s
           THEN b.prev_rank ELSE b.raw_rank END AS rank,
      CASE WHEN b.prev_rank > b.raw_rank AND b.prev_grace + 1 <= %(downgrade_grace_months)s
           THEN b.prev_grace + 1 ELSE 0 END AS grace,
      -- every negative rule that fires, risk rules first (NEGATIVE_RULES); array_remove drops the others
      array_remove(ARRAY[
        CASE WHEN %(overdraft_enabled)s AND b.malicious_overdraft THEN {q(NegativeRule.MALICIOUS_OVERDRAFT)} END,
        CASE WHEN %(bad_credit_enabled)s AND b.v_bad_credit_count >= %(bad_credit_min)s THEN {q(NegativeRule.BAD_CREDIT)} END,
        CASE WHEN %(dormant_enabled)s AND b.aum_avg < %(low_value_aum_max)s
             AND (b.last_activity IS NULL OR b.last_activity < %(dormant_from)s)
             AND b.max_balance < %(dormant_balance)s THEN {q(NegativeRule.DORMANT)} END,
        CASE WHEN %(inactive_card_enabled)s AND b.aum_avg < %(low_value_aum_max)s AND b.holds_card
             AND ((b.card_uses_3m < %(card_min_uses)s * greatest(b.facts_3m, 1)
                   AND b.card_spend_3m < %(card_min_spend)s * greatest(b.facts_3m, 1))
                  OR b.sole_deposit_balance < %(card_min_balance)s) THEN {q(NegativeRule.INACTIVE_CARD)} END
      ]::varchar[], NULL) AS negs,
      (b.aum_avg >= %(entry_aum)s OR b.card_spend_12m >= %(entry_card_annual_spend)s
        OR b.loan_end >= %(entry_loan)s OR b.margin_end >= %(entry_margin)s
        OR (%(entry_gold_card)s AND (b.raw_rank >= 1 OR (b.prev_rank > b.raw_rank
            AND b.prev_grace + 1 <= %(downgrade_grace_months)s)))) AS in_programme, {FENCE} AS fence_p{points_sql}
    FROM (
      SELECT {basis_sql},
        {BASIS["kind"][which]} = {q(Customer.Kind.INDIVIDUAL)} AS ind,
        {metric} AS metric,
        CASE WHEN {metric} >= %(diamond_min)s THEN 3 WHEN {metric} >= %(platinum_min)s THEN 2
             WHEN {metric} >= %(gold_min)s THEN 1 ELSE 0 END AS raw_rank,
        coalesce({BASIS["birth_date"][which]} <= %(senior_born_by)s, false) AS senior, {FENCE} AS fence_b{source}
    ) b
  ) p
) s
"""  # noqa: S608
    return sql, params


ASSIGNMENT_TABLE = table(Assignment)
# What later statements filter, join or group a month's assignments on: statistics of all ~100 columns took
# 2.6 s per close at 1M, of these 0.5 s. (Only month and customer was too few: the next engine plan suffered.)
ASSIGNMENT_STATISTICS = [
    "customer_id", "month", "kind", "org_unit_id", "maintainer_id", "rule_version_id", "raw_asset_tier", "asset_tier",
    "value_segment", "maintenance_band", "negative_rule", "corporate_size", "deposit_class", "corporate_class",
    "aum_avg", "profit_score", "stability_score", "grace_months_used",
]


def assignments_insert(*, version: RuleVersion, month: dt.date) -> int:
    """Replace the month's assignments (its partition of segmentation_assignment); returns the row count.

    Two statements instead of one INSERT … SELECT (docs/tier_rules.md "Speed"): the month's history
    (``history_build``), then the rules in a ``CREATE TABLE … AS``, which PostgreSQL may run in parallel
    workers (an INSERT never is), and the new table becomes the month's partition.
    """
    with connection.cursor() as cursor:
        engine_settings_apply(cursor)
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {PARALLEL_WORKERS}")
        history_build(cursor, month=month)
        select_sql, params = assignment_select_sql(version=version, month=month, history_stored=True)
        return month_partition_build(cursor, parent=ASSIGNMENT_TABLE, month=month, select_sql=select_sql,
                                     params=params, columns=ASSIGNMENT_COLUMNS,
                                     computed={"id": month_row_id_sql(month), **RETIRED_BASIS}, statistics=ASSIGNMENT_STATISTICS)


# Rolling one month forward costs ~5 s at 1M, aggregating 12 months of facts ~16 s: beyond three missing
# months the aggregate is cheaper.
ROLL_GAP_MAX = 3


def history_build(cursor, *, month: dt.date) -> bool:
    """Replace the month's partition of segmentation_rollinghistory; True if it rolled an earlier one forward.

    The latest earlier history rolls forward when it is at most ``ROLL_GAP_MAX`` months back, rebuilding the
    months between (after a re-close of an earlier month ``history_stale_drop`` removed them: they summed
    facts that changed). Otherwise (the first close) the history is aggregated from all facts up to the
    month (HISTORY_FULL_SQL, serial: split among workers it cost more).
    """
    earlier = [m for m in month_partitions(cursor, parent=HISTORY_TABLE) if add_months(month, -ROLL_GAP_MAX) <= m < month]
    if earlier:
        step = earlier[-1]
        while (step := add_months(step, 1)) <= month:
            _history_month_build(cursor, month=step, select_sql=HISTORY_ROLLING_SQL)
        return True
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    _history_month_build(cursor, month=month, select_sql=HISTORY_FULL_SQL)
    cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {PARALLEL_WORKERS}")
    return False


def _history_month_build(cursor, *, month: dt.date, select_sql: str) -> None:
    month_partition_build(cursor, parent=HISTORY_TABLE, month=month, params=_month_params(month),
                          columns=HISTORY_COLUMNS, select_sql=select_sql, statistics=["customer_id", "month"])


def history_stale_drop(*, month: dt.date) -> None:
    """The month's facts were rebuilt: drop the history of the month and every later one (they summed the old)."""
    with connection.cursor() as cursor:
        month_partitions_since_drop(cursor, parent=HISTORY_TABLE, month=month)


def assignments_into_temp(*, version: RuleVersion, month: dt.date, table: str) -> int:
    """Run the engine into a TEMP table (dropped at commit); used by the what-if preview."""
    if not table.isidentifier():
        raise ValueError(table)
    with connection.cursor() as cursor:
        stored = month_partition_exists(cursor, parent=HISTORY_TABLE, month=month)
        select_sql, params = assignment_select_sql(version=version, month=month, history_stored=stored)
        engine_settings_apply(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT * FROM ({select_sql}) AS e({', '.join(ASSIGNMENT_COLUMNS)})",  # noqa: S608
            params,
        )
        count = cursor.rowcount
        cursor.execute(f"ANALYZE {table}")
        return count


TIER_CHANGE_COLUMNS = ["customer_id", "month", "field", "from_value", "to_value", "direction"]
# A row's id: month_row_id_sql × 4 + the field's number (three fields per customer and month).
TIER_CHANGE_FIELD_NUMBER = "CASE e.field WHEN 'asset_tier' THEN 1 WHEN 'value_segment' THEN 2 ELSE 3 END"

TIER_CHANGE_SQL = f"""
SELECT a.customer_id, a.month, x.field, x.from_v, x.to_v, CASE WHEN x.to_r > x.from_r THEN 'up' ELSE 'down' END
FROM {ASSIGNMENT_TABLE} a
JOIN {ASSIGNMENT_TABLE} p ON p.customer_id = a.customer_id AND p.month = %(prev)s
CROSS JOIN LATERAL (VALUES
  ('asset_tier', p.asset_tier, a.asset_tier,
   array_position({sql_rank_array(ASSET_TIERS_RANKED)}, p.asset_tier),
   array_position({sql_rank_array(ASSET_TIERS_RANKED)}, a.asset_tier)),
  ('value_segment', p.value_segment, a.value_segment,
   array_position({sql_rank_array(VALUE_SEGMENTS_RANKED)}, p.value_segment),
   array_position({sql_rank_array(VALUE_SEGMENTS_RANKED)}, a.value_segment)),
  ('maintenance_band', p.maintenance_band, a.maintenance_band,
   array_position({sql_rank_array(MAINTENANCE_BANDS_RANKED)}, p.maintenance_band),
   array_position({sql_rank_array(MAINTENANCE_BANDS_RANKED)}, a.maintenance_band))
) AS x(field, from_v, to_v, from_r, to_r)
WHERE a.month = %(m)s AND x.from_v <> x.to_v
"""  # noqa: S608 — vocabulary constants, no input


def tier_changes_insert(*, month: dt.date) -> int:
    """Replace the month's tier/segment/band changes against the previous month's assignments (its partition)."""
    params = {"m": month, "prev": add_months(month, -1)}
    with connection.cursor() as cursor:
        engine_settings_apply(cursor)
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {PARALLEL_WORKERS}")
        return month_partition_build(cursor, parent=table(TierChange), month=month, select_sql=TIER_CHANGE_SQL,
                                     params=params, columns=TIER_CHANGE_COLUMNS,
                                     computed={"id": f"{month_row_id_sql(month)} * 4 + {TIER_CHANGE_FIELD_NUMBER}"})
