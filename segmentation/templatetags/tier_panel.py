"""The "why this tier" panel on the customer 360 page (filled in by the tier engine)."""

from django import template

register = template.Library()


@register.inclusion_tag("segmentation/customer_tier_panel.html", takes_context=True)
def customer_tier_panel(context, customer):
    return {"customer": customer}
