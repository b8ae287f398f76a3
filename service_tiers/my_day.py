"""Reads for working the tasks: My day, the team's task list, and the one scope every task page uses.

Every task read starts from ``tasks_visible``: a task is visible when its customer is in
``visible_customers(user=...)``; a relationship or wealth manager (without an org-scope role) additionally
sees only the tasks assigned to them, so an RM never reads a colleague's task by URL, even on a customer
they co-maintain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth

from crm import roles
from crm.models import User
from customers.access_selectors import handover_receivers, handover_sources
from customers.models import ContactLog, Customer
from customers.scoping import month_snapshot_scope, visible_standings
from customers.tiers import AssetTier, ValueSegment
from segmentation.models import MonthClose, TierChange

from .models import ServiceTask
from .scripts import PRODUCTS, script_render
from .task_figures import report_tasks, task_status_filter

OPEN = ServiceTask.Status.OPEN
# My day lists at most this many open tasks (overdue + today + this week); the rest are on the task list.
MY_DAY_LIMIT = 500
TEAM_PAGE_SIZE = 50


def _scope_ids(*, user) -> QuerySet:
    """The ids of ``visible_customers(user=…)``, read from the standing rows: the same scope without joining
    the wide customer table (a semi-join on it made PostgreSQL scan every customer)."""
    return visible_standings(user=user).values("customer_id")


def tasks_visible(*, user) -> QuerySet[ServiceTask]:
    """Tasks the user may read: customers in their scope, and only their own tasks for maintainer roles."""
    tasks = ServiceTask.objects.filter(customer_id__in=_scope_ids(user=user))
    names = roles.role_names(user)
    if not names & set(roles.ORG_SCOPE_ROLES):
        tasks = tasks.filter(assignee=user)
    return tasks


def tasks_workable(*, user) -> QuerySet[ServiceTask]:
    """Tasks the user may complete, reschedule or cancel: visible ones, for a role that may change tasks."""
    if not user.has_perm("service_tiers.change_servicetask"):
        return ServiceTask.objects.none()
    return tasks_visible(user=user)


def _last_contact() -> Subquery:
    return Subquery(
        ContactLog.objects.filter(customer=OuterRef("customer_id")).order_by("-contacted_on").values("contacted_on")[:1]
    )


@dataclass
class Section:
    key: str
    label: str
    groups: list[tuple[str, list[ServiceTask]]] = field(default_factory=list)
    count: int = 0


@dataclass
class MyDay:
    today: dt.date
    sections: list[Section]
    total_open: int
    truncated: bool
    tier_changes: list[TierChange]
    birthdays: list[Customer]


def _week_end(day: dt.date) -> dt.date:
    """The Sunday of the day's week (weeks start on Monday, as in China)."""
    return day + dt.timedelta(days=6 - day.weekday())


def my_day(*, user: User, today: dt.date) -> MyDay:
    """The user's open tasks due by the end of this week (overdue, today, this week), grouped by kind, with
    each customer's badges, masked phone, last contact and rendered script; this month's tier changes of
    their customers; their customers' birthdays this week. Four queries whatever the number of tasks."""
    week_end = _week_end(today)
    scope = _scope_ids(user=user)  # evaluated inside each query below; its grant lookup runs once here
    # Only the columns the page shows: a customer row is wide, and 500 of them are most of the page's time.
    rows = list(
        ServiceTask.objects.filter(assignee=user, status=OPEN, due_date__lte=week_end,
                                   customer_id__in=scope)
        .select_related("customer", "customer__standing")
        .only("id", "kind", "due_date", "title", "script", "version", "status", "customer_id", "assignee_id",
              "customer__name", "customer__mobile", "customer__standing__asset_tier",
              "customer__standing__value_segment")
        .annotate(last_contact=_last_contact())
        .order_by("due_date", "kind", "id")[: MY_DAY_LIMIT + 1]
    )
    truncated = len(rows) > MY_DAY_LIMIT
    rows = rows[:MY_DAY_LIMIT]
    sections = [
        Section("overdue", "逾期"),
        Section("today", "今日到期"),
        Section("week", "本周到期"),
    ]
    # Labels looked up once per page, not once per row (translation lookups were a third of the page).
    kinds = {value: str(label) for value, label in ServiceTask.Kind.choices}
    tiers = {value: str(label) for value, label in AssetTier.choices}
    segments = {value: str(label) for value, label in ValueSegment.choices}
    rm_name = str(user)
    buckets: dict[str, list[ServiceTask]] = {s.key: [] for s in sections}
    for task in rows:
        standing = task.customer.standing
        task.kind_label = kinds.get(task.kind, task.kind)
        task.tier_label = tiers.get(standing.asset_tier, "")
        task.segment_label = segments.get(standing.value_segment, "")
        task.rendered_script = script_render(template=task.script, customer_name=task.customer.name,
                                             product=PRODUCTS.get(task.kind, ""), rm_name=rm_name) if task.script else ""
        key = "overdue" if task.due_date < today else "today" if task.due_date == today else "week"
        buckets[key].append(task)
    for section in sections:
        tasks = sorted(buckets[section.key], key=lambda t: (t.kind, t.due_date, t.pk))
        section.groups = [(kind, list(items)) for kind, items in groupby(tasks, key=lambda t: t.kind_label)]
        section.count = len(tasks)
    month = today.replace(day=1)
    # "Their customers": the scope itself (an RM's maintained, co-maintained and shared ones; a head's subtree).
    mine = Customer.objects.filter(pk__in=scope)
    # The changes of the latest close (on the 1st the month just ended is closed, not this calendar month).
    latest_close = (MonthClose.objects.filter(state=MonthClose.State.CLOSED, month__lte=month)
                    .order_by("-month").values("month")[:1])
    changes = list(
        TierChange.objects.filter(month=Coalesce(Subquery(latest_close), Value(month, output_field=DateField())),
                                  customer_id__in=scope)
        .select_related("customer").order_by("direction", "customer__name", "field")[:100]
    )
    return MyDay(
        today=today,
        sections=sections,
        total_open=len(rows),
        truncated=truncated,
        tier_changes=changes,
        birthdays=_birthdays(customers=mine, start=today, end=week_end),
    )


def _birthdays(*, customers: QuerySet, start: dt.date, end: dt.date) -> list[Customer]:
    """Customers whose birthday (month, day) falls between two days of the same or adjacent months."""
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if not days:
        return []
    cond = Q()
    for day in days:
        cond |= Q(bm=day.month, bd=day.day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            cond |= Q(bm=2, bd=29)  # Feb 29 birthdays are greeted on Feb 28 in common years
    found = list(
        customers.filter(birth_month__in={d.month for d in days})
        .annotate(bm=ExtractMonth("birth_date"), bd=ExtractDay("birth_date"))
        .filter(cond).order_by("bm", "bd", "name")[:100]
    )
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass
class TeamFilters:
    assignee_id: int | None = None
    status: str = OPEN
    overdue_only: bool = False
    # A report figure's drill-down (``report=1``): the tasks as the dashboard counts them (report_task_list).
    report: bool = False
    month: dt.date | None = None
    unit_ids: list[int] | None = None
    kind: str = ""


def team_tasks(*, user: User, today: dt.date, filters: TeamFilters) -> QuerySet[ServiceTask]:
    """The tasks of the branch head's subtree (by the task's unit, within the customer scope), filtered."""
    if filters.report:
        return report_task_list(user=user, today=today, filters=filters)
    tasks = tasks_visible(user=user).filter(org_unit__path__startswith=user.org_unit.path)
    if filters.assignee_id:
        tasks = tasks.filter(assignee_id=filters.assignee_id)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue_only:
        tasks = tasks.filter(status=OPEN, due_date__lt=today)
    return tasks.select_related("customer", "assignee", "org_unit").order_by("due_date", "id")


def team_counts(*, user: User, today: dt.date) -> list[dict]:
    """Per assignee of the subtree: open, overdue and done-this-month task counts (one grouped query)."""
    month = today.replace(day=1)
    return list(
        tasks_visible(user=user).filter(org_unit__path__startswith=user.org_unit.path)
        .values("assignee_id", "assignee__username", "assignee__last_name", "assignee__first_name",
                "assignee__is_active")
        .annotate(
            open=Count("id", filter=Q(status=OPEN)),
            overdue=Count("id", filter=Q(status=OPEN, due_date__lt=today)),
            done=Count("id", filter=Q(status=ServiceTask.Status.DONE, completed_at__date__gte=month)),
        )
        .order_by("-overdue", "assignee__username")
    )


def reassign_targets(*, user: User) -> QuerySet[User]:
    """Active staff of the branch head's subtree who maintain customers (the handover's receivers)."""
    return handover_receivers(by=user)


def team_assignees(*, user: User) -> QuerySet[User]:
    """Staff of the branch head's subtree, active or not (the assignee filter of the team's task list)."""
    return handover_sources(by=user)


def tasks_reportable(*, user: User) -> QuerySet[ServiceTask]:
    """The tasks the reader's reports count: by the task's unit (stamped at creation) within a head's subtree,
    or an RM's own — ``customers.scoping.month_snapshot_scope``, so tasks of customers handed over out of
    the unit since still count where the work was done (their customers are then shown without a link)."""
    scope = month_snapshot_scope(user=user, unit="org_unit", maintainer="assignee", origin=None)
    return ServiceTask.objects.none() if scope is None else ServiceTask.objects.filter(scope)


def report_task_list(*, user: User, today: dt.date, filters: TeamFilters) -> QuerySet[ServiceTask]:
    """The list behind a task figure of the dashboard: ``service_tiers.task_figures``' definitions on the
    reader's reportable tasks, with ``openable`` (the customer is in the reader's scope today) on each row."""
    tasks = report_tasks(tasks=tasks_reportable(user=user), month=filters.month, unit_ids=filters.unit_ids,
                         assignee_id=filters.assignee_id)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    tasks = task_status_filter(tasks, status=filters.status, overdue=filters.overdue_only, today=today)
    return (tasks.annotate(openable=Exists(visible_standings(user=user).filter(customer_id=OuterRef("customer_id"))))
            .select_related("customer", "assignee", "org_unit").order_by("due_date", "id"))


def report_assignees(*, user: User, requested: str | None) -> QuerySet[User]:
    """The assignee choices of a report drill-down: the subtree's staff, plus the requested person when they
    hold a task the reader's reports count (a task handed over with its customer to another unit)."""
    extra = Q(pk__in=[])
    if requested and requested.isdigit() and len(requested) < 12:
        extra = Q(pk=int(requested), pk__in=tasks_reportable(user=user).filter(assignee_id=int(requested))
                  .values("assignee_id")[:1])
    return User.objects.filter(Q(pk__in=team_assignees(user=user).values("pk")) | extra)
