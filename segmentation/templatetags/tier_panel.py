"""The "why this tier" panel on the customer 360 page."""

from django import template

from segmentation.selectors import customer_tier_explanation

register = template.Library()


@register.inclusion_tag("segmentation/customer_tier_panel.html", takes_context=True)
def customer_tier_panel(context, customer):
    """Current tier/segment/band with the reasons and a 13-month timeline (one query)."""
    return {"customer": customer, **customer_tier_explanation(customer=customer)}
