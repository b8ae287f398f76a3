"""Reads of the segmentation app: the what-if preview and the per-customer explanation."""

# ruff: noqa: S608 - the only text put into SQL here is the constant WHATIF_TABLE name; values are parameters.

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils.translation import gettext as _

from crm.models import User
from crm.sql_names import table
from customers.models import Customer
from customers.scoping import visible_customers
from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment

from . import engine
from .models import INDICATOR_PLACES, Assignment, MonthClose, RuleVersion

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


RECORDED = ("asset_tier", "value_segment", "maintenance_band")


def _whatif_table(cursor, *, version: RuleVersion, month: dt.date) -> int:
    """WHATIF_TABLE: per customer of the month, the draft's tier/segment/band beside the recorded ones.

    From the month's recorded rule basis (Assignment.aum_end … prev_grace, val_*) when the close stored it:
    the rules alone, no pass over 12 months of facts. Otherwise (months closed before the basis was
    recorded) the full engine from the facts, joined to the recorded assignments.
    """
    first = Assignment.objects.filter(month=month).order_by("month", "customer").values_list("holds_card", flat=True)[:1]
    columns = ", ".join(engine.ASSIGNMENT_COLUMNS)
    keep = ("customer_id, maintainer_id, kind, aum_avg, asset_tier, value_segment, maintenance_band, "
            "rec_asset_tier, rec_value_segment, rec_maintenance_band")
    engine.engine_settings_apply(cursor)
    cursor.execute(f"DROP TABLE IF EXISTS {WHATIF_TABLE}")
    if list(first) and first[0] is not None:
        sql, params = engine.assignment_select_sql(version=version, month=month, stored_basis=True, extra=RECORDED)
        # Rules over one month's partition, no joins: each parallel worker computes its share of the rows.
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {engine.PARALLEL_WORKERS}")
        recorded = ", ".join(f"rec_{col}" for col in RECORDED)
        cursor.execute(
            f"CREATE TEMP TABLE {WHATIF_TABLE} ON COMMIT DROP AS SELECT {keep} FROM ({sql}) AS e({columns}, {recorded})",
            params,
        )
        return cursor.rowcount
    engine.assignments_into_temp(version=version, month=month, table=f"{WHATIF_TABLE}_full")
    cursor.execute(
        f"""CREATE TEMP TABLE {WHATIF_TABLE} ON COMMIT DROP AS
            SELECT e.customer_id, a.maintainer_id, e.kind, e.aum_avg, e.asset_tier, e.value_segment,
                   e.maintenance_band, a.asset_tier AS rec_asset_tier, a.value_segment AS rec_value_segment,
                   a.maintenance_band AS rec_maintenance_band
            FROM {WHATIF_TABLE}_full e JOIN {table(Assignment)} a ON a.customer_id = e.customer_id AND a.month = %(m)s""",
        {"m": month},
    )
    count = cursor.rowcount
    cursor.execute(f"DROP TABLE {WHATIF_TABLE}_full")
    return count


def _visible_ids_sql(viewer) -> tuple[str, list]:
    """The compiled SQL of the viewer's visible customer ids; ("", []) when they see none."""
    try:
        sql, params = visible_customers(user=viewer).values("pk").query.sql_with_params()
    except EmptyResultSet:
        return "", []
    return sql, list(params)


def whatif_compute(
    *, version: RuleVersion, month: dt.date, affected_limit: int = 0, viewer=None
) -> WhatIf | tuple:
    """Run the rules of ``version`` on a closed month and compare them with the month's recorded assignments.

    With ``affected_limit`` > 0, also returns up to that many affected customers (tier or segment moved)
    among those ``viewer`` may see (``visible_customers``): the aggregates cover the bank, the names do not.
    """
    if affected_limit and viewer is None:
        raise ValueError("whatif_compute: the affected-customer list needs the viewer")
    baseline = MonthClose.objects.filter(month=month).select_related("rule_version").first()
    result = WhatIf(month=month, version=version, baseline_version=baseline.rule_version if baseline else None)
    affected: list[dict] = []
    with transaction.atomic(), connection.cursor() as cursor:
        result.customers = _whatif_table(cursor, version=version, month=month)
        # rec_* = recorded for the month, the rest = the draft's result.
        join = f"FROM {WHATIF_TABLE} w WHERE w.kind = 'individual'"
        # One pass for both matrices (with the AUM of each cell) and the band headcounts before/after.
        cursor.execute(
            f"""SELECT GROUPING(w.rec_asset_tier, w.asset_tier) = 0,
                       GROUPING(w.rec_value_segment, w.value_segment) = 0,
                       GROUPING(w.rec_maintenance_band) = 0,
                       w.rec_asset_tier, w.asset_tier, w.rec_value_segment, w.value_segment,
                       w.rec_maintenance_band, w.maintenance_band, count(*), coalesce(sum(w.aum_avg), 0)
                {join}
                GROUP BY GROUPING SETS ((w.rec_asset_tier, w.asset_tier), (w.rec_value_segment, w.value_segment),
                                        (w.rec_maintenance_band), (w.maintenance_band))"""
        )
        before_bands: dict[str, int] = {}
        after_bands: dict[str, int] = {}
        for is_asset, is_segment, is_band_before, a_tier, w_tier, a_seg, w_seg, a_band, w_band, n, aum in (
            cursor.fetchall()
        ):
            if is_asset:
                result.asset_matrix[(a_tier, w_tier)] = n
                if a_tier != w_tier:
                    result.asset_moved_customers += n
                    result.asset_moved_aum += aum
            elif is_segment:
                result.segment_matrix[(a_seg, w_seg)] = n
                if a_seg != w_seg:
                    result.segment_moved_customers += n
                    result.segment_moved_aum += aum
            elif is_band_before:
                before_bands[a_band] = n
            else:
                after_bands[w_band] = n
        result.bands = [
            {"band": value, "label": label, "before": before_bands.get(value, 0), "after": after_bands.get(value, 0),
             "delta": after_bands.get(value, 0) - before_bands.get(value, 0)}
            for value, label in MaintenanceBand.choices
        ]
        # Each maintainer's book: customers in the programme before/after, and moves of tier/segment/band.
        with_maintainer = join.replace("WHERE", f"LEFT JOIN {table(User)} u ON u.id = w.maintainer_id WHERE")
        cursor.execute(
            f"""SELECT w.maintainer_id, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username, ''),
                       count(*) FILTER (WHERE w.rec_maintenance_band <> ''),
                       count(*) FILTER (WHERE w.maintenance_band <> ''),
                       count(*) FILTER (WHERE w.rec_maintenance_band <> w.maintenance_band),
                       count(*) FILTER (WHERE w.rec_asset_tier <> w.asset_tier OR w.rec_value_segment <> w.value_segment)
                {with_maintainer}
                GROUP BY 1, 2
                HAVING count(*) FILTER (WHERE w.rec_maintenance_band <> w.maintenance_band
                       OR w.rec_asset_tier <> w.asset_tier OR w.rec_value_segment <> w.value_segment) > 0
                ORDER BY 5 DESC, 6 DESC LIMIT 200"""
        )
        result.maintainers = [
            {"maintainer_id": mid, "name": name or "（无维护人）", "in_programme_before": before,
             "in_programme_after": after, "band_moves": band_moves, "tier_moves": tier_moves}
            for mid, name, before, after, band_moves, tier_moves in cursor.fetchall()
        ]
        visible_sql, visible_params = _visible_ids_sql(viewer) if affected_limit else ("", [])
        if affected_limit and visible_sql:
            with_customer = join.replace("WHERE", f"JOIN {table(Customer)} c ON c.id = w.customer_id WHERE")
            cursor.execute(
                f"""SELECT w.customer_id, c.customer_no, c.name, w.rec_asset_tier, w.asset_tier, w.rec_value_segment,
                           w.value_segment, w.rec_maintenance_band, w.maintenance_band, w.aum_avg
                    {with_customer}
                      AND (w.rec_asset_tier <> w.asset_tier OR w.rec_value_segment <> w.value_segment
                           OR w.rec_maintenance_band <> w.maintenance_band)
                      AND w.customer_id IN ({visible_sql})
                    ORDER BY w.aum_avg DESC LIMIT %s""",
                [*visible_params, affected_limit],
            )
            cols = ["customer_id", "customer_no", "name", "tier_from", "tier_to", "segment_from", "segment_to",
                    "band_from", "band_to", "aum_avg"]
            affected = [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]
            # Labels beside the codes: the admin reads 金卡 → 白金, not gold → platinum.
            labels = {"tier": dict(AssetTier.choices), "segment": dict(ValueSegment.choices),
                      "band": dict(MaintenanceBand.choices)}
            for row in affected:
                for kind, names in labels.items():
                    for end in ("from", "to"):
                        row[f"{kind}_{end}_label"] = names.get(row[f"{kind}_{end}"], "")
        cursor.execute(f"DROP TABLE IF EXISTS {WHATIF_TABLE}")
    if affected_limit:
        return result, affected
    return result


# ---------------------------------------------------------------- explanation

TIMELINE_MONTHS = 13

# The columns the panel shows: 55 of the 129 of an assignment and its rule version (the engine's recorded inputs and
# the version's other rules stay in the database). Building the query for all of them cost ~2 ms of every 360 page.
CORPORATE_CLASSES = ["strategic", "premium", "effective", "nurture"]  # high → low; below them all: 调整型
CORPORATE_THRESHOLDS = (
    *(f"{name}_min_{what}" for name in CORPORATE_CLASSES for what in ("contribution", "products")),
    "class1_deposit_min", "class1_target_credit_min", "class2_deposit_min",
    *(f"{basis}_{size}_min" for basis in ("assets", "capital") for size in ("small", "medium", "large", "extra_large")),
)

EXPLANATION_FIELDS = (
    "month", "kind", "aum_avg", "asset_metric_value", "raw_asset_tier", "asset_tier", "grace_months_used",
    "value_segment", "profit_score", "stability_score", "negative_rule", "negative_rules", "maintenance_band",
    "proposed_role", "corporate_size", "deposit_class", "corporate_class",
    # the negative rules' evidence (Assignment.negative_explanations)
    "last_activity", "max_balance", "card_uses_3m", "card_spend_3m", "facts_3m", "card_balance", "malicious_overdraft",
    "holds_card", "sole_deposit_balance",
    # the corporate tiers' inputs (corporate_explanation)
    "deposit_avg", "total_assets", "registered_capital", "credit_customer", "target_credit", "admin_level",
    *(f"{prefix}_{code}" for code in INDICATOR_PLACES for prefix in ("val", "pt")),
    "rule_version", *(f"rule_version__{name}" for name in (
        "number", "asset_metric", "gold_min", "platinum_min", "diamond_min", "profit_current_weight",
        "profit_potential_weight", "profit_indicators", "stability_indicators", "profit_cutoff", "stability_cutoff",
        *CORPORATE_THRESHOLDS,
    )),
)


def customer_tier_explanation(*, customer) -> dict:
    """Latest assignment with its rule version and the last 13 months' timeline: one query.

    The customer must already come from ``visible_customers`` (the caller's scope).
    """
    rows = list(
        Assignment.objects.filter(customer=customer).select_related("rule_version").only(*EXPLANATION_FIELDS)
        .order_by("-month")[:TIMELINE_MONTHS]
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
    indicators: dict[str, list] = {"profit": [], "stability": []}
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
            or row.maintenance_band != previous.maintenance_band or row.corporate_size != previous.corporate_size
            or row.deposit_class != previous.deposit_class or row.corporate_class != previous.corporate_class)
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
        "negative_rules": current.negative_explanations,
        "corporate": corporate_explanation(assignment=current, version=version),
        "timeline": list(reversed(timeline)),
    }


def corporate_explanation(*, assignment: Assignment, version) -> dict | None:
    """Why a company or institution got its class, deposit class and size: its figures against the thresholds.

    The class is the highest whose contribution AND product-count floors are both reached (domain.md 3.4).
    """
    if assignment.kind == Customer.Kind.INDIVIDUAL:
        return None
    # val_<code> columns are added to Assignment by a loop (segmentation.models.INDICATOR_PLACES)
    contribution, products = getattr(assignment, "val_contribution"), getattr(assignment, "val_product_count")  # noqa: B009
    labels = dict(CorporateClass.choices)
    classes = []
    for name in CORPORATE_CLASSES:
        min_contribution = getattr(version, f"{name}_min_contribution")
        min_products = getattr(version, f"{name}_min_products")
        classes.append({
            "code": name, "label": labels[name], "min_contribution": min_contribution, "min_products": min_products,
            "contribution_met": contribution is not None and contribution >= min_contribution,
            "products_met": products is not None and products >= min_products,
            "assigned": assignment.corporate_class == name,
        })
    classes.append({"code": "adjust", "label": labels["adjust"], "assigned": assignment.corporate_class == "adjust"})
    size_value: object
    if assignment.kind == Customer.Kind.INSTITUTION:
        level = assignment.admin_level or ""
        size_basis, size_value, prefix = _("行政级别"), dict(Customer.AdminLevel.choices).get(level, "—"), ""
    elif assignment.credit_customer and assignment.total_assets is not None:
        size_basis, size_value, prefix = _("总资产（信用客户）"), assignment.total_assets, "assets"
    else:
        size_basis, size_value, prefix = _("注册资本"), assignment.registered_capital, "capital"
    sizes = dict(CorporateSize.choices)
    size_thresholds = ([(sizes[size], getattr(version, f"{prefix}_{size}_min"))
                        for size in ("extra_large", "large", "medium", "small")] if prefix else [])
    return {
        "contribution": contribution,
        "products": None if products is None else int(products),
        "classes": classes,
        "deposit_avg": assignment.deposit_avg, "target_credit": assignment.target_credit,
        "deposit_thresholds": [(DepositClass.CLASS_1.label, version.class1_deposit_min, version.class1_target_credit_min),
                               (DepositClass.CLASS_2.label, version.class2_deposit_min, None)],
        "size_basis": size_basis, "size_value": size_value, "size_thresholds": size_thresholds,
    }
