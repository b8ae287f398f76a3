from django import template

from crm import money

register = template.Library()


@register.filter
def amount(value) -> str:
    """Two decimals with thousands separators."""
    return money.format_amount(value)


@register.filter
def wan(value) -> str:
    """Amount in 万/亿 where large."""
    return money.format_wan(value)


@register.filter
def thousands(value) -> str:
    """A whole count with thousands separators (80,000), whatever the language's number format."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)
