"""Benchmark cases of the tier dashboard (discovered by crm.benchmarking).

The dashboards read the month's aggregates written by the close; the ``segmentation_history`` resource
closes the month before the benchmark's data month through the real close (aggregates included), so the
cases open that month's dashboard through the real view, logged in as HQ and as a branch head.
"""

from __future__ import annotations

from urllib.parse import urlencode

from crm.benchmarking.registry import CaseFailed, CaseUnavailable, benchmark_case
from crm.models import OrgUnit

from . import package_benchmarks  # noqa: F401  (the report package's cases: Excel, PDF)
from .models import TierAggregate

URL = "/reports/dashboard/"


def _dashboard(ctx, username: str, prev, **params) -> dict:
    if not TierAggregate.objects.filter(month=prev).exists():
        raise CaseUnavailable("该月没有汇总数据（月结未生成报表汇总）")
    query = "&".join([f"month={prev:%Y-%m}", *(f"{k}={v}" for k, v in params.items())])
    response = ctx.client(username).get(f"{URL}?{query}")
    if response.status_code != 200 or b"data-kpi" not in response.content:
        raise CaseFailed(f"{URL} 返回 HTTP {response.status_code}")
    return {"aggregate_rows": TierAggregate.objects.filter(month=prev).count()}


@benchmark_case("dashboard_hq", target_ms=300, needs=("segmentation_history",))
def dashboard_hq(ctx, segmentation_history) -> dict:
    """HQ: the whole bank's tier dashboard for the last closed month."""
    return _dashboard(ctx, "hq", segmentation_history["prev"])


@benchmark_case("dashboard_branch", target_ms=150, needs=("segmentation_history",))
def dashboard_branch(ctx, segmentation_history) -> dict:
    """Branch head: their outlet's tier dashboard for the last closed month."""
    return _dashboard(ctx, "head_a", segmentation_history["prev"])


@benchmark_case("dashboard_hq_branch", target_ms=150, needs=("segmentation_history",))
def dashboard_hq_branch(ctx, segmentation_history) -> dict:
    """HQ choosing one branch (BR1) on the tier dashboard for the last closed month."""
    return _dashboard(ctx, "hq", segmentation_history["prev"], org="BR1")


@benchmark_case("dashboard_drilldown_branch", target_ms=100, needs=("segmentation_history",))
def dashboard_drilldown_branch(ctx, segmentation_history) -> dict:
    """Branch head: a migration cell's customer list (金卡 → 金卡 of their outlet in the last closed month)."""
    prev = segmentation_history["prev"]
    unit = OrgUnit.objects.get(code="OUT-A")
    query = urlencode({"month": f"{prev:%Y-%m}", "m_org": unit.pk, "m_kind": "individual", "m_asset_tier": "gold",
                       "m_prev_asset_tier": "gold"})
    response = ctx.client("head_a").get(f"/customers/?{query}")
    if response.status_code != 200 or "按月结数据筛选".encode() not in response.content:
        raise CaseFailed(f"/customers/ 返回 HTTP {response.status_code}")
    return {}
