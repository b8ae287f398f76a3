"""Logging contacts with customers (交往记录)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from customers.models import CONTACT_SUMMARY_MAX, ContactLog, Customer


@transaction.atomic
def contact_log_create(
    *, customer: Customer, staff: User, contacted_on: date, channel: str, summary: str, next_step: str = ""
) -> ContactLog:
    """Record one contact with the customer by ``staff``; the caller has checked the customer is in scope.

    A summary over CONTACT_SUMMARY_MAX characters is refused (ValidationError, Chinese).
    """
    summary = summary.strip()
    if len(summary) > CONTACT_SUMMARY_MAX:
        raise ValidationError({"summary": _("交往内容不能超过 %(limit)d 个字（当前 %(n)d 个字）。")
                               % {"limit": CONTACT_SUMMARY_MAX, "n": len(summary)}})
    return ContactLog.objects.create(
        customer=customer,
        staff=staff,
        contacted_on=contacted_on,
        channel=channel,
        summary=summary,
        next_step=next_step.strip(),
    )
