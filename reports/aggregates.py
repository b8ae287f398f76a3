"""The month close's report step: the month's aggregates from its assignments, by set-based SQL.

Registered as the close step ``report_aggregates`` (reports.apps): it runs inside the close's transaction
after the assignments and tier changes, so a failed close leaves no aggregates behind and a re-close
replaces the month's rows whole.
"""

# ruff: noqa: S608 - the SQL below has no user input; months are bound parameters.

from __future__ import annotations

import datetime as dt

from django.db import connection

from crm.months import add_months
from crm.sql_names import table
from customers.models import ContactLog, Customer
from segmentation.models import Assignment

from .models import MigrationAggregate, ScoreAggregate, TierAggregate

TIER_SQL = f"""
INSERT INTO {table(TierAggregate)}
  (month, org_unit_id, maintainer_id, credit_maintainer_id, kind, asset_tier, value_segment, maintenance_band,
   corporate_size, deposit_class, corporate_class, customer_count, aum_sum, contacted_count)
SELECT a.month, a.org_unit_id, a.maintainer_id, COALESCE(c.origin_maintainer_id, a.maintainer_id), a.kind,
       a.asset_tier, a.value_segment, a.maintenance_band, a.corporate_size, a.deposit_class, a.corporate_class,
       count(*), sum(a.aum_avg), count(k.customer_id)
FROM {table(Assignment)} a
JOIN {table(Customer)} c ON c.id = a.customer_id
LEFT JOIN (SELECT DISTINCT customer_id FROM {table(ContactLog)}
           WHERE contacted_on >= %(m)s AND contacted_on < %(next)s) k ON k.customer_id = a.customer_id
WHERE a.month = %(m)s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
"""

MIGRATION_SQL = f"""
INSERT INTO {table(MigrationAggregate)}
  (month, org_unit_id, maintainer_id, field, from_value, to_value, customer_count, aum_sum)
SELECT a.month, a.org_unit_id, a.maintainer_id, x.field, x.from_v, x.to_v, count(*), sum(a.aum_avg)
FROM {table(Assignment)} a
LEFT JOIN {table(Assignment)} p ON p.customer_id = a.customer_id AND p.month = %(prev)s
CROSS JOIN LATERAL (VALUES
  ('asset_tier', COALESCE(p.asset_tier, ''), a.asset_tier),
  ('value_segment', COALESCE(p.value_segment, ''), a.value_segment)
) AS x(field, from_v, to_v)
WHERE a.month = %(m)s AND a.kind = 'individual'
GROUP BY 1, 2, 3, 4, 5, 6
"""

SCORE_SQL = f"""
INSERT INTO {table(ScoreAggregate)}
  (month, org_unit_id, maintainer_id, profit_decile, stability_decile, customer_count)
SELECT a.month, a.org_unit_id, a.maintainer_id,
       LEAST(floor(a.profit_score / 10)::int, 9), LEAST(floor(a.stability_score / 10)::int, 9), count(*)
FROM {table(Assignment)} a
WHERE a.month = %(m)s AND a.kind = 'individual'
  AND a.profit_score IS NOT NULL AND a.stability_score IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
"""


def report_aggregates_build(*, month: dt.date, version=None) -> dict[str, int]:
    """Replace ``month``'s tier, migration and score aggregates (a close step; ``version`` is unused).

    Returns the number of rows written per table.
    """
    params = {"m": month, "next": add_months(month, 1), "prev": add_months(month, -1)}
    written = {}
    with connection.cursor() as cursor:
        for model, sql in [(TierAggregate, TIER_SQL), (MigrationAggregate, MIGRATION_SQL),
                           (ScoreAggregate, SCORE_SQL)]:
            model._default_manager.filter(month=month).delete()
            cursor.execute(sql, params)
            written[str(model._meta.model_name)] = cursor.rowcount
    return written
