"""Access panel on the customer 360 page: grants, reveal action, history (filled in by the access capability)."""

from django import template

register = template.Library()


@register.inclusion_tag("crm/customer_access_panel.html", takes_context=True)
def customer_access_panel(context, customer):
    return {"customer": customer, "request": context.get("request")}
