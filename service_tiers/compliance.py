"""Compliance reads (seed: 管理办法 第三条, 公司客户分层营销方案), scoped through ``visible_customers``.

* follow-up: every customer in the maintenance programme has ≥ 1 logged contact (ContactLog) in the
  calendar month — the rate per RM (the customer's primary maintainer) and per unit, and who has none;
* staff who have not logged in for ``idle_login_days`` (14 by default), for their branch head;
* corporate visits against the standard's frequency per role;
* RM book size against the standard (500–800 by default).

The programme of a month is the month's assignments (maintenance band, maintainer, unit) once the month
is closed, and the customers' current standing (the latest close) before that. A closed month is read as
its report counted it (reports.aggregates, the dashboard's compliance figures): the reader's scope over the
close's snapshot (``customers.scoping.month_snapshot_scope``: customers since handed over out of the unit
still count where they were) and the contacts logged by the close (a contact for that month logged later
counts once the month is closed again). These functions are the
ones the dashboards call (reports): each returns plain rows with a constant number of queries.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from crm import roles
from crm.models import OrgUnit, User
from customers.models import ContactLog, Customer, CustomerStanding
from customers.scoping import month_snapshot_scope, visible_customers
from segmentation.models import Assignment, MonthClose

from .models import ServiceTask, StandardVersion, VisitRole, VisitStandard
from .standards import standard_version_in_force

HUNDRED = Decimal(100)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of ``month``."""
    start = month.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _rate(done: int, total: int) -> Decimal | None:
    """Percentage with two decimals (None when there is nobody to count)."""
    if not total:
        return None
    return (Decimal(done) * HUNDRED / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def programme_rows(*, month: dt.date, user: User | None = None, org_unit_ids: list[int] | None = None,
                   maintainer_ids: list[int] | None = None) -> QuerySet:
    """The maintenance-programme customers of ``month`` (one row each, with ``customer_id``,
    ``maintainer_id``, ``org_unit_id`` and ``contacted``: a contact logged in the month), optionally within
    the user's scope, some units (subtrees not expanded: pass ``unit.subtree_ids``) or some maintainers."""
    start, end = month_bounds(month)
    contacts = ContactLog.objects.filter(customer_id=OuterRef("customer_id"), contacted_on__gte=start,
                                         contacted_on__lte=end)
    close = MonthClose.objects.filter(month=start, state=MonthClose.State.CLOSED).only("closed_at").first()
    if close is not None:
        rows = Assignment.objects.filter(month=start).exclude(maintenance_band="")
        if user is not None:
            scope = month_snapshot_scope(user=user, unit="org_unit", maintainer="maintainer", origin=None)
            rows = rows.none() if scope is None else rows.filter(scope)
        if close.closed_at is not None:
            contacts = contacts.filter(created_at__lte=close.closed_at)
    else:
        rows = CustomerStanding.objects.exclude(maintenance_band="")
        if user is not None:
            rows = rows.filter(customer_id__in=visible_customers(user=user).values("pk"))
    if org_unit_ids is not None:
        rows = rows.filter(org_unit_id__in=org_unit_ids)
    if maintainer_ids is not None:
        rows = rows.filter(maintainer_id__in=maintainer_ids)
    return rows.annotate(contacted=Exists(contacts)).order_by()


@dataclass
class RateRow:
    """One RM's (or unit's) follow-up figures for a month."""

    key: int | None
    name: str
    programme: int
    contacted: int

    @property
    def missing(self) -> int:
        return self.programme - self.contacted

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.contacted, self.programme)


def compliance_rates(*, month: dt.date, user: User | None = None, org_unit_ids: list[int] | None = None,
                     maintainer_ids: list[int] | None = None, group_by: str = "maintainer") -> list[RateRow]:
    """Follow-up rate of ``month`` per RM (``group_by="maintainer"``) or per unit (``"org_unit"``): programme
    customers, those with ≥ 1 logged contact in the month. Worst rate first. Two queries."""
    if group_by not in {"maintainer", "org_unit"}:
        raise ValueError(group_by)
    field = f"{group_by}_id"
    counts = list(
        programme_rows(month=month, user=user, org_unit_ids=org_unit_ids, maintainer_ids=maintainer_ids)
        .values(field).annotate(programme=Count("customer_id"), done=Count("customer_id", filter=Q(contacted=True)))
    )
    ids = [row[field] for row in counts if row[field] is not None]
    model = User if group_by == "maintainer" else OrgUnit
    names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    rows = [RateRow(key=row[field], name=names.get(row[field], "—"), programme=row["programme"],
                    contacted=row["done"]) for row in counts]
    return sorted(rows, key=lambda r: (r.rate if r.rate is not None else HUNDRED, r.name))


def compliance_total(*, month: dt.date, user: User | None = None, org_unit_ids: list[int] | None = None,
                     maintainer_ids: list[int] | None = None) -> RateRow:
    """The overall follow-up figures of ``month`` in the scope (one query)."""
    agg = programme_rows(month=month, user=user, org_unit_ids=org_unit_ids, maintainer_ids=maintainer_ids).aggregate(
        programme=Count("customer_id"), done=Count("customer_id", filter=Q(contacted=True)))
    return RateRow(key=None, name="", programme=agg["programme"], contacted=agg["done"])


def customers_without_followup(*, month: dt.date, user: User, maintainer_id: int | None = None,
                               org_unit_ids: list[int] | None = None, limit: int = 100) -> list:
    """Programme customers of ``month`` in the user's scope with no logged contact in the month (first
    ``limit``, by customer number), with their maintainer and unit, and ``openable`` (in the user's scope
    today: a closed month also lists customers handed over out of it since). One query; how many there are
    in all is ``compliance_total(...).missing`` with the same arguments."""
    rows = programme_rows(month=month, user=user, org_unit_ids=org_unit_ids,
                          maintainer_ids=[maintainer_id] if maintainer_id is not None else None)
    missing = rows.filter(contacted=False).values("customer_id")
    openable = Exists(visible_customers(user=user).filter(pk=OuterRef("pk")))
    return list(Customer.objects.filter(pk__in=missing).annotate(openable=openable)
                .select_related("maintainer", "org_unit").order_by("customer_no")[:limit])


def idle_staff(*, user: User, day: dt.date | None = None, days: int | None = None) -> list[User]:
    """Active staff of the user's org subtree who maintain customers or head a unit and have not logged in
    for ``days`` (the standard's ``idle_login_days``, 14 by default) — never logged in included (one query)."""
    if not user.org_unit_id:
        return []
    day = day or timezone.localdate()
    if days is None:
        version = standard_version_in_force(day=day)
        days = version.idle_login_days if version else 14
    cutoff = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=days), dt.time.min))
    return list(
        User.objects.filter(is_active=True, org_unit__in=user.org_unit.subtree_ids,
                            groups__name__in=[*roles.MAINTAINER_ROLES, roles.BRANCH_HEAD])
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True))
        .select_related("org_unit").distinct().order_by("last_login", "username")
    )


@dataclass
class VisitRow:
    """One visiting role's corporate visits of a month: required by the standard and done."""

    role: str
    label: str
    customers: int
    required: int
    done: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(min(self.done, self.required), self.required)


def visit_compliance(*, month: dt.date, user: User) -> list[VisitRow]:
    """Corporate visits of ``month`` per role: required = Σ over the scope's corporate/institution customers
    of the standard's visits for their deposit class; done = that role's visit tasks completed in the
    month (routed to the role's holder; completing one logs the visit). Three queries."""
    start, end = month_bounds(month)
    version: StandardVersion | None = standard_version_in_force(day=start)
    if version is None:
        return []
    scope = visible_customers(user=user).values("pk")
    classes = dict(
        CustomerStanding.objects.filter(customer_id__in=scope).exclude(deposit_class="")
        .values_list("deposit_class").annotate(n=Count("customer_id")).order_by()
    )
    standards = VisitStandard.objects.filter(version=version)
    required: dict[str, list[int]] = {}
    for row in standards:
        customers = classes.get(row.deposit_class, 0)
        totals = required.setdefault(row.role, [0, 0])
        totals[0] += customers
        totals[1] += customers * row.visits_per_month
    done_rows = (ServiceTask.objects.filter(customer_id__in=scope, kind=ServiceTask.Kind.CORPORATE_VISIT,
                                            status=ServiceTask.Status.DONE, due_date__gte=start, due_date__lte=end)
                 .values_list("dedupe_key", flat=True))
    done: dict[str, int] = {}
    for key in done_rows:
        role = key.split(":")[1] if key.count(":") >= 2 else ""
        done[role] = done.get(role, 0) + 1
    labels = dict(VisitRole.choices)
    return [VisitRow(role=role, label=str(labels[role]), customers=totals[0], required=totals[1],
                     done=done.get(role, 0))
            for role, totals in sorted(required.items(), key=lambda item: list(labels).index(item[0]))]


@dataclass
class BookRow:
    """One RM's book (customers they are primary maintainer of) against the standard."""

    user: User
    customers: int
    low: int
    high: int

    @property
    def flag(self) -> str:
        if self.customers < self.low:
            return "under"
        if self.customers > self.high:
            return "over"
        return ""


def book_sizes(*, user: User, day: dt.date | None = None) -> list[BookRow]:
    """Each active RM/wealth manager of the user's subtree with their book size, flagged under/over the
    standard's range (500–800 by default). Three queries."""
    if not user.org_unit_id:
        return []
    version = standard_version_in_force(day=day or timezone.localdate())
    low, high = (version.book_size_min, version.book_size_max) if version else (500, 800)
    staff = list(User.objects.filter(is_active=True, org_unit__in=user.org_unit.subtree_ids,
                                     groups__name__in=roles.MAINTAINER_ROLES)
                 .select_related("org_unit").distinct().order_by("org_unit__path", "username"))
    counts = dict(CustomerStanding.objects.filter(maintainer__in=[u.pk for u in staff])
                  .values_list("maintainer_id").annotate(n=Count("customer_id")).order_by())
    return [BookRow(user=u, customers=counts.get(u.pk, 0), low=low, high=high) for u in staff]
