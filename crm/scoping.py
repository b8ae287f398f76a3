"""Who sees which customers: the one door every customer query goes through."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm import roles
from crm.models import OrgUnit


def visible_customers(*, user) -> QuerySet:
    """Customers the user may see: maintained ones for RMs, the org subtree for heads and management.

    Each branch is written as ``IN (subquery)`` on an indexed column so the
    planner never scans the whole customer table for an RM or an outlet head.
    """
    from customers.models import CoMaintainer, Customer

    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    names = roles.role_names(user)
    if user.is_superuser and not names:
        # A superuser with no business role sees everything (setup and support).
        return Customer.objects.all()
    scope = Q(pk__in=[])
    if user.org_unit_id and names & set(roles.ORG_SCOPE_ROLES):
        subtree = OrgUnit.objects.filter(path__startswith=user.org_unit.path).values("pk")
        scope |= Q(org_unit__in=subtree)
    if names & set(roles.MAINTAINER_ROLES):
        maintained = Customer.objects.filter(maintainer=user).values("pk").union(
            CoMaintainer.objects.filter(user=user).values("customer_id")
        )
        scope |= Q(pk__in=maintained)
    return Customer.objects.filter(scope)
