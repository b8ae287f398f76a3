"""The access log of sensitive actions: one function writes it, nothing edits it."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from crm.models import AccessLog

CUSTOMER_MODEL = "customers.Customer"


def access_log_record(
    *,
    user,
    action: str,
    target: Any = None,
    client_ip: str | None = None,
    detail: dict | None = None,
) -> AccessLog:
    """Append one row to the access log (reveal, export, import, handover, login…).

    ``target`` is a customer (linked), or anything else (stored as text, e.g. a file name or a report).
    ``client_ip`` is the address the edge read of the request (``crm.client_ip.request_client_ip``).
    Call it inside the transaction of the action it records.
    """
    # A customer is linked (the foundation knows it only by its label, never by importing the app).
    customer = target if getattr(getattr(target, "_meta", None), "label", None) == CUSTOMER_MODEL else None
    if customer is not None:
        target_text = customer.customer_no
    elif target is None:
        target_text = ""
    else:
        target_text = str(target)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        action=action,
        user=user if authenticated else None,
        username=(user.get_username() if authenticated else (detail or {}).get("username", ""))[:150],
        customer=customer,
        target=target_text[:200],
        ip=client_ip,
        detail=json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder)),
    )
