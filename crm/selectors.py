"""Reads of the crm app: grants on a customer, field history, handovers and the access log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet

from crm.masking import mask_id_number, mask_mobile
from crm.models import AccessLog, CustomerUserObjectPermission, Handover, Job, OrgUnit, User
from crm.roles import SYSTEM_ADMIN, role_names

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
    from customers.models import Customer

    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = [f.name for f in Customer._meta.concrete_fields if f.name not in HISTORY_SKIPPED_FIELDS and not f.generated]
    diffs = []
    user_ids, org_ids = set(), set()
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(diffs) == limit:
            break
        changed = []
        for name in fields:
            attname = Customer._meta.get_field(name).attname
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
    names = {(User, u.pk): str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
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
                        field=name, label=str(Customer._meta.get_field(name).verbose_name),
                        old=_display(Customer, name, old, names), new=_display(Customer, name, new, names),
                    )
                    for name, old, new in changed
                ],
            )
        )
    return entries


def handovers_visible(*, user) -> QuerySet[Handover]:
    """Handovers of the user's org subtree, for staff allowed to see handovers."""
    if not user.has_perm("crm.view_handover") or not user.org_unit_id:
        return Handover.objects.none()
    return Handover.objects.filter(org_unit__path__startswith=user.org_unit.path).select_related(
        "by", "from_maintainer", "to_maintainer", "org_unit"
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


def jobs_see_all(*, user) -> bool:
    """System admins (superusers or the 系统管理员 role) see everyone's jobs; others only their own."""
    return user.is_superuser or SYSTEM_ADMIN in role_names(user)


def visible_jobs(*, user) -> QuerySet[Job]:
    """The background jobs a user may see: their own, or all of them for a system admin."""
    jobs = Job.objects.select_related("started_by", "org_unit")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if jobs_see_all(user=user) else jobs.filter(started_by=user)
