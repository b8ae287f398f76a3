"""Call scripts (话术) rendered safely: a whitelist substitution on escaped values, never the template engine.

Admin text is data, not code: ``string.Template.safe_substitute`` replaces only $customer_name, $product and
$rm_name and leaves anything else (``{{ }}``, ``{% %}``, unknown ``$names``) as literal text; every value is
HTML-escaped, and so is the rest of the template, so the result is safe to put in a page.
"""

from __future__ import annotations

from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper (500 rows a page)
from string import Template

from django.utils.safestring import SafeString, mark_safe

from .models import ServiceTask

# The product a script speaks of, by task kind (the card's tail is in the task's title).
PRODUCTS = {
    ServiceTask.Kind.CARD_ACTIVATION: "信用卡",
    ServiceTask.Kind.WELCOME: "贵宾",
    ServiceTask.Kind.RETENTION: "专属理财方案",
    ServiceTask.Kind.DORMANT: "活期理财产品",
}


def script_render(*, template: str, customer_name: str, product: str = "", rm_name: str = "") -> SafeString:
    """The script with the placeholders filled in, as HTML-safe text (every part was escaped)."""
    values = {"customer_name": escape(str(customer_name)), "product": escape(str(product)),
              "rm_name": escape(str(rm_name))}
    return mark_safe(Template(escape(template or "")).safe_substitute(values))  # noqa: S308 — all parts escaped


def task_script_render(*, task: ServiceTask) -> SafeString:
    """A task's stored script for its customer and assignee (names as staff see them on screen: in full,
    customers.masking masks only ID numbers and mobiles)."""
    return script_render(template=task.script, customer_name=task.customer.name,
                         product=PRODUCTS.get(task.kind, ""), rm_name=str(task.assignee))
