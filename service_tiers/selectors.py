"""Reads of service tasks for the customer 360 page (the compliance reads are in service_tiers.compliance)."""

from __future__ import annotations

from .models import ServiceTask
from .scripts import task_script_render

OPEN_TASKS_ON_360 = 10


def customer_open_tasks(*, customer) -> list[ServiceTask]:
    """The customer's open tasks, earliest due first, each with ``rendered_script`` (one query).

    ``customer`` must come from ``visible_customers``: the 360 page's scoped customer.
    """
    tasks = list(ServiceTask.objects.filter(customer=customer, status=ServiceTask.Status.OPEN)
                 .select_related("assignee").order_by("due_date", "id")[:OPEN_TASKS_ON_360])
    for task in tasks:
        task.customer = customer
        task.rendered_script = task_script_render(task=task) if task.script else ""
    return tasks
