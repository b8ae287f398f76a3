"""THE report dataset: one builder feeds the dashboard, the Excel package and the PDF, so they cannot disagree.

``report_dataset(month=..., scope=...)`` reads only the month's aggregates (reports.models, written by the
close), the service tasks and the close records — never customers or balances — in a constant number of
queries whatever the scope. Scopes come from ``report_scope_for(user=..., org_code=...)``.

Shape (plain dataclasses; amounts are ``Decimal`` with two decimals, counts ``int``):

``ReportDataset``
    ``month``, ``previous_month`` (dates, first of the month), ``scope`` (ReportScope),
    ``rule_version`` (number of the version the month was closed with), ``closed_at``;
    ``kpis``: list of ``Kpi`` (code, label, value, previous, change, is_money, filters) — customers,
      AUM, 贵宾 count/AUM, 钻石+白金 count/AUM;
    ``asset_tiers``, ``value_segments``, ``bands`` (individuals) and ``corporate_sizes``,
      ``deposit_classes``, ``corporate_classes`` (corporate + institution): lists of ``DistributionRow``
      (code, label, count, aum, filters), in the vocabulary's order, every code present (zeros included);
      ``bands`` ends with a row code ``""`` (未纳入分层维护);
    ``totals``: ``DistributionRow`` of all customers in scope; ``individual_total``, ``corporate_total``;
    ``migrations``: {"asset_tier": Matrix, "value_segment": Matrix} — ``Matrix.rows``/``columns`` are
      ``(code, label)`` (rows start with ``("", "新增")`` for customers without a previous-month tier),
      ``Matrix.cell(from, to)`` → ``MatrixCell`` (count, aum, direction "up"/"down"/"same"/"new", filters),
      ``upgrades``/``downgrades``/``new`` counts;
    ``trends``: ``Trends`` — ``months`` (up to 13 closed months ending with ``month``), ``series``
      {tier code: [count per month]}, ``aum`` {tier code: [aum per month]}, ``totals`` [count per month];
    ``quadrant``: ``Quadrant`` — ``grid[p][s]`` customer counts by profitability decile p and stability
      decile s (0 = [0,10) … 9 = [90,100]), ``profit_cutoff``/``stability_cutoff`` of the rule version,
      ``quadrants`` {segment code: count by the cut-offs alone};
    ``league``: list of ``LeagueRow`` per maintainer in scope (current figures, change against the
      previous month, by-tier counts and AUM, ``credited_*`` = customers whose origin maintainer is this
      person (or who have none and are maintained by them), tasks of the month, compliance);
    ``tasks``: ``TaskSummary`` of tasks due in the month (by kind and status, completion rate, overdue);
    ``alerts``: ``Alerts`` — overdue open tasks today per assignee, maintainers below full compliance,
      staff who have not logged in for two weeks.

``filters`` dicts are GET parameters of the customer list (``/customers/``) selecting exactly the customers
a number counts (the month snapshot filters ``month``/``m_*`` plus the scope), so every figure drills down.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.months import add_months
from customers.models import Customer
from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment
from segmentation.models import MonthClose
from service_tiers.models import ServiceTask
from service_tiers.task_figures import COUNTED, overdue_q, report_tasks, task_status_filter

from .models import MigrationAggregate, ScoreAggregate, TierAggregate
from .scope import ReportScope

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TREND_MONTHS = 13
INACTIVE_LOGIN_DAYS = 14
# Higher rank = better. AssetTier is declared from the lowest tier up, ValueSegment from the best down.
RANKS = {
    "asset_tier": {code: rank for rank, code in enumerate(AssetTier.values, start=1)},
    "value_segment": {code: rank for rank, code in enumerate(reversed(ValueSegment.values), start=1)},
}
VOCABULARY = {"asset_tier": AssetTier, "value_segment": ValueSegment}


class ReportMonthError(Exception):
    """The month cannot be reported (not closed); the message is for the reader (Chinese)."""


@dataclass
class DistributionRow:
    code: str
    label: str
    count: int = 0
    aum: Decimal = ZERO
    filters: dict = field(default_factory=dict)
    share: Decimal = ZERO  # percent of the distribution's customers


@dataclass
class Kpi:
    code: str
    label: str
    value: Decimal | int
    previous: Decimal | int | None
    is_money: bool
    filters: dict = field(default_factory=dict)

    @property
    def change(self) -> Decimal | int | None:
        return None if self.previous is None else self.value - self.previous


@dataclass
class MatrixCell:
    from_value: str = ""
    to_value: str = ""
    count: int = 0
    aum: Decimal = ZERO
    direction: str = "same"
    filters: dict = field(default_factory=dict)


@dataclass
class Matrix:
    field: str
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], MatrixCell]
    upgrades: int = 0
    downgrades: int = 0
    new: int = 0
    # dataclasses.field: the name ``field`` is this class's attribute
    row_totals: dict[str, int] = dataclasses.field(default_factory=dict)
    column_totals: dict[str, int] = dataclasses.field(default_factory=dict)

    def cell(self, from_value: str, to_value: str) -> MatrixCell:
        return self.cells[(from_value, to_value)]

    @property
    def table(self) -> list[tuple[str, str, list[MatrixCell], int]]:
        """Rows for templates: (code, label, cells in column order, row total)."""
        return [(code, label, [self.cells[(code, to)] for to, _label in self.columns], self.row_totals[code])
                for code, label in self.rows]


@dataclass
class Trends:
    months: list[dt.date]
    series: dict[str, list[int]]
    aum: dict[str, list[Decimal]]
    totals: list[int]
    filters: dict[str, list[dict]] = field(default_factory=dict)  # {tier code: [list filters per month]}


@dataclass
class Quadrant:
    grid: list[list[int]]
    profit_cutoff: Decimal
    stability_cutoff: Decimal
    quadrants: dict[str, int]
    filters: list[list[dict]]


@dataclass
class LeagueRow:
    maintainer_id: int | None
    name: str
    customers: int = 0
    aum: Decimal = ZERO
    previous_customers: int = 0
    previous_aum: Decimal = ZERO
    by_tier: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    credited_customers: int = 0
    credited_aum: Decimal = ZERO
    in_programme: int = 0
    contacted: int = 0
    tasks_total: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0
    filters: dict = field(default_factory=dict)
    credited_filters: dict = field(default_factory=dict)
    task_filters: dict = field(default_factory=dict)  # the task list's parameters of this person's month tasks
    compliance_filters: dict = field(default_factory=dict)  # the compliance page's, for those not followed up

    @property
    def tasks_total_filters(self) -> dict:
        return {**self.task_filters, "status": COUNTED}

    @property
    def tasks_done_filters(self) -> dict:
        return {**self.task_filters, "status": str(ServiceTask.Status.DONE)}

    @property
    def tasks_overdue_filters(self) -> dict:
        return {**self.task_filters, "status": str(ServiceTask.Status.OPEN), "overdue": "on"}

    @property
    def not_contacted(self) -> int:
        return self.in_programme - self.contacted

    @property
    def tier_links(self) -> list[tuple[str, int, Decimal, dict]]:
        """(tier code, customers, AUM, list filters) in the vocabulary's order, for tables."""
        return [(code, *self.by_tier[code], {**self.filters, "m_kind": str(Customer.Kind.INDIVIDUAL),
                                              "m_asset_tier": code} if self.filters else {})
                for code in AssetTier.values]

    @property
    def customers_change(self) -> int:
        return self.customers - self.previous_customers

    @property
    def aum_change(self) -> Decimal:
        return self.aum - self.previous_aum

    @property
    def task_completion(self) -> Decimal | None:
        return _percent(self.tasks_done, self.tasks_total)

    @property
    def compliance(self) -> Decimal | None:
        return _percent(self.contacted, self.in_programme)


@dataclass
class TaskSummary:
    total: int = 0
    done: int = 0
    open: int = 0
    cancelled: int = 0
    overdue: int = 0
    by_kind: list[tuple[str, str, int, int]] = field(default_factory=list)  # (code, label, total, done)
    filters: dict = field(default_factory=dict)  # the task list's parameters of the month's tasks in scope

    @property
    def completion(self) -> Decimal | None:
        return _percent(self.done, self.total - self.cancelled)

    @property
    def links(self) -> dict[str, dict]:
        """Task-list parameters of each figure: total (cancelled included), done, open, overdue."""
        return {"total": self.filters, "done": {**self.filters, "status": str(ServiceTask.Status.DONE)},
                "open": {**self.filters, "status": str(ServiceTask.Status.OPEN)},
                "overdue": {**self.filters, "status": str(ServiceTask.Status.OPEN), "overdue": "on"}}

    @property
    def kind_links(self) -> list[tuple[str, int, int, dict, dict]]:
        """(label, total, done, list parameters of the total, of the done) per task kind."""
        return [(label, total, done, {**self.filters, "kind": code, "status": COUNTED},
                 {**self.filters, "kind": code, "status": str(ServiceTask.Status.DONE)})
                for code, label, total, done in self.by_kind]


@dataclass
class Alerts:
    # (name, open tasks overdue today, the task list's parameters of exactly those tasks)
    overdue_by_assignee: list[tuple[str, int, dict]] = field(default_factory=list)
    low_compliance: list[LeagueRow] = field(default_factory=list)
    inactive_staff: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    in_programme: int = 0
    contacted: int = 0
    compliance_filters: dict = field(default_factory=dict)  # the compliance page's, for those not followed up

    @property
    def not_contacted(self) -> int:
        return self.in_programme - self.contacted

    @property
    def compliance(self) -> Decimal | None:
        return _percent(self.contacted, self.in_programme)


@dataclass
class ReportDataset:
    month: dt.date
    previous_month: dt.date
    scope: ReportScope
    rule_version: int | None
    closed_at: dt.datetime | None
    kpis: list[Kpi]
    totals: DistributionRow
    individual_total: DistributionRow
    corporate_total: DistributionRow
    asset_tiers: list[DistributionRow]
    value_segments: list[DistributionRow]
    bands: list[DistributionRow]
    corporate_sizes: list[DistributionRow]
    deposit_classes: list[DistributionRow]
    corporate_classes: list[DistributionRow]
    migrations: dict[str, Matrix]
    trends: Trends
    quadrant: Quadrant
    league: list[LeagueRow]
    tasks: TaskSummary
    alerts: Alerts

    @property
    def task_list(self) -> str:
        """URL name of the task list the task figures drill down to: an RM's own, or the team's."""
        return "service_tiers:my_tasks" if self.scope.maintainer is not None else "service_tiers:team_tasks"


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


def closed_months() -> list[dt.date]:
    """Every closed month, latest first (the dashboard's month picker)."""
    return list(MonthClose.objects.filter(state=MonthClose.State.CLOSED).order_by("-month")
                .values_list("month", flat=True))


def _scoped(queryset: QuerySet, scope: ReportScope) -> QuerySet:
    """Aggregate (or task) rows of the scope, by the unit / maintainer snapshot of the close."""
    if scope.maintainer is not None:
        return queryset.filter(maintainer=scope.maintainer)
    if scope.org_unit is not None:
        return queryset.filter(org_unit__in=scope.org_unit.subtree_ids)
    return queryset


def _distribution(rows: dict[str, list], choices, base: dict, param: str, *, extra: list | None = None
                  ) -> list[DistributionRow]:
    result = [DistributionRow(code=code, label=str(label), count=rows.get(code, [0, ZERO])[0],
                              aum=_money(rows.get(code, [0, ZERO])[1]),
                              filters={**base, param: str(code) or "none"})
              for code, label in [*choices.choices, *(extra or [])]]
    total = sum(row.count for row in result)
    for row in result:
        row.share = _percent(row.count, total) or ZERO
    return result


def report_dataset(*, month: dt.date, scope: ReportScope) -> ReportDataset:
    """The month's figures for the scope (docstring of this module for the shape); ReportMonthError if the
    month is not closed."""
    # The closed months of the trend window in one query: this month's close, the previous one, the trend.
    closes = {c.month: c for c in MonthClose.objects.filter(
        state=MonthClose.State.CLOSED, month__gt=add_months(month, -TREND_MONTHS), month__lte=month,
    ).select_related("rule_version")}
    close = closes.get(month)
    if close is None:
        raise ReportMonthError(_("%(month)s 尚未月结，没有报表数据") % {"month": f"{month:%Y-%m}"})
    previous = add_months(month, -1)
    base = {"month": f"{month:%Y-%m}", **scope.list_filters}

    tier_rows = _scoped(TierAggregate.objects.filter(month__in=[month, previous]), scope)
    groups = list(tier_rows.values("month", "kind", "asset_tier", "value_segment", "maintenance_band",
                                   "corporate_size", "deposit_class", "corporate_class")
                  .annotate(n=Sum("customer_count"), aum=Sum("aum_sum")).order_by())
    this = [g for g in groups if g["month"] == month]
    prev = [g for g in groups if g["month"] == previous]

    def tally(rows, key, *, kind=None):
        result: dict[str, list] = defaultdict(lambda: [0, ZERO])
        for g in rows:
            if kind is not None and (g["kind"] == Customer.Kind.INDIVIDUAL) != (kind == "individual"):
                continue
            result[g[key]][0] += g["n"]
            result[g[key]][1] += g["aum"]
        return result

    def total(rows, predicate=lambda g: True):
        picked = [g for g in rows if predicate(g)]
        return sum(g["n"] for g in picked), _money(sum((g["aum"] for g in picked), ZERO))

    individual = {**base, "m_kind": str(Customer.Kind.INDIVIDUAL)}
    corporate = {**base, "m_kind": "corporate_all"}
    is_vip = lambda g: g["value_segment"] == ValueSegment.VIP  # noqa: E731
    is_high = lambda g: g["asset_tier"] in (AssetTier.DIAMOND, AssetTier.PLATINUM)  # noqa: E731
    has_prev = previous in closes
    kpis = []
    for code, label, predicate, filters in [
        ("customers", _("客户数"), lambda g: True, base),
        ("vip", _("贵宾客户"), is_vip, {**base, "m_value_segment": str(ValueSegment.VIP)}),
        ("high", _("钻石/白金客户"), is_high, {**base, "m_asset_tier": "platinum_up"}),
    ]:
        now_n, now_aum = total(this, predicate)
        was_n, was_aum = total(prev, predicate)
        kpis.append(Kpi(code=f"{code}_count", label=str(label), value=now_n, previous=was_n if has_prev else None,
                        is_money=False, filters=filters))
        aum_label = _("月日均金融资产") if code == "customers" else _("%(label)s月日均金融资产") % {"label": label}
        kpis.append(Kpi(code=f"{code}_aum", label=str(aum_label), value=now_aum,
                        previous=was_aum if has_prev else None, is_money=True, filters=filters))

    all_n, all_aum = total(this)
    ind_n, ind_aum = total(this, lambda g: g["kind"] == Customer.Kind.INDIVIDUAL)
    corp_n, corp_aum = total(this, lambda g: g["kind"] != Customer.Kind.INDIVIDUAL)
    no_band = [("", _("未纳入分层维护"))]

    return ReportDataset(
        month=month, previous_month=previous, scope=scope,
        rule_version=close.rule_version.number if close.rule_version else None, closed_at=close.closed_at,
        kpis=kpis,
        totals=DistributionRow(code="", label=_("合计"), count=all_n, aum=all_aum, filters=base),
        individual_total=DistributionRow(code="individual", label=_("个人客户"), count=ind_n, aum=ind_aum,
                                         filters=individual),
        corporate_total=DistributionRow(code="corporate", label=_("对公客户"), count=corp_n, aum=corp_aum,
                                        filters=corporate),
        asset_tiers=_distribution(tally(this, "asset_tier", kind="individual"), AssetTier, individual,
                                  "m_asset_tier"),
        value_segments=_distribution(tally(this, "value_segment", kind="individual"), ValueSegment, individual,
                                     "m_value_segment"),
        bands=_distribution(tally(this, "maintenance_band", kind="individual"), MaintenanceBand, individual,
                            "m_band", extra=no_band),
        corporate_sizes=_distribution(tally(this, "corporate_size", kind="corporate"), CorporateSize, corporate,
                                      "m_corporate_size"),
        deposit_classes=_distribution(tally(this, "deposit_class", kind="corporate"), DepositClass, corporate,
                                      "m_deposit_class"),
        corporate_classes=_distribution(tally(this, "corporate_class", kind="corporate"), CorporateClass,
                                        corporate, "m_corporate_class"),
        migrations=_migrations(month=month, scope=scope, base=individual),
        trends=_trends(month=month, scope=scope, closed=set(closes)),
        quadrant=_quadrant(month=month, scope=scope, base=individual, version=close.rule_version),
        **_people(month=month, previous=previous, scope=scope, base=base),
    )


def _migrations(*, month: dt.date, scope: ReportScope, base: dict) -> dict[str, Matrix]:
    counts = (_scoped(MigrationAggregate.objects.filter(month=month), scope)
              .values("field", "from_value", "to_value")
              .annotate(n=Sum("customer_count"), aum=Sum("aum_sum")).order_by())
    found = {(c["field"], c["from_value"], c["to_value"]): c for c in counts}
    matrices = {}
    for name, choices in VOCABULARY.items():
        ranks = RANKS[name]
        columns = [(code, str(label)) for code, label in choices.choices]
        rows = [("", _("新增")), *columns]
        matrix = Matrix(field=name, rows=rows, columns=columns, cells={})
        prefix = "m_asset_tier" if name == "asset_tier" else "m_value_segment"
        for from_code, _label in rows:
            for to_code, _label2 in columns:
                row = found.get((name, from_code, to_code), {"n": 0, "aum": ZERO})
                if not from_code:
                    direction = "new"
                elif ranks[to_code] > ranks[from_code]:
                    direction = "up"
                elif ranks[to_code] < ranks[from_code]:
                    direction = "down"
                else:
                    direction = "same"
                matrix.cells[(from_code, to_code)] = MatrixCell(
                    from_value=from_code, to_value=to_code, count=row["n"], aum=_money(row["aum"]), direction=direction,
                    filters={**base, prefix: to_code, f"{prefix.replace('m_', 'm_prev_')}": from_code or "new"})
                if direction == "up":
                    matrix.upgrades += row["n"]
                elif direction == "down":
                    matrix.downgrades += row["n"]
                elif direction == "new":
                    matrix.new += row["n"]
        matrix.row_totals = {code: sum(matrix.cells[(code, to)].count for to, _l in columns) for code, _l in rows}
        matrix.column_totals = {to: sum(matrix.cells[(code, to)].count for code, _l in rows) for to, _l in columns}
        matrices[name] = matrix
    return matrices


def _trends(*, month: dt.date, scope: ReportScope, closed: set[dt.date]) -> Trends:
    months = [add_months(month, -n) for n in range(TREND_MONTHS - 1, -1, -1)]
    months = [m for m in months if m in closed]
    rows = (_scoped(TierAggregate.objects.filter(month__in=months, kind=Customer.Kind.INDIVIDUAL), scope)
            .values("month", "asset_tier").annotate(n=Sum("customer_count"), aum=Sum("aum_sum")).order_by())
    found = {(r["month"], r["asset_tier"]): r for r in rows}
    series = {code: [found.get((m, code), {"n": 0})["n"] for m in months] for code in AssetTier.values}
    aum = {code: [_money(found.get((m, code), {"aum": ZERO})["aum"]) for m in months] for code in AssetTier.values}
    totals = [sum(series[code][i] for code in AssetTier.values) for i in range(len(months))]
    filters = {code: [{"month": f"{m:%Y-%m}", **scope.list_filters, "m_kind": str(Customer.Kind.INDIVIDUAL),
                       "m_asset_tier": code} for m in months] for code in AssetTier.values}
    return Trends(months=months, series=series, aum=aum, totals=totals, filters=filters)


def _quadrant(*, month: dt.date, scope: ReportScope, base: dict, version) -> Quadrant:
    grid = [[0] * 10 for _p in range(10)]
    for row in (_scoped(ScoreAggregate.objects.filter(month=month), scope)
                .values("profit_decile", "stability_decile").annotate(n=Sum("customer_count")).order_by()):
        grid[row["profit_decile"]][row["stability_decile"]] += row["n"]
    p_cut = version.profit_cutoff if version else Decimal(60)
    s_cut = version.stability_cutoff if version else Decimal(60)
    quadrants = {code: 0 for code in ValueSegment.values}
    # Deciles are whole when the cut-offs are multiples of 10 (the defaults); a decile straddling a
    # cut-off is counted on the side of its lower bound.
    for p in range(10):
        for s in range(10):
            high_p, high_s = p * 10 >= p_cut, s * 10 >= s_cut
            code = (ValueSegment.VIP if high_p and high_s else ValueSegment.POTENTIAL if high_p
                    else ValueSegment.MASS if high_s else ValueSegment.NEGATIVE)
            quadrants[code] += grid[p][s]
    filters = [[{**base, "m_profit_decile": str(p), "m_stability_decile": str(s)} for s in range(10)]
               for p in range(10)]
    return Quadrant(grid=grid, profit_cutoff=p_cut, stability_cutoff=s_cut, quadrants=quadrants, filters=filters)


def _people(*, month: dt.date, previous: dt.date, scope: ReportScope, base: dict) -> dict:
    """The RM league table, the month's task summary and the alerts (maintainers, tasks, logins)."""
    today = timezone.localdate()
    rows = (_scoped(TierAggregate.objects.filter(month__in=[month, previous]), scope)
            .values("month", "maintainer", "asset_tier", "maintenance_band")
            .annotate(n=Sum("customer_count"), aum=Sum("aum_sum"), contacted=Sum("contacted_count")).order_by())
    # An RM's credited business follows them across units: every customer they originated, wherever booked.
    credited = (TierAggregate.objects.filter(month=month, credit_maintainer=scope.maintainer)
                if scope.maintainer is not None else _scoped(TierAggregate.objects.filter(month=month), scope))
    credited = (credited.values("credit_maintainer").annotate(n=Sum("customer_count"), aum=Sum("aum_sum")).order_by())
    # The task figures' definition lives in service_tiers.task_figures, shared with the task list they link to.
    unit_ids = scope.org_unit.subtree_ids if scope.org_unit is not None and scope.maintainer is None else None
    assignee_id = scope.maintainer.pk if scope.maintainer is not None else None
    tasks = report_tasks(tasks=ServiceTask.objects.all(), month=month, unit_ids=unit_ids, assignee_id=assignee_id)
    task_rows = list(tasks.values("assignee", "kind", "status")
                     .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q(today=today))).order_by())
    overdue_now = list(task_status_filter(report_tasks(tasks=ServiceTask.objects.all(), unit_ids=unit_ids,
                                                       assignee_id=assignee_id), status="", overdue=True, today=today)
                       .values("assignee").annotate(n=Count("*")).order_by("-n")[:20])  # "*": index-only
    # Parameters of the task list (report=1: the tasks as reports count them) and of the compliance page.
    scope_params = {"org": scope.org_unit.code} if scope.org_unit is not None and scope.maintainer is None else {}
    month_tasks = {"report": "1", "month": f"{month:%Y-%m}", **scope_params}
    # RMs have no compliance page: their compliance figures are not links.
    compliance = None if scope.maintainer is not None else {"month": f"{month:%Y-%m}", **scope_params}

    league: dict[int | None, LeagueRow] = {}

    def row(pk):
        if pk not in league:
            league[pk] = LeagueRow(maintainer_id=pk, name="",
                                   by_tier={code: (0, ZERO) for code in AssetTier.values},
                                   filters={**base, "m_maintainer": str(pk) if pk else "none"},
                                   # An RM's credited customers are counted bank-wide (not within their book):
                                   # the month drill-down lists them by the snapshot (customers.scoping).
                                   credited_filters={"month": base["month"], "m_credit": str(pk)}
                                   if scope.maintainer is not None else {**base, "m_credit": str(pk) if pk else "none"},
                                   task_filters={**month_tasks, "assignee": str(pk)} if pk else {},
                                   compliance_filters={**compliance, "maintainer": str(pk)}
                                   if compliance is not None and pk else {})
        return league[pk]

    for r in rows:
        target = row(r["maintainer"])
        if r["month"] == previous:
            target.previous_customers += r["n"]
            target.previous_aum += _money(r["aum"])
            continue
        target.customers += r["n"]
        target.aum += _money(r["aum"])
        if r["asset_tier"]:
            count, aum = target.by_tier[r["asset_tier"]]
            target.by_tier[r["asset_tier"]] = (count + r["n"], aum + _money(r["aum"]))
        if r["maintenance_band"]:
            target.in_programme += r["n"]
            target.contacted += r["contacted"]
    for r in credited:
        target = row(r["credit_maintainer"])
        target.credited_customers += r["n"]
        target.credited_aum += _money(r["aum"])
    summary = TaskSummary(filters=month_tasks)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in task_rows:
        target = row(r["assignee"])
        summary.total += r["n"]
        summary.overdue += r["overdue"]
        target.tasks_overdue += r["overdue"]
        if r["status"] == ServiceTask.Status.CANCELLED:
            summary.cancelled += r["n"]
            continue
        target.tasks_total += r["n"]
        kinds[r["kind"]][0] += r["n"]
        if r["status"] == ServiceTask.Status.DONE:
            summary.done += r["n"]
            target.tasks_done += r["n"]
            kinds[r["kind"]][1] += r["n"]
        else:
            summary.open += r["n"]
    summary.by_kind = [(code, str(label), kinds[code][0], kinds[code][1]) for code, label in ServiceTask.Kind.choices
                       if code in kinds]

    users = _staff_names({*league, *(r["assignee"] for r in overdue_now)} - {None})
    for pk, target in league.items():
        target.name = users.get(pk, _("（无维护人）")) if pk else _("（无维护人）")
    # In a unit scope the table lists the people of the unit's book; someone credited but not maintaining
    # (moved away) still shows with their credited business.
    ordered = sorted(league.values(), key=lambda r: (-r.credited_aum - r.aum, r.name))
    if scope.maintainer is not None:
        ordered = [r for r in ordered if r.maintainer_id == scope.maintainer.pk] or [row(scope.maintainer.pk)]
        ordered[0].name = scope.maintainer.display_name
    alerts = Alerts(
        overdue_by_assignee=[(users.get(r["assignee"], ""), r["n"],
                              {"report": "1", **scope_params, "assignee": str(r["assignee"]), "status": "open",
                               "overdue": "on"}) for r in overdue_now],
        low_compliance=sorted((r for r in ordered if r.in_programme and r.contacted < r.in_programme),
                              key=lambda r: r.compliance or 0)[:20],
        inactive_staff=_inactive_staff(scope=scope, today=today),
        in_programme=sum(r.in_programme for r in ordered),
        contacted=sum(r.contacted for r in ordered),
        compliance_filters=compliance or {},
    )
    return {"league": ordered, "tasks": summary, "alerts": alerts}


def _staff_names(pks: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=pks).only("username", "first_name", "last_name")
    return {u.pk: u.display_name for u in users}


def _inactive_staff(*, scope: ReportScope, today: dt.date) -> list[tuple[str, dt.datetime | None]]:
    """Active staff of the scope's unit subtree who have not logged in for two weeks (domain.md §4)."""
    if scope.maintainer is not None:
        return []
    since = timezone.now() - dt.timedelta(days=INACTIVE_LOGIN_DAYS)
    users = get_user_model().objects.filter(is_active=True, groups__isnull=False).filter(
        Q(last_login__lt=since) | Q(last_login__isnull=True)).distinct()
    if scope.org_unit is not None:
        users = users.filter(org_unit__in=scope.org_unit.subtree_ids)
    return [(u.display_name, u.last_login)
            for u in users.order_by("last_login", "username").only("username", "first_name", "last_name",
                                                                  "last_login")[:20]]
