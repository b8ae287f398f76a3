"""Reads for working the tasks: My day, the team's task list, and the one scope every task page uses.

Every task read starts from ``tasks_visible``: a task is visible when its customer is in
``visible_customers(user=...)``; a relationship or wealth manager (without an org-scope role) additionally
sees only the tasks assigned to them, so an RM never reads a colleague's task by URL, even on a customer
they co-maintain. My day reads only the user's own tasks and checks the same scope (``customer_scope``) on
each task's joined standing row: the same rows, a plan that suits 500 tasks rather than a unit's.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Case, Count, DateField, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from crm import roles
from crm.models import OrgUnit, User
from customers.access_selectors import handover_receivers, handover_sources
from customers.models import ContactLog, Customer, CustomerStanding
from customers.scoping import Scope, customer_scope, month_snapshot_scope, visible_standings
from customers.tiers import AssetTier, MaintenanceBand, ValueSegment
from segmentation.models import MonthClose, TierChange

from .models import ServiceTask
from .scripts import PRODUCTS, script_render
from .task_figures import overdue_q, report_tasks, task_status_filter

OPEN = ServiceTask.Status.OPEN
# My day lists at most this many open tasks (overdue + today + this week); the rest are on the task list.
MY_DAY_LIMIT = 500
TEAM_PAGE_SIZE = 50


# The path from a task to its customer's standing row, where My day checks the scope.
VIA_CUSTOMER = "customer__standing__"


def _scope_ids(scope: Scope) -> QuerySet:
    """The customer ids of ``scope``, read from the standing rows (for an RM an index-only scan of
    standing_maint_aum): the scope without joining the wide customer table."""
    return CustomerStanding.objects.filter(scope.on("")).values("customer_id")


def tasks_visible(*, user) -> QuerySet[ServiceTask]:
    """Tasks the user may read: customers in their scope, and only their own tasks for maintainer roles.

    A semi-join on the scope's customer ids: the team pages read a whole unit's tasks, for which it is the
    cheaper plan. My day reads a few hundred of the user's own tasks and checks the same scope on each task's
    joined standing row instead (``my_day``).
    """
    tasks = ServiceTask.objects.filter(customer_id__in=_scope_ids(customer_scope(user=user)))
    if not roles.role_names(user) & set(roles.ORG_SCOPE_ROLES):
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


@dataclass(slots=True)
class TaskRow:
    """One open task as My day shows it: 500 of these are built from plain tuples, not 1,500 model instances
    (task, customer, standing) — that construction was a third of the page's Python time at 1M."""

    pk: int
    customer_id: int
    kind: str
    due_date: dt.date
    title: str
    customer_name: str
    mobile: str
    asset_tier: str
    value_segment: str
    last_contact: dt.date | None
    script: str
    kind_label: str = ""
    tier_label: str = ""
    segment_label: str = ""
    rendered_script: str = ""


# The columns of a TaskRow, in order, read through the task's customer and its standing row.
_ROW_COLUMNS = ("pk", "customer_id", "kind", "due_date", "title", "customer__name", "customer__mobile",
                "customer__standing__asset_tier", "customer__standing__value_segment", "last_contact",
                "script")


@dataclass
class Section:
    key: str
    label: str
    groups: list[tuple[str, list[TaskRow]]] = field(default_factory=list)
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
    scope = customer_scope(user=user)  # one grant lookup for the three queries below
    # The user's own tasks, so tasks_visible's rule for maintainer roles holds by construction; the scope is
    # checked on each task's customer's standing row, which the badges join anyway. A semi-join on the scope's
    # ids (tasks_visible) read an RM's 18,000 standing rows before the first task (~180 ms at 1M).
    # Only the columns the page shows: a customer row is wide, and 500 of them are most of the page's time.
    found = (
        ServiceTask.objects.filter(scope.on(VIA_CUSTOMER), assignee=user, status=OPEN, due_date__lte=week_end)
        .annotate(last_contact=_last_contact())
        .order_by("due_date", "kind", "id")
        .values_list(*_ROW_COLUMNS)[: MY_DAY_LIMIT + 1]
    )
    rows = [TaskRow(*values) for values in found]
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
    buckets: dict[str, list[TaskRow]] = {s.key: [] for s in sections}
    for task in rows:
        task.kind_label = kinds.get(task.kind, task.kind)
        task.tier_label = tiers.get(task.asset_tier, "")
        task.segment_label = segments.get(task.value_segment, "")
        task.rendered_script = script_render(template=task.script, customer_name=task.customer_name,
                                             product=PRODUCTS.get(task.kind, ""), rm_name=rm_name) if task.script else ""
        key = "overdue" if task.due_date < today else "today" if task.due_date == today else "week"
        buckets[key].append(task)
    for section in sections:
        tasks = sorted(buckets[section.key], key=lambda t: (t.kind, t.due_date, t.pk))
        section.groups = [(kind, list(items)) for kind, items in groupby(tasks, key=lambda t: t.kind_label)]
        section.count = len(tasks)
    month = today.replace(day=1)
    # The changes of the latest close (on the 1st the month just ended is closed, not this calendar month).
    latest_close = (MonthClose.objects.filter(state=MonthClose.State.CLOSED, month__lte=month)
                    .order_by("-month").values("month")[:1])
    # "Their customers": the scope itself (an RM's maintained, co-maintained and shared ones; a head's subtree).
    # A semi-join on the scope's customer ids: for an RM an index-only scan of standing_maint_aum hashed against
    # the month's changes (a join on the standing rows probed one row per change of the whole bank).
    changes = list(
        TierChange.objects.filter(customer_id__in=_scope_ids(scope),
                                  month=Coalesce(Subquery(latest_close), Value(month, output_field=DateField())))
        .select_related("customer").only("customer_id", "month", "field", "from_value", "to_value", "direction",
                                         "customer__name")
        .order_by("direction", "customer__name", "customer_id", "field")[:100]
    )
    fields = {value: str(label) for value, label in TierChange.Field.choices}
    directions = {value: str(label) for value, label in TierChange.Direction.choices}
    values = {field: {value: str(label) for value, label in choices.choices} for field, choices in (
        (TierChange.Field.ASSET_TIER, AssetTier), (TierChange.Field.VALUE_SEGMENT, ValueSegment),
        (TierChange.Field.MAINTENANCE_BAND, MaintenanceBand))}
    for change in changes:
        change.field_label = fields.get(change.field, change.field)
        change.direction_label = directions.get(change.direction, change.direction)
        labels = values.get(change.field, {})  # what it was and what it is now: "金卡 → 白金"
        change.from_label = labels.get(change.from_value, change.from_value)
        change.to_label = labels.get(change.to_value, change.to_value)
        change.group_key = (change.customer_id, change.direction)  # one line per customer and direction
    return MyDay(
        today=today,
        sections=sections,
        total_open=len(rows),
        truncated=truncated,
        tier_changes=changes,
        birthdays=_birthdays(scope=scope, start=today, end=week_end),
    )


def birthday_keys(*, start: dt.date, end: dt.date) -> dict[int, int]:
    """The birthdays to greet from ``start`` to ``end`` as {month × 100 + day: position of the day (0, 1, …)}.

    A week may cross the year end (Dec 29 … Jan 4: 1229–1231 then 101–104, in that order). In a common year the
    29 February birthdays are greeted on 28 February, as the task generator does.
    """
    keys: dict[int, int] = {}
    for position in range((end - start).days + 1):
        day = start + dt.timedelta(days=position)
        keys[day.month * 100 + day.day] = position
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            keys[229] = position
    return keys


def _birthdays(*, scope: Scope, start: dt.date, end: dt.date) -> list[Customer]:
    """The scope's customers whose birthday falls between two days (≤ 7 days apart), in the days' order.

    ``standing.birth_mmdd = ANY (the week's keys)`` is a range of the standing's birthday index per day, with
    the scope's maintainer or units checked inside the index: an RM's ~350 birthdays of a week at 1M, not their
    18,000 customers read to compare birth dates.
    """
    keys = birthday_keys(start=start, end=end)
    if not keys:
        return []
    day_order = Case(*[When(standing__birth_mmdd=key, then=Value(position)) for key, position in keys.items()],
                     output_field=IntegerField())
    found = list(
        Customer.objects.filter(scope.on("standing__"), standing__birth_mmdd__in=list(keys))
        .only("id", "name", "birth_date").annotate(day_order=day_order).order_by("day_order", "name", "id")[:100]
    )
    for customer in found:
        customer.birthday = f"{customer.birth_date:%m-%d}"
    return found


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
    tasks = task_status_filter(tasks, status=filters.status, overdue=filters.overdue_only, today=today)
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
            overdue=Count("id", filter=overdue_q(today=today)),
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


def team_units(*, user: User) -> QuerySet[OrgUnit]:
    """The branch head's unit and every unit below it (the unit picker of the team's task list)."""
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


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
    if requested and requested.isdecimal() and len(requested) < 12:
        extra = Q(pk=int(requested), pk__in=tasks_reportable(user=user).filter(assignee_id=int(requested))
                  .values("assignee_id")[:1])
    return User.objects.filter(Q(pk__in=team_assignees(user=user).values("pk")) | extra)
