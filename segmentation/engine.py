"""The tier engine: one rule version + one month of facts → one assignment row per customer.

Everything is a single ``SELECT`` built here (CASE expressions, a grouped
pass over the last 12 months of ``CustomerMonth`` for 3-month averages,
6-month volatility, dormancy and annual card spend). ``month_close`` inserts
it into ``segmentation_assignment``; the what-if preview creates a TEMP table
from the very same SELECT, so a preview equals what a close would write.

Only allow-listed SQL fragments (indicator expressions chosen by code, the
asset metric chosen from its choices) are put into the text; every value of
the rule version travels as a query parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from .models import RuleVersion

TIERS = ["regular", "gold", "platinum", "diamond"]
ACCOUNT_TYPE_COUNT = 8  # 活期/定期/理财/基金/保险/三方存管/贷款/信用卡


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    sql: str  # value expression over the columns of the ``b`` layer
    lower_is_better: bool = False


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in [
        Indicator("contribution", "月贡献度(元)", "b.contribution"),
        Indicator("fee_income", "中间业务收入(元)", "b.fee_income"),
        Indicator("product_count", "持有产品种类", "b.product_count"),
        Indicator("aum_growth_3m", "近3个月金融资产增长(元)", "b.aum_avg - coalesce(b.aum_avg_m3, 0)"),
        Indicator("products_not_held", "未持有产品种类", f"greatest({ACCOUNT_TYPE_COUNT} - b.product_count, 0)"),
        Indicator(
            "income_band", "收入水平分",
            "CASE b.income_band WHEN 'low' THEN 25 WHEN 'middle' THEN 50 WHEN 'high' THEN 75 WHEN 'top' THEN 100"
            " ELSE 0 END",
        ),
        Indicator(
            "credit_rating", "信用等级分",
            "CASE b.credit_rating WHEN 'AAA' THEN 100 WHEN 'AA' THEN 85 WHEN 'A' THEN 70 WHEN 'BBB' THEN 55"
            " WHEN 'BB' THEN 40 WHEN 'B' THEN 25 ELSE 0 END",
        ),
        Indicator(
            "tenure_months", "建立关系月数",
            "CASE WHEN b.since IS NULL OR b.since > b.month_end THEN 0 ELSE"
            " (extract(year FROM age(b.month_end, b.since)) * 12 + extract(month FROM age(b.month_end, b.since)))::int"
            " END",
        ),
        Indicator("active_days", "当月活跃天数", "b.active_days"),
        Indicator("product_breadth", "产品广度", "b.product_count"),
        Indicator(
            "aum_volatility_6m", "近6个月金融资产波动率",
            "CASE WHEN coalesce(b.aum_mean6, 0) <= 0 THEN NULL ELSE round(b.aum_sd6 / b.aum_mean6, 4) END",
            lower_is_better=True,
        ),
        Indicator("bad_credit_count", "不良记录次数", "b.bad_credit_count", lower_is_better=True),
    ]
}
PROFIT_GROUPS = {"current": "当前价值", "potential": "潜在价值"}

NEGATIVE_RULES = {
    "dormant": "睡眠户",
    "inactive_card": "低效信用卡",
    "bad_credit": "信誉不良记录",
    "malicious_overdraft": "恶意透支/逃避债务",
}
PROPOSED_ROLES = {"wealth_centre": "理财经理", "wealth": "理财经理", "adopted": "网点主任", "staff": "客户经理"}

ASSIGNMENT_COLUMNS = [
    "customer_id", "month", "rule_version_id", "org_unit_id", "maintainer_id", "kind", "aum_avg",
    "asset_metric_value", "raw_asset_tier", "asset_tier", "grace_months_used", "value_segment", "profit_score",
    "stability_score", "indicators", "negative_rule", "negative_evidence", "maintenance_band", "proposed_role",
    "corporate_size", "deposit_class", "corporate_class",
]

ASSET_METRIC_SQL = {
    RuleVersion.AssetMetric.AVG: "coalesce(f.aum_avg, 0)",
    RuleVersion.AssetMetric.END: "coalesce(f.aum_end, 0)",
    RuleVersion.AssetMetric.AVG3: "round(coalesce(h.aum_avg3, 0), 2)",
}


def add_months(month: dt.date, n: int) -> dt.date:
    """First day of the month ``n`` months after ``month`` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def _points_sql(indicator: Indicator) -> str:
    ratio = f"least(greatest(v_{indicator.code}, 0) * 100 / %(full_{indicator.code})s::numeric, 100)"
    expr = f"100 - {ratio}" if indicator.lower_is_better else ratio
    # greatest() ignores NULLs in PostgreSQL, so an unknown value is caught explicitly: it scores 0.
    return f"CASE WHEN v_{indicator.code} IS NULL THEN 0 ELSE round({expr}, 2) END"


def _weighted_sum(items: list[dict]) -> str:
    if not items:
        return "0"
    return " + ".join(f"%(w_{i['code']})s::numeric * p_{i['code']}" for i in items)


def assignment_select_sql(*, version: RuleVersion, month: dt.date) -> tuple[str, dict]:
    """The engine's SELECT (columns = ASSIGNMENT_COLUMNS) and its parameters for one month."""
    profit = list(version.profit_indicators)
    stability = list(version.stability_indicators)
    used = {i["code"] for i in profit + stability}
    codes = [c for c in INDICATORS if c in used]
    params: dict = {
        "m": month, "m2": add_months(month, -2), "m3": add_months(month, -3), "m5": add_months(month, -5),
        "m11": add_months(month, -11), "prev": add_months(month, -1), "month_end": month_end(month),
        "dormant_from": add_months(month, -(max(version.dormant_months, 1) - 1)),
        "version_id": version.pk,
    }
    for item in profit + stability:
        params[f"w_{item['code']}"] = item["weight"]
        params[f"full_{item['code']}"] = item["full_value"]
    for field in [
        "gold_min", "platinum_min", "diamond_min", "downgrade_grace_months", "profit_current_weight",
        "profit_potential_weight", "profit_cutoff", "stability_cutoff", "dormant_enabled", "dormant_balance",
        "inactive_card_enabled", "card_min_uses", "card_min_spend", "card_min_balance", "bad_credit_enabled",
        "bad_credit_min", "overdraft_enabled", "entry_aum", "entry_card_annual_spend", "entry_loan", "entry_margin",
        "entry_gold_card", "band_adopted_min", "band_wealth_min", "band_wealth_centre_min", "staff_band_max_age",
        "assets_small_min", "assets_medium_min", "assets_large_min", "assets_extra_large_min", "capital_small_min",
        "capital_medium_min", "capital_large_min", "capital_extra_large_min", "class1_deposit_min",
        "class1_target_credit_min", "class2_deposit_min", "strategic_min_contribution", "strategic_min_products",
        "premium_min_contribution", "premium_min_products", "effective_min_contribution", "effective_min_products",
        "nurture_min_contribution", "nurture_min_products",
    ]:
        params[field] = getattr(version, field)

    values_sql = ",\n      ".join(f"({INDICATORS[c].sql}) AS v_{c}" for c in codes) or "NULL AS v_none"
    points_sql = ",\n      ".join(f"{_points_sql(INDICATORS[c])} AS p_{c}" for c in codes) or "NULL AS p_none"
    current = [i for i in profit if i.get("group") == "current"]
    potential = [i for i in profit if i.get("group") == "potential"]
    indicators_json = (
        "jsonb_build_object(" + ", ".join(f"'{c}', jsonb_build_array(v_{c}, p_{c})" for c in codes) + ")"
        if codes else "'{}'::jsonb"
    )
    metric_sql = ASSET_METRIC_SQL[version.asset_metric]

    # Only allow-listed fragments are interpolated; every value is a query parameter.
    sql = f"""
WITH hist AS (
  SELECT customer_id,
    avg(aum_avg) FILTER (WHERE month >= %(m2)s) AS aum_avg3,
    max(aum_avg) FILTER (WHERE month = %(m3)s) AS aum_avg_m3,
    stddev_pop(aum_avg) FILTER (WHERE month >= %(m5)s) AS aum_sd6,
    avg(aum_avg) FILTER (WHERE month >= %(m5)s) AS aum_mean6,
    avg(card_txn_count) FILTER (WHERE month >= %(m2)s) AS card_uses3,
    avg(card_spend) FILTER (WHERE month >= %(m2)s) AS card_spend3,
    sum(card_spend) AS card_spend12,
    max(last_txn_date) AS last_txn
  FROM customers_customermonth
  WHERE month BETWEEN %(m11)s AND %(m)s
  GROUP BY customer_id
),
b AS (
  SELECT c.id AS customer_id, c.kind, c.org_unit_id, c.maintainer_id, c.since, c.credit_rating,
    c.bad_credit_count, c.malicious_overdraft, c.income_band, c.registered_capital, c.total_assets,
    c.credit_customer, c.target_credit, c.admin_level,
    extract(year FROM age(%(month_end)s::date, c.birth_date)) AS age,
    %(month_end)s::date AS month_end,
    coalesce(f.aum_avg, 0) AS aum_avg, coalesce(f.deposit_avg, 0) AS deposit_avg,
    abs(coalesce(f.loan_end, 0)) AS loan_end, coalesce(f.margin_end, 0) AS margin_end,
    coalesce(f.card_balance, 0) AS card_balance, coalesce(f.has_card, false) AS has_card,
    coalesce(f.active_days, 0) AS active_days, coalesce(f.max_balance, 0) AS max_balance,
    coalesce(f.product_count, 0) AS product_count, coalesce(f.fee_income, 0) AS fee_income,
    coalesce(f.contribution, 0) AS contribution,
    h.aum_avg_m3, h.aum_sd6, h.aum_mean6,
    coalesce(h.card_uses3, 0) AS card_uses3, coalesce(h.card_spend3, 0) AS card_spend3,
    coalesce(h.card_spend12, 0) AS card_spend12,
    coalesce(h.last_txn, c.since) AS last_activity,
    {metric_sql} AS metric,
    coalesce(array_position(ARRAY['regular','gold','platinum','diamond']::varchar[], pa.asset_tier) - 1, -1)
      AS prev_rank,
    coalesce(pa.grace_months_used, 0) AS prev_grace
  FROM customers_customer c
  LEFT JOIN customers_customermonth f ON f.customer_id = c.id AND f.month = %(m)s
  LEFT JOIN hist h ON h.customer_id = c.id
  LEFT JOIN segmentation_assignment pa ON pa.customer_id = c.id AND pa.month = %(prev)s
),
v AS (
  SELECT b.*,
    CASE WHEN b.metric >= %(diamond_min)s THEN 3 WHEN b.metric >= %(platinum_min)s THEN 2
         WHEN b.metric >= %(gold_min)s THEN 1 ELSE 0 END AS raw_rank,
    {values_sql}
  FROM b
),
p AS (
  SELECT v.*,
    CASE WHEN v.prev_rank > v.raw_rank AND v.prev_grace + 1 <= %(downgrade_grace_months)s
         THEN v.prev_rank ELSE v.raw_rank END AS rank,
    CASE WHEN v.prev_rank > v.raw_rank AND v.prev_grace + 1 <= %(downgrade_grace_months)s
         THEN v.prev_grace + 1 ELSE 0 END AS grace,
    {points_sql}
  FROM v
),
s AS (
  SELECT p.*,
    round((%(profit_current_weight)s::numeric * ({_weighted_sum(current)})
         + %(profit_potential_weight)s::numeric * ({_weighted_sum(potential)})) / 10000, 2) AS profit,
    round(({_weighted_sum(stability)}) / 100, 2) AS stability,
    CASE
      WHEN %(dormant_enabled)s AND (p.last_activity IS NULL OR p.last_activity < %(dormant_from)s)
           AND p.max_balance < %(dormant_balance)s THEN 'dormant'
      WHEN %(inactive_card_enabled)s AND p.has_card
           AND ((p.card_uses3 < %(card_min_uses)s AND p.card_spend3 < %(card_min_spend)s)
                OR p.card_balance < %(card_min_balance)s) THEN 'inactive_card'
      WHEN %(bad_credit_enabled)s AND p.bad_credit_count >= %(bad_credit_min)s THEN 'bad_credit'
      WHEN %(overdraft_enabled)s AND p.malicious_overdraft THEN 'malicious_overdraft'
      ELSE '' END AS neg,
    (p.aum_avg >= %(entry_aum)s OR p.card_spend12 >= %(entry_card_annual_spend)s OR p.loan_end >= %(entry_loan)s
      OR p.margin_end >= %(entry_margin)s OR (%(entry_gold_card)s AND p.rank >= 1)) AS in_programme
  FROM p
)
SELECT s.customer_id, %(m)s::date, %(version_id)s::bigint, s.org_unit_id, s.maintainer_id, s.kind, s.aum_avg,
  s.metric,
  CASE WHEN s.kind = 'individual' THEN (ARRAY['regular','gold','platinum','diamond'])[s.raw_rank + 1] ELSE '' END,
  CASE WHEN s.kind = 'individual' THEN (ARRAY['regular','gold','platinum','diamond'])[s.rank + 1] ELSE '' END,
  CASE WHEN s.kind = 'individual' THEN s.grace ELSE 0 END,
  CASE WHEN s.kind <> 'individual' THEN ''
       WHEN s.neg <> '' THEN 'negative'
       WHEN s.profit >= %(profit_cutoff)s AND s.stability >= %(stability_cutoff)s THEN 'vip'
       WHEN s.profit >= %(profit_cutoff)s THEN 'potential'
       WHEN s.stability >= %(stability_cutoff)s THEN 'mass'
       ELSE 'negative' END,
  CASE WHEN s.kind = 'individual' THEN s.profit END,
  CASE WHEN s.kind = 'individual' THEN s.stability END,
  CASE WHEN s.kind = 'individual' THEN {indicators_json} END,
  CASE WHEN s.kind = 'individual' THEN s.neg ELSE '' END,
  CASE WHEN s.kind <> 'individual' OR s.neg = '' THEN NULL
       WHEN s.neg = 'dormant' THEN jsonb_build_object('last_activity', s.last_activity,
            'max_balance', s.max_balance)
       WHEN s.neg = 'inactive_card' THEN jsonb_build_object('card_uses_avg', round(s.card_uses3, 2),
            'card_spend_avg', round(s.card_spend3, 2), 'card_balance', s.card_balance)
       WHEN s.neg = 'bad_credit' THEN jsonb_build_object('bad_credit_count', s.bad_credit_count)
       ELSE jsonb_build_object('malicious_overdraft', true) END,
  CASE WHEN s.kind <> 'individual' OR NOT s.in_programme THEN ''
       WHEN s.aum_avg >= %(band_wealth_centre_min)s THEN 'wealth_centre'
       WHEN s.aum_avg >= %(band_wealth_min)s THEN 'wealth'
       WHEN s.aum_avg >= %(band_adopted_min)s THEN 'adopted'
       WHEN s.age >= %(staff_band_max_age)s THEN 'adopted'
       ELSE 'staff' END,
  CASE WHEN s.kind <> 'individual' OR NOT s.in_programme THEN ''
       WHEN s.aum_avg >= %(band_wealth_min)s THEN '理财经理'
       WHEN s.aum_avg >= %(band_adopted_min)s OR s.age >= %(staff_band_max_age)s THEN '网点主任'
       ELSE '客户经理' END,
  CASE WHEN s.kind = 'individual' THEN ''
       WHEN s.kind = 'institution' THEN CASE s.admin_level WHEN 'provincial' THEN 'large'
            WHEN 'municipal' THEN 'medium' WHEN 'township' THEN 'small' ELSE 'micro' END
       WHEN s.credit_customer AND s.total_assets IS NOT NULL THEN CASE
            WHEN s.total_assets >= %(assets_extra_large_min)s THEN 'extra_large'
            WHEN s.total_assets >= %(assets_large_min)s THEN 'large'
            WHEN s.total_assets >= %(assets_medium_min)s THEN 'medium'
            WHEN s.total_assets >= %(assets_small_min)s THEN 'small' ELSE 'micro' END
       ELSE CASE
            WHEN coalesce(s.registered_capital, 0) >= %(capital_extra_large_min)s THEN 'extra_large'
            WHEN coalesce(s.registered_capital, 0) >= %(capital_large_min)s THEN 'large'
            WHEN coalesce(s.registered_capital, 0) >= %(capital_medium_min)s THEN 'medium'
            WHEN coalesce(s.registered_capital, 0) >= %(capital_small_min)s THEN 'small' ELSE 'micro' END
  END,
  CASE WHEN s.kind = 'individual' THEN ''
       WHEN s.deposit_avg >= %(class1_deposit_min)s
            OR coalesce(s.target_credit, 0) >= %(class1_target_credit_min)s THEN 'class_1'
       WHEN s.deposit_avg >= %(class2_deposit_min)s THEN 'class_2' ELSE 'class_3' END,
  CASE WHEN s.kind = 'individual' THEN ''
       WHEN s.contribution >= %(strategic_min_contribution)s
            AND s.product_count >= %(strategic_min_products)s THEN 'strategic'
       WHEN s.contribution >= %(premium_min_contribution)s
            AND s.product_count >= %(premium_min_products)s THEN 'premium'
       WHEN s.contribution >= %(effective_min_contribution)s
            AND s.product_count >= %(effective_min_products)s THEN 'effective'
       WHEN s.contribution >= %(nurture_min_contribution)s
            AND s.product_count >= %(nurture_min_products)s THEN 'nurture'
       ELSE 'adjust' END
FROM s
"""  # noqa: S608
    return sql, params


def assignments_insert(*, version: RuleVersion, month: dt.date) -> int:
    """Write the month's assignments into segmentation_assignment; returns the row count."""
    select_sql, params = assignment_select_sql(version=version, month=month)
    columns = ", ".join(ASSIGNMENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"INSERT INTO segmentation_assignment ({columns}) {select_sql}", params)  # noqa: S608
        return cursor.rowcount


def assignments_into_temp(*, version: RuleVersion, month: dt.date, table: str) -> int:
    """Run the engine into a TEMP table (dropped at commit); used by the what-if preview."""
    if not table.isidentifier():
        raise ValueError(table)
    select_sql, params = assignment_select_sql(version=version, month=month)
    aliased = select_sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT * FROM ({aliased}) AS e({', '.join(ASSIGNMENT_COLUMNS)})",  # noqa: S608
            params,
        )
        return cursor.rowcount


TIER_CHANGE_SQL = """
INSERT INTO segmentation_tierchange (customer_id, month, field, from_value, to_value, direction)
SELECT a.customer_id, a.month, x.field, x.from_v, x.to_v, CASE WHEN x.to_r > x.from_r THEN 'up' ELSE 'down' END
FROM segmentation_assignment a
JOIN segmentation_assignment p ON p.customer_id = a.customer_id AND p.month = %(prev)s
CROSS JOIN LATERAL (VALUES
  ('asset_tier', p.asset_tier, a.asset_tier,
   array_position(ARRAY['','regular','gold','platinum','diamond']::varchar[], p.asset_tier),
   array_position(ARRAY['','regular','gold','platinum','diamond']::varchar[], a.asset_tier)),
  ('value_segment', p.value_segment, a.value_segment,
   array_position(ARRAY['','negative','mass','potential','vip']::varchar[], p.value_segment),
   array_position(ARRAY['','negative','mass','potential','vip']::varchar[], a.value_segment)),
  ('maintenance_band', p.maintenance_band, a.maintenance_band,
   array_position(ARRAY['','staff','adopted','wealth','wealth_centre']::varchar[], p.maintenance_band),
   array_position(ARRAY['','staff','adopted','wealth','wealth_centre']::varchar[], a.maintenance_band))
) AS x(field, from_v, to_v, from_r, to_r)
WHERE a.month = %(m)s AND x.from_v <> x.to_v
"""

CUSTOMER_CURRENT_SQL = """
UPDATE customers_customer c SET
  asset_tier = a.asset_tier, value_segment = a.value_segment, maintenance_band = a.maintenance_band,
  profit_score = a.profit_score, stability_score = a.stability_score, corporate_size = a.corporate_size,
  deposit_class = a.deposit_class, corporate_class = a.corporate_class
FROM segmentation_assignment a
WHERE a.month = %(m)s AND a.customer_id = c.id
  AND (c.asset_tier, c.value_segment, c.maintenance_band, c.profit_score, c.stability_score, c.corporate_size,
       c.deposit_class, c.corporate_class)
  IS DISTINCT FROM (a.asset_tier, a.value_segment, a.maintenance_band, a.profit_score, a.stability_score,
       a.corporate_size, a.deposit_class, a.corporate_class)
"""


def tier_changes_insert(*, month: dt.date) -> int:
    """Record tier/segment/band changes of the month against the previous month's assignments."""
    with connection.cursor() as cursor:
        cursor.execute(TIER_CHANGE_SQL, {"m": month, "prev": add_months(month, -1)})
        return cursor.rowcount


def customers_current_update(*, month: dt.date) -> int:
    """Copy the month's assignment into the customers' current-tier columns (only rows that differ)."""
    with connection.cursor() as cursor:
        cursor.execute(CUSTOMER_CURRENT_SQL, {"m": month})
        return cursor.rowcount
