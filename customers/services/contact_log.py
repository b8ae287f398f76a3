"""Logging contacts with customers (交往记录)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from crm.models import User
from customers.models import ContactLog, Customer


@transaction.atomic
def contact_log_create(
    *, customer: Customer, staff: User, contacted_on: date, channel: str, summary: str, next_step: str = ""
) -> ContactLog:
    """Record one contact with the customer by ``staff``; the caller has checked the customer is in scope."""
    return ContactLog.objects.create(
        customer=customer,
        staff=staff,
        contacted_on=contacted_on,
        channel=channel,
        summary=summary.strip(),
        next_step=next_step.strip(),
    )
