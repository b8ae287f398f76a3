"""Access panel on the customer 360 page: object grants, the reveal action, field-level history."""

from django import template

from customers.access_selectors import customer_grants, customer_history, grant_receivers
from customers.scoping import org_subtree_customers

register = template.Library()


@register.inclusion_tag("customers/access/customer_access_panel.html", takes_context=True)
def customer_access_panel(context, customer):
    request = context.get("request")
    user = request.user
    can_grant = user.has_perm("crm.grant_customer_access") and org_subtree_customers(user=user).filter(
        pk=customer.pk
    ).exists()
    receivers = []
    if can_grant:
        receivers = grant_receivers(by=user, customer=customer)
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
