"""The "tasks and entitlements" panel of the customer 360 page (客户权益 and open service tasks)."""

from django import template
from django.utils import timezone

from service_tiers.selectors import customer_open_tasks
from service_tiers.standards import customer_standard

register = template.Library()


@register.inclusion_tag("service_tiers/customer_service_panel.html")
def customer_service_panel(customer):
    """The customer's entitlements and standard items under the version in force, and its open tasks
    with their call scripts (four queries). ``customer`` comes from the 360 page, already scoped."""
    today = timezone.localdate()
    standing = getattr(customer, "standing", None)
    standard = customer_standard(
        asset_tier=getattr(standing, "asset_tier", ""), value_segment=getattr(standing, "value_segment", ""),
        maintenance_band=getattr(standing, "maintenance_band", ""), day=today,
    )
    return {"customer": customer, "standard": standard, "tasks": customer_open_tasks(customer=customer),
            "today": today}
