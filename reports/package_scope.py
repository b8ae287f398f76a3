"""The month and scope of one report package, and the scoped querysets every part of it reads.

A package's scope is an org subtree as it stood at the month's close (the assignment's ``org_unit``
snapshot), so a report regenerated later shows the same customers; tasks are scoped by their own unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.models import OrgUnit
from crm.months import add_months
from segmentation.models import Assignment
from service_tiers.models import ServiceTask

from .scope import ReportScope


@dataclass(frozen=True)
class ReportContext:
    """What every sheet is built for: a closed month and an org subtree (None = the whole bank)."""

    month: dt.date
    org: OrgUnit | None = None
    rule_version: int | None = None
    generated_at: dt.datetime | None = None
    bank_name: str = ""

    @property
    def org_path(self) -> str:
        return self.org.path if self.org else ""

    @property
    def scope_label(self) -> str:
        return str(self.org) if self.org else "全行"

    @property
    def scope(self) -> ReportScope:
        """The dataset's scope (reports.scope) for the same subtree."""
        return ReportScope(org_unit=self.org)


def scoped_assignments(context: ReportContext, month: dt.date | None = None):
    """The assignments of the month (default: the report's) in the report's org subtree."""
    qs = Assignment.objects.filter(month=month or context.month)
    if context.org is not None:
        qs = qs.filter(org_unit__path__startswith=context.org_path)
    return qs


def scoped_tasks(context: ReportContext):
    """Service tasks due in the report's month, in the report's org subtree."""
    start = context.month
    qs = ServiceTask.objects.filter(due_date__gte=start, due_date__lt=add_months(start, 1))
    if context.org is not None:
        qs = qs.filter(org_unit__path__startswith=context.org_path)
    return qs
