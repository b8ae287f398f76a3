"""Changes to a customer's profile made by staff on the customer pages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

from crm.model_fields import concrete_field
from crm.models import User
from customers.models import Customer

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


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any], by: User) -> list[str]:
    """Write the changed profile fields (``data`` is a form's cleaned data); returns the names changed.

    Only fields whose value differs are saved, with ``save(update_fields=…)``; the change history
    (django-simple-history) records ``by`` as the author.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if _stored(customer, name) != _comparable(value)]
    if not changed:
        return []
    for name in changed:
        setattr(customer, name, data[name])
    customer._history_user = by  # type: ignore[attr-defined]  # simple_history reads the author from here
    customer.save(update_fields=[*changed, "updated_at"])
    return changed
