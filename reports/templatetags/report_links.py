"""Links from a report figure to the customer list that produces it."""

import re
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from crm.money import format_wan

register = template.Library()


# Filter values are codes, ids and months: joined as they are (a dashboard has ~400 links; urlencode was a
# tenth of its rendering), anything else is quoted.
_PLAIN = re.compile(r"[A-Za-z0-9_-]*")


def _query(filters: dict) -> str:
    if all(_PLAIN.fullmatch(str(value)) for value in filters.values()):
        return "&".join(f"{key}={value}" for key, value in filters.items())
    return urlencode(filters)


@register.filter
def drill(filters: dict) -> str:
    """The customer list URL for a dataset row's ``filters`` (empty when the figure has none)."""
    return drill_to(filters, "customers:list")


@register.filter
def drill_to(filters: dict, url_name: str) -> str:
    """The URL of the list ``url_name`` (the task list, the compliance page) for ``filters``; empty without."""
    if not filters:
        return ""
    return f"{reverse(url_name)}?{_query(filters)}"


@register.filter
def signed(value) -> str:
    """+1,234 / −56 / 0 for month-on-month changes of counts."""
    if value is None:
        return ""
    return f"{value:+,}".replace("-", "−")


@register.filter
def count(value) -> str:
    """1234567 → '1,234,567'."""
    if value is None or value == "":
        return ""
    return f"{value:,}"


@register.filter
def percent(value) -> str:
    """85.3 → '85.3%'; '—' when there is nothing to divide."""
    return "—" if value is None else f"{value}%"


@register.filter
def signed_wan(value) -> str:
    """An amount's change in 万/亿 with its sign: '+1.20万', '−3,456.00'."""
    if value is None:
        return ""
    text = format_wan(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text
