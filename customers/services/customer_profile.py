"""Changes to a customer's profile made by staff on the customer pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from crm.model_fields import concrete_field
from crm.models import AccessLog, User
from crm.services.audit import access_log_record
from customers.masking import mask_id_number, mask_mobile
from customers.models import CoMaintainer, Customer

# Profile fields staff edit on the customer pages. Not customer_no (from core banking), nor org unit and
# maintainers (they change through a recorded handover), nor risk flags (from the credit system).
PROFILE_FIELDS = [
    "name", "gender", "birth_date", "id_type", "id_number", "mobile", "address",
    "region", "industry", "occupation", "customer_type", "position", "employer", "income_band", "hobbies",
    "risk_preference", "credit_rating", "since", "notes",
    "credit_code", "legal_representative", "registered_capital", "total_assets", "credit_customer",
    "target_credit", "admin_level",
]


def _stored(customer: Customer, name: str) -> Any:
    # Foreign keys compare by id, so no query per lookup field.
    return getattr(customer, concrete_field(Customer, name).attname)


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


class CustomerEditConflict(Exception):
    """The profile changed since the form was opened; ``changes`` says what, by whom and when (masked)."""

    def __init__(self, changes: list[dict[str, Any]]):
        super().__init__("customer changed since the form was opened")
        self.changes = changes


def _display(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if name == "id_number":
        return mask_id_number(value)
    if name == "mobile":
        return mask_mobile(value)
    return str(value)


def _changes_since(customer: Customer, version: datetime) -> list[dict[str, Any]]:
    """Profile fields that differ between the version the form was opened on and the stored row.

    The history row written by the save that produced ``version`` is the first one at or after it (its
    history_date follows the row's updated_at by microseconds); later rows name who changed what.
    """
    records = list(customer.history.filter(history_date__gte=version).select_related("history_user")
                   .order_by("history_date", "history_id"))
    base, later = (records[0], records[1:]) if records else (None, [])
    last = later[-1] if later else None
    changes = []
    for name in PROFILE_FIELDS:
        field = concrete_field(Customer, name)
        then = getattr(base, field.attname) if base is not None else None
        now = getattr(customer, field.attname)
        if base is not None and then == now:
            continue
        if field.is_relation:
            then = getattr(base, name) if then else None  # historical rows keep the foreign key
            now = getattr(customer, name)
        changes.append({
            "field": name, "label": str(field.verbose_name), "then": _display(name, then), "now": _display(name, now),
            "by": str(last.history_user) if last is not None and last.history_user else "",
            "at": last.history_date if last is not None else customer.updated_at,
        })
    return changes


@transaction.atomic
def customer_update(
    *, customer: Customer, data: dict[str, Any], by: User, version: datetime | None = None
) -> list[str]:
    """Write the changed profile fields (``data`` is a form's cleaned data); returns the names changed.

    With ``version`` (the ``updated_at`` the form was opened on) the row is locked and a save over a newer
    version is refused with CustomerEditConflict (nothing written): no silent lost update. Only fields
    whose value differs are saved, with ``save(update_fields=…)``; the history records ``by`` as author.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if version is not None:
        customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
        if customer.updated_at != version:
            raise CustomerEditConflict(_changes_since(customer, version))
    changed = [name for name, value in data.items() if _stored(customer, name) != _comparable(value)]
    if not changed:
        return []
    for name in changed:
        setattr(customer, name, data[name])
    customer._history_user = by  # type: ignore[attr-defined]  # simple_history reads the author from here
    customer.save(update_fields=[*changed, "updated_at"])
    return changed


@transaction.atomic
def customer_co_maintainers_set(
    *, customer: Customer, users: list[User], by: User, client_ip: str | None = None
) -> dict | None:
    """Make ``users`` the customer's co-maintainers (协同维护人); logged (before → after). None when unchanged.

    Co-maintainers see the customer, so only active maintaining staff qualify; the caller has scoped the
    customer (the customer page or the scoped admin) and ``by`` must hold customers.change_customer.
    """
    if not by.has_perm("customers.change_customer"):
        raise PermissionDenied
    wanted = {user.pk: user for user in users}
    inactive = [str(user) for user in wanted.values() if not user.is_active]
    if inactive:
        raise ValidationError(_("已停用的员工不能作为协同维护人：%(names)s") % {"names": "、".join(inactive)})
    current = dict(CoMaintainer.objects.filter(customer=customer).values_list("user_id", "user__username"))
    removed = set(current) - set(wanted)
    added = set(wanted) - set(current)
    if not removed and not added:
        return None
    CoMaintainer.objects.filter(customer=customer, user_id__in=removed).delete()
    CoMaintainer.objects.bulk_create([CoMaintainer(customer=customer, user_id=pk) for pk in added])
    change = {"before": sorted(current.values()), "after": sorted(u.username for u in wanted.values())}
    access_log_record(user=by, action=AccessLog.Action.CO_MAINTAINERS, target=customer, client_ip=client_ip,
                      detail=change)
    return change
