"""The report dataset against the hand-computed two months of conftest.two_months, per scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm import roles
from reports.dataset import ReportMonthError, report_dataset
from reports.scope import ReportScope, ReportScopeError, report_scope_for
from tests.factories import UserFactory
from tests.reports.conftest import JULY, JUNE


def kpis(data):
    return {k.code: (k.value, k.change) for k in data.kpis}


def test_bank_kpis_with_month_on_month_change(two_months):
    data = report_dataset(month=JULY, scope=ReportScope())
    figures = kpis(data)
    assert figures["customers_count"] == (6, 1)  # c5 is new
    # 钻石/白金: c2 + c3 both months; c3 fell one cent below 500万 (platinum now, still counted)
    assert figures["high_count"] == (2, 0)
    assert figures["high_aum"] == (Decimal("6199999.99"), Decimal("-1000000.01"))
    assert [(r.code, r.count, r.aum) for r in data.asset_tiers] == [
        ("regular", 1, Decimal("99999.99")), ("gold", 2, Decimal("250000.00")),
        ("platinum", 2, Decimal("6199999.99")), ("diamond", 0, Decimal("0.00"))]
    assert sum(r.count for r in data.value_segments) == data.individual_total.count == 5
    assert sum(r.count for r in data.bands) == 5
    assert {r.code: r.count for r in data.bands}["staff"] == 1  # c5: 99,999.99 is one cent below 领养
    assert data.corporate_total.count == 1 and {r.code: r.count for r in data.corporate_sizes}["large"] == 1


def test_migration_matrix_counts_upgrades_downgrades_and_new(two_months):
    matrix = report_dataset(month=JULY, scope=ReportScope()).migrations["asset_tier"]
    assert matrix.cell("regular", "gold").count == 2 and matrix.cell("regular", "gold").direction == "up"
    assert matrix.cell("diamond", "platinum").count == 1 and matrix.cell("diamond", "platinum").direction == "down"
    assert matrix.cell("", "regular").count == 1 and matrix.cell("", "regular").direction == "new"
    assert (matrix.upgrades, matrix.downgrades, matrix.new) == (2, 1, 1)
    assert sum(matrix.column_totals.values()) == 5
    segments = report_dataset(month=JULY, scope=ReportScope()).migrations["value_segment"]
    assert segments.cell("vip", "mass").direction == "down" and segments.cell("negative", "vip").direction == "up"


def test_trends_cover_the_closed_months_only(two_months):
    trends = report_dataset(month=JULY, scope=ReportScope()).trends
    assert trends.months == [JUNE, JULY]
    assert trends.series["gold"] == [0, 2] and trends.series["diamond"] == [1, 0]
    assert trends.totals == [4, 5]


def test_branch_scope_and_league_table_credit_the_origin_maintainer(two_months):
    w = two_months
    data = report_dataset(month=JULY, scope=report_scope_for(user=w.head_a))
    assert kpis(data)["customers_count"] == (4, 0)
    league = {row.maintainer_id: row for row in data.league}
    rm = league[w.rm_a1.pk]
    assert (rm.customers, rm.credited_customers) == (3, 4)
    assert rm.credited_aum == Decimal("150000") + Decimal("1200000") + Decimal("4999999.99") + Decimal("3000000")
    assert league[w.wm_a.pk].customers == 1 and league[w.wm_a.pk].credited_customers == 0
    # tasks: 1 of 2 done; compliance: of c1, c2 in the programme only c1 was contacted in July
    assert (rm.tasks_done, rm.tasks_total, rm.task_completion, rm.tasks_overdue) == (1, 2, Decimal("50.0"), 1)
    assert (rm.contacted, rm.in_programme, rm.compliance) == (1, 2, Decimal("50.0"))
    assert data.alerts.in_programme == 3 and data.alerts.contacted == 1
    assert data.tasks.total == 2 and data.tasks.completion == Decimal("50.0")


def test_rm_scope_is_their_own_book_and_their_credited_business(two_months):
    w = two_months
    data = report_dataset(month=JULY, scope=report_scope_for(user=w.rm_a1))
    assert kpis(data)["customers_count"][0] == 3
    assert [(r.maintainer_id, r.customers, r.credited_customers) for r in data.league] == [(w.rm_a1.pk, 3, 4)]
    other = report_dataset(month=JULY, scope=report_scope_for(user=w.rm_b1))
    assert kpis(other)["customers_count"] == (2, 1)


def test_scopes_follow_the_roles(two_months, org_tree):
    w = two_months
    assert report_scope_for(user=w.hq) == ReportScope()
    assert report_scope_for(user=w.hq, org_code="BR2").org_unit == org_tree["BR2"]
    assert report_scope_for(user=w.head_a).org_unit == org_tree["OUT-A"]
    with pytest.raises(ReportScopeError, match="不在您的查看范围内"):
        report_scope_for(user=w.head_a, org_code="OUT-B")
    with pytest.raises(ReportScopeError, match="机构代码不存在"):
        report_scope_for(user=w.head_a, org_code="NOPE")
    with pytest.raises(ReportScopeError, match="客户经理"):
        report_scope_for(user=w.rm_a1, org_code="OUT-A")
    admin = UserFactory(username="sys", org_unit=org_tree["HQ"], roles=[roles.SYSTEM_ADMIN])
    with pytest.raises(ReportScopeError, match="系统管理员"):
        report_scope_for(user=admin)


def test_an_unclosed_month_is_refused(two_months):
    with pytest.raises(ReportMonthError, match="2024-08 尚未月结"):
        report_dataset(month=JULY.replace(month=8), scope=ReportScope())


def test_dataset_reads_a_constant_number_of_queries(two_months, django_assert_max_num_queries):
    scope = report_scope_for(user=two_months.head_a)
    with django_assert_max_num_queries(15):
        report_dataset(month=JULY, scope=scope)


# Every figure's drill-down, for several readers and after a handover: tests/reports/test_drilldown.py.
def _figures(data):
    """(name, number shown, customer-list filters) of every customer count on the dashboard."""
    rows = [(k.code, k.value, k.filters) for k in data.kpis if not k.is_money]
    for group in [data.asset_tiers, data.value_segments, data.bands, data.corporate_sizes, data.deposit_classes,
                  data.corporate_classes, [data.totals, data.individual_total, data.corporate_total]]:
        rows += [(r.code, r.count, r.filters) for r in group]
    for name, matrix in data.migrations.items():
        rows += [(f"{name}:{key}", cell.count, cell.filters) for key, cell in matrix.cells.items()]
    rows += [(f"q{p}{s}", data.quadrant.grid[p][s], data.quadrant.filters[p][s]) for p in range(10) for s in range(10)]
    rows += [(f"rm{r.maintainer_id}", r.customers, r.filters) for r in data.league]
    rows += [(f"rm{r.maintainer_id}:{code}", n, filters) for r in data.league
             for code, n, _aum, filters in r.tier_links]
    rows += [(f"trend:{code}:{i}", data.trends.series[code][i], data.trends.filters[code][i])
             for code in data.trends.series for i in range(len(data.trends.months))]
    rows += [(f"credit{r.maintainer_id}", r.credited_customers, r.credited_filters) for r in data.league
             if r.credited_filters]
    return rows
