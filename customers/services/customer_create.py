"""A new customer typed in the browser, checked by exactly the importer's row checks.

The form's fields are laid out as a one-row customers file (the import's column keys) and go through
``customers.importers.customer_rows.check_customer_chunk``: the same messages, the same rules (resident ID
check digit, credit code shape, mobile, dates not in the future, lookups), nothing written twice. The creator
is the maintainer and the customer is booked in the creator's own unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from crm import roles
from crm.models import User
from customers.importers.columns import CUSTOMER_COLUMNS
from customers.importers.customer_rows import References, check_customer_chunk
from customers.importers.files import ROW
from customers.importers.results import RowError
from customers.masking import mask_id_number
from customers.models import Customer
from customers.scoping import visible_customers

# The form's fields, named as the import's column keys.
FORM_KEYS = [
    "customer_no", "kind", "name", "gender", "birth_date", "id_type", "id_number", "mobile", "since",
    "registered_capital", "total_assets", "credit_customer",
]
CREATOR_ROLES = {*roles.MAINTAINER_ROLES, roles.BRANCH_HEAD}
HEADERS = {c.key: c.header for c in CUSTOMER_COLUMNS}


@dataclass
class Duplicate:
    """A customer already holding the new customer's ID number or credit code, as the creator may see it."""

    label: str
    url: str


class DuplicateFound(ValidationError):
    """The ID number or credit code exists already: the creator confirms before a second customer is made."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(_("证件号码或统一社会信用代码已存在。"))
        self.duplicates = duplicates


def _checked(*, data: dict[str, Any], by: User, today: date) -> dict[str, Any]:
    """The row as the importer would load it, or ValidationError keyed by field with the importer's messages."""
    if by.org_unit is None:
        raise PermissionDenied
    row = {key: str(data.get(key) or "").strip() for key in FORM_KEYS}
    row["org_code"] = by.org_unit.code
    row["maintainer"] = by.get_username()
    frame = pd.DataFrame([row], dtype=object)
    frame[ROW] = [0]
    errors: list[RowError] = []
    out = check_customer_chunk(frame, {key: HEADERS[key] for key in row}, errors,
                               refs=References.load(), today=today)
    if errors:
        by_header = {header: key for key, header in HEADERS.items()}
        raise ValidationError({by_header.get(e.column, "__all__"): [e.message] for e in errors})
    return {column: _python(out.iloc[0][column]) for column in out.columns if column != "row"}


def _python(value: Any) -> Any:
    """A pandas cell as a plain Python value (NA → None, numpy scalars → int/bool, Timestamps → date)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def customer_duplicates(*, by: User, id_number: str) -> list[Duplicate]:
    """Customers with the same ID number / credit code: a link for those in scope, a masked label otherwise."""
    if not id_number:
        return []
    same = Q(id_number=id_number) | Q(credit_code=id_number)
    found = list(Customer.objects.filter(same).order_by("pk").values_list("pk", "customer_no", "name")[:5])
    visible = set(visible_customers(user=by).filter(pk__in=[pk for pk, _no, _n in found]).values_list("pk", flat=True))
    result = []
    for pk, number, name in found:
        if pk in visible:
            result.append(Duplicate(label=f"{number} {name}", url=Customer(pk=pk).get_absolute_url()))
        else:
            result.append(Duplicate(label=_("他行/他人维护的客户（%(id)s）") % {"id": mask_id_number(id_number)}, url=""))
    return result


def may_create_customers(*, user: User) -> bool:
    """Relationship/wealth managers and branch heads with a unit add customers in the browser (not HQ, audit)."""
    return bool(user.is_active and user.org_unit_id and roles.role_names(user) & CREATOR_ROLES
                and user.has_perm("customers.change_customer"))


@transaction.atomic
def customer_create(*, by: User, data: dict[str, Any], today: date, confirm_duplicate: bool = False) -> Customer:
    """Create one customer from the browser form, maintained by ``by`` in their own unit.

    Raises ValidationError (per field, the importer's messages), or DuplicateFound when the ID number or
    credit code already exists and the creator has not confirmed.
    """
    if not may_create_customers(user=by):
        raise PermissionDenied
    values = _checked(data=data, by=by, today=today)
    for key in ("kind", "name"):
        if not values.get(key):
            raise ValidationError({key: _("必填，不能为空。")})
    if Customer.objects.filter(customer_no__iexact=values["customer_no"]).exists():
        raise ValidationError({"customer_no": _("客户号 %(no)s 已存在。") % {"no": values["customer_no"]}})
    id_number = values.get("id_number") or ""
    duplicates = customer_duplicates(by=by, id_number=id_number)
    if duplicates and not confirm_duplicate:
        raise DuplicateFound(duplicates)
    fields = {k: v for k, v in values.items() if k in {f.attname for f in Customer._meta.concrete_fields}}
    if values.get("id_type") == Customer.IdType.CREDIT_CODE:
        fields["credit_code"] = id_number
    customer = Customer(**fields)
    customer.full_clean(exclude=["customer_type", "region", "industry", "occupation"])
    customer.save()
    customer.history.filter(history_type="+").update(history_change_reason=_("浏览器新建客户"))
    return customer
