"""The dashboard's chart data (read by static/js/dashboard.js from json_script blocks) and heat-map shades."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .dataset import ReportDataset

WAN = Decimal(10_000)
HEAT_LEVELS = 6


def _wan(value: Decimal) -> float:
    # Chart.js plots floats; the tables beside each chart carry the exact Decimal figures.
    return float((value / WAN).quantize(Decimal("0.01")))


def _bars(rows) -> dict:
    return {"labels": [row.label for row in rows], "counts": [row.count for row in rows],
            "aum": [_wan(row.aum) for row in rows]}


def dashboard_charts(data: ReportDataset) -> dict:
    """Labels and series of every chart on the dashboard (AUM in 万元)."""
    return {
        "asset_tiers": _bars(data.asset_tiers),
        "value_segments": _bars(data.value_segments),
        "bands": _bars(data.bands),
        "corporate_sizes": _bars(data.corporate_sizes),
        "deposit_classes": _bars(data.deposit_classes),
        "corporate_classes": _bars(data.corporate_classes),
        "trends": {
            "labels": [f"{month:%Y-%m}" for month in data.trends.months],
            "series": [{"label": row.label, "code": row.code, "counts": data.trends.series[row.code]}
                       for row in data.asset_tiers],
        },
        "labels": {"count": _("客户数"), "aum": _("月日均金融资产（万元）")},
    }


def heat_levels(grid: list[list[int]]) -> list[list[int]]:
    """A shade 0–5 per cell (0 = empty), relative to the fullest cell: CSS classes, not inline styles."""
    top = max((n for row in grid for n in row), default=0)
    if not top:
        return [[0] * len(row) for row in grid]
    return [[0 if not n else 1 + (n * (HEAT_LEVELS - 2)) // top for n in row] for row in grid]


def dashboard_tables(data: ReportDataset) -> dict:
    """The dashboard's tables in template-friendly rows (matrices, trend table, heat map, quadrants)."""
    quadrant = data.quadrant
    levels = heat_levels(quadrant.grid)
    return {
        "matrices": [(name, data.migrations[name], title) for name, title in [
            ("asset_tier", _("资产等级迁移矩阵（个人）")), ("value_segment", _("价值分群迁移矩阵（个人）"))]],
        # (month, [(count, list filters) per tier], total)
        "trend_cells": [(month, [(data.trends.series[row.code][i], data.trends.filters[row.code][i])
                                 for row in data.asset_tiers], data.trends.totals[i])
                        for i, month in enumerate(data.trends.months)],
        "decile_labels": [f"{s * 10}" for s in range(10)],
        # Profitability from high (top row) to low, as a quadrant chart reads.
        "heat_rows": [(f"{p * 10}–{min(p * 10 + 10, 100)}",
                       [(quadrant.grid[p][s], levels[p][s], quadrant.filters[p][s]) for s in range(10)])
                      for p in range(9, -1, -1)],
        "quadrant_rows": [(row.label, quadrant.quadrants[row.code]) for row in data.value_segments],
    }
