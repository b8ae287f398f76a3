"""Reads of the segmentation app: the what-if preview and the per-customer explanation."""

# ruff: noqa: S608 - the only text put into SQL here is the constant WHATIF_TABLE name; values are parameters.

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from customers.tiers import AssetTier, MaintenanceBand, ValueSegment

from . import engine
from .models import Assignment, MonthClose, RuleVersion

WHATIF_TABLE = "segmentation_whatif"


@dataclass
class WhatIf:
    """The effect of running ``version`` on a closed month, against the results actually recorded."""

    month: dt.date
    version: RuleVersion
    baseline_version: RuleVersion | None
    customers: int = 0
    asset_matrix: dict[tuple[str, str], int] = field(default_factory=dict)
    segment_matrix: dict[tuple[str, str], int] = field(default_factory=dict)
    asset_moved_customers: int = 0
    asset_moved_aum: Decimal = Decimal(0)
    segment_moved_customers: int = 0
    segment_moved_aum: Decimal = Decimal(0)
    bands: list[dict] = field(default_factory=list)
    maintainers: list[dict] = field(default_factory=list)

    def matrix_rows(self, which: str) -> list[dict]:
        """Rows for the template: label, cells (one per 'to' label) and totals."""
        choices = AssetTier.choices if which == "asset" else ValueSegment.choices
        data = self.asset_matrix if which == "asset" else self.segment_matrix
        rows = []
        for src, src_label in choices:
            cells = [data.get((src, dst), 0) for dst, _ in choices]
            rows.append({"label": src_label, "cells": cells, "total": sum(cells),
                         "diagonal": [src == dst for dst, _ in choices]})
        return rows


def whatif_compute(*, version: RuleVersion, month: dt.date, affected_limit: int = 0) -> WhatIf | tuple:
    """Run the engine for ``version`` into a TEMP table and compare it with the month's recorded assignments.

    With ``affected_limit`` > 0, also returns up to that many affected customers (tier or segment moved).
    """
    baseline = MonthClose.objects.filter(month=month).select_related("rule_version").first()
    result = WhatIf(month=month, version=version, baseline_version=baseline.rule_version if baseline else None)
    affected: list[dict] = []
    with transaction.atomic(), connection.cursor() as cursor:
        result.customers = engine.assignments_into_temp(version=version, month=month, table=WHATIF_TABLE)
        join = (f"FROM {WHATIF_TABLE} w JOIN segmentation_assignment a "
                "ON a.customer_id = w.customer_id AND a.month = %(m)s WHERE w.kind = 'individual'")
        cursor.execute(f"SELECT a.asset_tier, w.asset_tier, count(*) {join} GROUP BY 1, 2", {"m": month})
        result.asset_matrix = {(a, b): n for a, b, n in cursor.fetchall()}
        cursor.execute(f"SELECT a.value_segment, w.value_segment, count(*) {join} GROUP BY 1, 2", {"m": month})
        result.segment_matrix = {(a, b): n for a, b, n in cursor.fetchall()}
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE a.asset_tier <> w.asset_tier),
                       coalesce(sum(w.aum_avg) FILTER (WHERE a.asset_tier <> w.asset_tier), 0),
                       count(*) FILTER (WHERE a.value_segment <> w.value_segment),
                       coalesce(sum(w.aum_avg) FILTER (WHERE a.value_segment <> w.value_segment), 0) {join}""",
            {"m": month},
        )
        (result.asset_moved_customers, result.asset_moved_aum, result.segment_moved_customers,
         result.segment_moved_aum) = cursor.fetchone()
        cursor.execute(
            f"""SELECT band, sum(before), sum(after) FROM (
                  SELECT a.maintenance_band AS band, 1 AS before, 0 AS after {join} AND a.maintenance_band <> ''
                  UNION ALL
                  SELECT w.maintenance_band, 0, 1 {join} AND w.maintenance_band <> '') t GROUP BY band""",
            {"m": month},
        )
        counts = {band: (before, after) for band, before, after in cursor.fetchall()}
        result.bands = [
            {"band": value, "label": label, "before": counts.get(value, (0, 0))[0],
             "after": counts.get(value, (0, 0))[1], "delta": counts.get(value, (0, 0))[1] - counts.get(value, (0, 0))[0]}
            for value, label in MaintenanceBand.choices
        ]
        # Each maintainer's book: customers in the programme before/after, and moves of tier/segment/band.
        cursor.execute(
            f"""SELECT a.maintainer_id, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username, ''),
                       count(*) FILTER (WHERE a.maintenance_band <> ''),
                       count(*) FILTER (WHERE w.maintenance_band <> ''),
                       count(*) FILTER (WHERE a.maintenance_band <> w.maintenance_band),
                       count(*) FILTER (WHERE a.asset_tier <> w.asset_tier OR a.value_segment <> w.value_segment)
                {join.replace('WHERE', 'LEFT JOIN crm_user u ON u.id = a.maintainer_id WHERE')}
                GROUP BY 1, 2
                HAVING count(*) FILTER (WHERE a.maintenance_band <> w.maintenance_band
                       OR a.asset_tier <> w.asset_tier OR a.value_segment <> w.value_segment) > 0
                ORDER BY 5 DESC, 6 DESC LIMIT 200""",
            {"m": month},
        )
        result.maintainers = [
            {"maintainer_id": mid, "name": name or "（无维护人）", "in_programme_before": before,
             "in_programme_after": after, "band_moves": band_moves, "tier_moves": tier_moves}
            for mid, name, before, after, band_moves, tier_moves in cursor.fetchall()
        ]
        if affected_limit:
            cursor.execute(
                f"""SELECT w.customer_id, c.customer_no, c.name, a.asset_tier, w.asset_tier, a.value_segment,
                           w.value_segment, a.maintenance_band, w.maintenance_band, w.aum_avg
                    {join.replace('WHERE', 'JOIN customers_customer c ON c.id = w.customer_id WHERE')}
                      AND (a.asset_tier <> w.asset_tier OR a.value_segment <> w.value_segment
                           OR a.maintenance_band <> w.maintenance_band)
                    ORDER BY w.aum_avg DESC LIMIT %(limit)s""",
                {"m": month, "limit": affected_limit},
            )
            cols = ["customer_id", "customer_no", "name", "tier_from", "tier_to", "segment_from", "segment_to",
                    "band_from", "band_to", "aum_avg"]
            affected = [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE IF EXISTS {WHATIF_TABLE}")
    if affected_limit:
        return result, affected
    return result


# ---------------------------------------------------------------- explanation

TIMELINE_MONTHS = 13


def customer_tier_explanation(*, customer) -> dict:
    """Latest assignment with its rule version and the last 13 months' timeline: one query.

    The customer must already come from ``visible_customers`` (the caller's scope).
    """
    rows = list(
        Assignment.objects.filter(customer=customer).select_related("rule_version").order_by("-month")[:TIMELINE_MONTHS]
    )
    if not rows:
        return {"current": None, "timeline": []}
    current = rows[0]
    version = current.rule_version
    labels = {c.code: c.label for c in engine.INDICATORS.values()}
    weights = {}
    for item in version.profit_indicators:
        weights[item["code"]] = ("profit", item.get("group"), item["weight"], item["full_value"])
    for item in version.stability_indicators:
        weights[item["code"]] = ("stability", "", item["weight"], item["full_value"])
    indicators = {"profit": [], "stability": []}
    for code, (score, group, weight, full) in weights.items():
        value, points = (current.indicators or {}).get(code, (None, 0))
        indicators[score].append({
            "code": code, "label": labels.get(code, code), "group": engine.PROFIT_GROUPS.get(group, ""),
            "weight": weight, "full_value": full, "value": value, "points": points,
            "lower_is_better": engine.INDICATORS[code].lower_is_better if code in engine.INDICATORS else False,
        })
    timeline = []
    previous = None
    for row in reversed(rows):
        changed = previous is not None and (
            row.asset_tier != previous.asset_tier or row.value_segment != previous.value_segment
            or row.maintenance_band != previous.maintenance_band)
        timeline.append({"assignment": row, "changed": changed})
        previous = row
    thresholds = [
        (AssetTier.GOLD.label, version.gold_min), (AssetTier.PLATINUM.label, version.platinum_min),
        (AssetTier.DIAMOND.label, version.diamond_min),
    ]
    return {
        "current": current,
        "version": version,
        "thresholds": thresholds,
        "indicators": indicators,
        "negative_label": engine.NEGATIVE_RULES.get(current.negative_rule, ""),
        "timeline": list(reversed(timeline)),
    }
