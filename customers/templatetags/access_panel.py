"""Access panel on the customer 360 page: object grants, the reveal action, field-level history."""

from django import template

from customers.access_selectors import customer_grant_allowed, customer_grants, customer_history, grant_receivers

register = template.Library()


@register.inclusion_tag("customers/access/customer_access_panel.html", takes_context=True)
def customer_access_panel(context, customer):
    request = context.get("request")
    user = request.user
    can_grant = customer_grant_allowed(user=user, customer=customer)
    receivers = grant_receivers(by=user, customer=customer) if can_grant else []
    return {
        "customer": customer,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "can_reveal": user.has_perm("customers.view_sensitive"),
        "can_grant": can_grant,
        "grant_receivers": receivers,
        "grants": customer_grants(customer=customer),
        "history": customer_history(customer=customer),
    }
