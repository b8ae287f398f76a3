"""The service-task figures of the monthly reports, defined once.

The dashboard counts them (``reports.dataset``) and the task list drills down to them (``/team/tasks/`` for
heads, ``/my-tasks/`` for RMs, with ``report=1``): both read ``report_tasks`` and ``task_status_filter``, so a
figure and the list behind it cannot disagree.

* a month's tasks: those **due** in the calendar month, whatever their status or when they were created;
* scope: the task's unit (stamped when the task was created, kept after a handover) in the scope's subtree —
  the snapshot of the work, like the month's customer figures — or, for an RM's own book, the assignee;
* done / open / cancelled: the status now; task completion leaves cancelled tasks out (``COUNTED``);
* overdue: open and due before **today** (the day the page is read), for a closed month as for the current
  one — a task of last month still open today is overdue on last month's dashboard too;
* the alerts' overdue tasks: every open task due before today, whatever its month.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from segmentation.engine import add_months

from .models import ServiceTask

# A status filter of the task list: every status but cancelled (the denominator of task completion).
COUNTED = "counted"


def overdue_q(*, today: dt.date) -> Q:
    """Open and due before ``today``."""
    return Q(status=ServiceTask.Status.OPEN, due_date__lt=today)


def report_tasks(*, tasks: QuerySet[ServiceTask], month: dt.date | None = None, unit_ids: list[int] | None = None,
                 assignee_id: int | None = None) -> QuerySet[ServiceTask]:
    """``tasks`` due in ``month`` (all months when None), of the units ``unit_ids`` (subtree already expanded;
    None: no unit condition) and of ``assignee_id`` (None: anybody)."""
    if month is not None:
        tasks = tasks.filter(due_date__gte=month, due_date__lt=add_months(month, 1))
    if unit_ids is not None:
        tasks = tasks.filter(org_unit__in=unit_ids)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    return tasks


def task_status_filter(tasks: QuerySet[ServiceTask], *, status: str, overdue: bool, today: dt.date
                       ) -> QuerySet[ServiceTask]:
    """A task status (``""`` every one, ``COUNTED`` every one but cancelled) and/or overdue as of ``today``."""
    if status == COUNTED:
        tasks = tasks.exclude(status=ServiceTask.Status.CANCELLED)
    elif status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(overdue_q(today=today))
    return tasks
