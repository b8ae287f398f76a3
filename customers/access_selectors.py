"""Reads of the crm app: grants on a customer, field history, handovers and the access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from crm import roles
from crm.model_fields import concrete_field, field_label
from crm.models import AccessLog, CustomerUserObjectPermission, Handover, OrgUnit, User
from customers.masking import mask_id_number, mask_mobile
from customers.models import Customer
from customers.scoping import org_subtree_customers, visible_customers

# Who may receive customers in a handover (and be given a grant).
RECEIVER_ROLES = [*roles.MAINTAINER_ROLES, roles.BRANCH_HEAD]

# Never show these in the change history; ID numbers and mobiles are shown masked.
HISTORY_SKIPPED_FIELDS = {"created_at", "updated_at"}
HISTORY_MASKERS = {"id_number": mask_id_number, "mobile": mask_mobile}


@dataclass
class CustomerGrant:
    user: User
    levels: list[str] = field(default_factory=list)
    granted_by: User | None = None
    granted_at: datetime | None = None


def customer_grants(*, customer) -> list[CustomerGrant]:
    """Who the customer is shared with (one entry per colleague: view and/or change)."""
    grants: dict[int, CustomerGrant] = {}
    rows = (
        CustomerUserObjectPermission.objects.filter(content_object=customer)
        .select_related("user", "user__org_unit", "granted_by", "permission")
        .order_by("granted_at", "pk")
    )
    for row in rows:
        grant = grants.setdefault(row.user_id, CustomerGrant(user=row.user, granted_by=row.granted_by,
                                                             granted_at=row.granted_at))
        grant.levels.append("change" if row.permission.codename == "change_customer" else "view")
    return list(grants.values())


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime
    user: str
    kind: str
    reason: str
    changes: list[FieldChange]


def _display(model, field_name: str, value, names: dict) -> str:
    if value in (None, ""):
        return "—"
    if field_name in HISTORY_MASKERS:
        return HISTORY_MASKERS[field_name](str(value))
    model_field = model._meta.get_field(field_name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def customer_history(*, customer, limit: int = 20) -> list[HistoryEntry]:
    """The latest field-level changes of a customer: who changed what, when, from → to (masked PII).

    Three queries whatever the length: the history rows, the users and the org units they mention.
    """
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = [f.name for f in Customer._meta.concrete_fields if f.name not in HISTORY_SKIPPED_FIELDS and not f.generated]
    diffs: list[tuple[Any, list[tuple[str, Any, Any]]]] = []
    user_ids: set[int] = set()
    org_ids: set[int] = set()
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(diffs) == limit:
            break
        changed = []
        for name in fields:
            attname = concrete_field(Customer, name).attname
            new = getattr(newer, attname)
            old = getattr(older, attname) if older is not None else None
            if older is not None and new == old:
                continue
            if older is None and newer.history_type != "+":
                continue  # the oldest row we fetched: its predecessor is beyond the limit
            if older is None and new in (None, "", False, 0):
                continue
            changed.append((name, old, new))
            model_field = Customer._meta.get_field(name)
            if model_field.is_relation:
                target = user_ids if model_field.related_model is User else org_ids if model_field.related_model is OrgUnit else None
                if target is not None:
                    target.update(v for v in (old, new) if v)
        diffs.append((newer, changed))
    names: dict[tuple[type, int], str] = {}
    if user_ids:
        names.update({(User, u.pk): str(u) for u in User.objects.filter(pk__in=user_ids)})
    if org_ids:
        names.update({(OrgUnit, o.pk): str(o) for o in OrgUnit.objects.filter(pk__in=org_ids)})
    entries = []
    for record, changed in diffs:
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=str(record.history_user) if record.history_user else "系统",
                kind=record.get_history_type_display(),
                reason=record.history_change_reason or "",
                changes=[
                    FieldChange(
                        field=name, label=field_label(Customer, name),
                        old=_display(Customer, name, old, names), new=_display(Customer, name, new, names),
                    )
                    for name, old, new in changed
                ],
            )
        )
    return entries


def handover_receivers(*, by: User) -> QuerySet[User]:
    """Active staff of the branch head's subtree who may maintain customers."""
    if by.org_unit is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True, org_unit__path__startswith=by.org_unit.path, groups__name__in=RECEIVER_ROLES
        )
        .select_related("org_unit")
        .distinct()
        .order_by("org_unit__path", "username")
    )


def handover_sources(*, by: User) -> QuerySet[User]:
    """Staff of the subtree (active or not) a branch head may take customers from."""
    if by.org_unit is None:
        return User.objects.none()
    return User.objects.filter(org_unit__path__startswith=by.org_unit.path).select_related("org_unit").order_by(
        "org_unit__path", "username"
    )


def customer_grant_allowed(*, user: User, customer) -> bool:
    """Whether ``user`` may share ``customer`` (the access panel's grant form): the permission, and the
    customer in their own subtree (``customer_grant_access`` refuses the same cases)."""
    return user.has_perm("crm.grant_customer_access") and org_subtree_customers(user=user).filter(
        pk=customer.pk
    ).exists()


def grant_receivers(*, by: User, customer) -> QuerySet[User]:
    """Colleagues a branch head may share ``customer`` with: receivers other than themselves and its maintainer."""
    return handover_receivers(by=by).exclude(pk=by.pk).exclude(pk=customer.maintainer_id or 0)


def handover_candidates(*, by: User, from_maintainer: User | None, customer_nos: list[str]) -> tuple[QuerySet, list[str]]:
    """The customers a handover form names (all of a maintainer's, or by number), and the numbers not found.

    Only customers of the branch head's subtree, maintained by ``from_maintainer`` when one is chosen.
    """
    customers = org_subtree_customers(user=by)
    if from_maintainer:
        customers = customers.filter(maintainer=from_maintainer)
    missing: list[str] = []
    if customer_nos:
        wanted = set(customer_nos)
        found = set(customers.filter(customer_no__in=wanted).values_list("customer_no", flat=True))
        missing = sorted(wanted - found)
        customers = customers.filter(customer_no__in=wanted)
    return customers, missing


def handovers_visible(*, user) -> QuerySet[Handover]:
    """Handovers of the user's org subtree, for staff allowed to see handovers."""
    if not user.has_perm("crm.view_handover") or not user.org_unit_id:
        return Handover.objects.none()
    return Handover.objects.filter(org_unit__path__startswith=user.org_unit.path).select_related(
        "by", "from_maintainer", "to_maintainer", "org_unit"
    )


def handover_items_visible(*, handover: Handover, user) -> QuerySet:
    """The handover's customers that the user may see (visible_customers): a user who sees none gets the
    handover's counts only, never the names."""
    return (
        handover.items.filter(customer__in=visible_customers(user=user).values("pk"))
        .select_related("customer", "previous_maintainer")
        .order_by("customer__customer_no")
    )


ACCESS_LOG_FILTERS = ("action", "username", "customer_no", "date_from", "date_to")


def access_log_list(*, user, filters: dict) -> QuerySet[AccessLog]:
    """The access log, newest first, filtered by action, username, customer number and dates (auditors)."""
    if not user.has_perm("crm.view_accesslog"):
        return AccessLog.objects.none()
    rows = AccessLog.objects.select_related("user", "customer")
    unit = user.org_unit
    if unit is None:
        return AccessLog.objects.none()
    if unit.parent_id is not None:
        # Below HQ an auditor reviews their own subtree: its staff's actions and its customers' records.
        rows = rows.filter(Q(user__org_unit__path__startswith=unit.path) | Q(customer__org_unit__path__startswith=unit.path))
    if filters.get("action"):
        rows = rows.filter(action=filters["action"])
    if filters.get("username"):
        rows = rows.filter(username=filters["username"])
    if filters.get("customer_no"):
        rows = rows.filter(target=filters["customer_no"])
    if filters.get("date_from"):
        rows = rows.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        rows = rows.filter(at__date__lte=filters["date_to"])
    return rows.order_by("-at", "-id")
