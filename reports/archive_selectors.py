"""Who may generate and download report packages, for which units, and which archived files they see.

The package is a management report: branch heads, HQ management and auditors, for their own org subtree
(HQ: the whole bank, and any unit). Relationship and wealth managers read their own book on the
dashboard instead; a system administrator with no business role sees no customer data, so no package.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm import roles
from crm.models import OrgUnit
from segmentation.models import MonthClose

from .models import ReportArchive


def report_reader(*, user) -> bool:
    """True when the user may use the reports page at all."""
    return bool(user.is_authenticated and user.is_active and user.org_unit_id
                and roles.role_names(user) & set(roles.ORG_SCOPE_ROLES))


def report_units(*, user) -> QuerySet[OrgUnit]:
    """The org units the user may generate a package for (their unit's subtree), in tree order."""
    if not report_reader(user=user):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path).order_by("path")


def report_months() -> QuerySet[MonthClose]:
    """Closed months, newest first (a package can only be built for a closed month)."""
    return MonthClose.objects.filter(state=MonthClose.State.CLOSED).order_by("-month")


def report_archives_visible(*, user) -> QuerySet[ReportArchive]:
    """Archived packages of units in the user's subtree; bank-wide ones only for readers at the root."""
    if not report_reader(user=user):
        return ReportArchive.objects.none()
    unit = user.org_unit
    scope = Q(org_unit__path__startswith=unit.path)
    if unit.parent_id is None:
        scope |= Q(org_unit__isnull=True)
    return ReportArchive.objects.filter(scope).select_related("org_unit", "created_by")
