"""The figures of one month's report package for one scope: what the summary sheets and the PDF print.

Read once per package (a handful of GROUP BY queries over the month's assignments, tier changes and tasks)
so the Excel summary sheets and the PDF show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment
from segmentation.engine import add_months
from segmentation.models import Assignment
from service_tiers.models import ServiceTask

from .package_scope import ReportContext, scoped_assignments, scoped_tasks
from .staff_names import staff_name

ZERO = Decimal("0.00")
TREND_MONTHS = 13


@dataclass
class Distribution:
    """Counts and AUM per label of one dimension, in the vocabulary's order ('' = not in any)."""

    title: str
    rows: list[tuple[str, int, Decimal]]  # (label, customers, AUM)

    @property
    def total_count(self) -> int:
        return sum(r[1] for r in self.rows)

    @property
    def total_aum(self) -> Decimal:
        return sum((r[2] for r in self.rows), ZERO)


@dataclass
class Matrix:
    """Previous month (rows) → this month (columns) customer counts; '' is 'not assigned last month'."""

    title: str
    labels: list[str]
    cells: dict[tuple[str, str], int]
    up: int = 0
    down: int = 0

    @property
    def row_labels(self) -> list[str]:
        return [*self.labels, "（上月无）"] if any(k[0] == "" for k in self.cells) else list(self.labels)

    def count(self, before: str, after: str) -> int:
        return self.cells.get(("" if before == "（上月无）" else before, after), 0)


@dataclass
class PackageFigures:
    context: ReportContext
    distributions: list[Distribution] = field(default_factory=list)
    corporate: list[Distribution] = field(default_factory=list)
    cross: list[tuple[str, str, int, Decimal]] = field(default_factory=list)  # tier, segment, customers, AUM
    matrices: list[Matrix] = field(default_factory=list)
    rms: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)  # per task kind
    trend: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)  # month → {tier label: customers}

    @property
    def customers(self) -> int:
        return self.distributions[0].total_count if self.distributions else 0

    @property
    def aum(self) -> Decimal:
        return self.distributions[0].total_aum if self.distributions else ZERO

    @property
    def task_totals(self) -> dict:
        keys = ("total", "done", "open", "cancelled", "overdue")
        totals = {k: sum(t[k] for t in self.tasks) for k in keys}
        totals["rate"] = _rate(totals["done"], totals["total"] - totals["cancelled"])
        return totals


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _distribution(qs, column: str, choices, title: str, *, keep_blank: str | None = None) -> Distribution:
    found = {r[column]: (r["n"], r["aum"]) for r in
             qs.order_by().values(column).annotate(n=Count("pk"), aum=Coalesce(Sum("aum_avg"), ZERO))}
    rows = [(str(label), *found.get(value, (0, ZERO))) for value, label in choices]
    if keep_blank is not None and "" in found:
        rows.append((keep_blank, *found[""]))
    return Distribution(title, rows)


def _matrix(context: ReportContext, column: str, choices, title: str) -> Matrix:
    names = _labels(choices)
    previous = add_months(context.month, -1)
    qs = scoped_assignments(context).filter(kind="individual").order_by()
    # A correlated lookup on the (customer, month) unique index: one probe per customer of the scope.
    prev_value = Assignment.objects.filter(month=previous, customer_id=OuterRef("customer_id")).values(column)[:1]
    rows = qs.annotate(before=Coalesce(Subquery(prev_value), Value(""))).values("before", column).annotate(
        n=Count("pk"))
    order = {value: i for i, (value, _l) in enumerate(choices)}
    matrix = Matrix(title, [str(label) for _v, label in choices], {})
    for row in rows:
        before, after = row["before"], row[column]
        if after not in names:
            continue
        key = (names.get(before, ""), names[after])
        matrix.cells[key] = matrix.cells.get(key, 0) + row["n"]
        if before in order and before != after:
            # choices run low → high for tiers, high → low for segments: direction by the vocabulary's order.
            higher = order[after] > order[before] if column == "asset_tier" else order[after] < order[before]
            if higher:
                matrix.up += row["n"]
            else:
                matrix.down += row["n"]
    return matrix


def package_figures(context: ReportContext) -> PackageFigures:
    """Every aggregate the package prints for the context's month and scope (a fixed number of queries)."""
    figures = PackageFigures(context)
    individuals = scoped_assignments(context).filter(kind="individual")
    corporates = scoped_assignments(context).exclude(kind="individual")
    figures.distributions = [
        _distribution(individuals, "asset_tier", AssetTier.choices, "资产等级分布"),
        _distribution(individuals, "value_segment", ValueSegment.choices, "价值分群分布"),
        _distribution(individuals, "maintenance_band", MaintenanceBand.choices, "维护层级分布", keep_blank="未入维护"),
    ]
    figures.corporate = [
        _distribution(corporates, "corporate_size", CorporateSize.choices, "企业规模分布"),
        _distribution(corporates, "deposit_class", DepositClass.choices, "存款类别分布"),
        _distribution(corporates, "corporate_class", CorporateClass.choices, "客户分类分布"),
    ]
    tiers, segments = _labels(AssetTier.choices), _labels(ValueSegment.choices)
    found = {(r["asset_tier"], r["value_segment"]): (r["n"], r["aum"]) for r in
             individuals.order_by().values("asset_tier", "value_segment").annotate(
                 n=Count("pk"), aum=Coalesce(Sum("aum_avg"), ZERO))}
    figures.cross = [(tiers[t], segments[s], *found[(t, s)]) for t in tiers for s in segments if (t, s) in found]
    figures.matrices = [
        _matrix(context, "asset_tier", AssetTier.choices, "资产等级迁移矩阵"),
        _matrix(context, "value_segment", ValueSegment.choices, "价值分群迁移矩阵"),
    ]
    figures.rms = _rm_rows(context, individuals)
    figures.tasks = _task_rows(context)
    first = add_months(context.month, -(TREND_MONTHS - 1))
    trend_qs = Assignment.objects.filter(month__gte=first, month__lte=context.month, kind="individual")
    if context.org is not None:
        trend_qs = trend_qs.filter(org_unit__path__startswith=context.org_path)
    by_month: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for r in trend_qs.order_by().values("month", "asset_tier").annotate(n=Count("pk")):
        by_month[r["month"]][tiers.get(r["asset_tier"], "")] = r["n"]
    figures.trend = sorted(by_month.items())
    return figures


def _rm_rows(context: ReportContext, individuals) -> list[dict]:
    """One row per maintainer of the scope's individual customers, with their tasks of the month."""
    tier_counts = {f"n_{t}": Count("pk", filter=Q(asset_tier=t)) for t in AssetTier.values}
    book = individuals.order_by().values("maintainer_id").annotate(
        name=staff_name("maintainer__", missing="（无维护人）"), customers=Count("pk"), aum=Coalesce(Sum("aum_avg"), ZERO),
        vip=Count("pk", filter=Q(value_segment=ValueSegment.VIP)), **tier_counts,
    )
    today = timezone.localdate()
    tasks = {r["assignee_id"]: r for r in scoped_tasks(context).order_by().values("assignee_id").annotate(
        total=Count("pk", filter=~Q(status=ServiceTask.Status.CANCELLED)),
        done=Count("pk", filter=Q(status=ServiceTask.Status.DONE)),
        overdue=Count("pk", filter=Q(status=ServiceTask.Status.OPEN, due_date__lt=today)),
    )}
    rows = []
    for r in book:
        t = tasks.get(r["maintainer_id"], {"total": 0, "done": 0, "overdue": 0})
        rows.append({**r, "tasks": t["total"], "tasks_done": t["done"], "tasks_overdue": t["overdue"],
                     "completion": _rate(t["done"], t["total"])})
    rows.sort(key=lambda r: (-r["aum"], r["name"]))
    return rows


def _task_rows(context: ReportContext) -> list[dict]:
    """Task counts per kind for the month (total, done, open, cancelled, overdue, completion rate)."""
    today = timezone.localdate()
    S = ServiceTask.Status
    found = {r["kind"]: r for r in scoped_tasks(context).order_by().values("kind").annotate(
        total=Count("pk"), done=Count("pk", filter=Q(status=S.DONE)), open=Count("pk", filter=Q(status=S.OPEN)),
        cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
        overdue=Count("pk", filter=Q(status=S.OPEN, due_date__lt=today)),
    )}
    rows = []
    for value, label in ServiceTask.Kind.choices:
        if value in found:
            r = found[value]
            rows.append({"kind": str(label), **{k: r[k] for k in ("total", "done", "open", "cancelled", "overdue")},
                         "rate": _rate(r["done"], r["total"] - r["cancelled"])})
    return rows
