"""My day's task rows, written in Python: 500 rows through the template engine took most of the page's time.

The markup is the same as a template's (format_html escapes every value; the call script is already safe
HTML from service_tiers.scripts), and the labels are translated once per page.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from customers.masking import mask_mobile

register = template.Library()

_ROW = (
    '<li class="list-group-item task-row" id="task-{pk}"><div class="d-flex flex-wrap justify-content-between gap-2">'
    '<div><a class="fw-semibold" href="{customer_url}">{name}</a>{tier}{segment}'
    '<span class="font-monospace small ms-2">{mobile}</span>'
    '<div class="small text-secondary">{title}{l_due} {due} · {l_last} {last}</div>{script}</div>{actions}</div></li>'
)
_ACTION = ('<a class="btn btn-sm {css}" href="{url}" hx-get="{url}" hx-target="#task-{pk}" '
           'hx-swap="beforeend">{label}</a>')


@register.simple_tag
def task_rows(tasks, *, task_prefix: str, customer_prefix: str, can_work: bool) -> SafeString:
    """The ``<li>`` of each task (the non-htmx twin of my_day.html's ``task_row`` partial)."""
    labels = {"due": _("到期"), "last": _("上次联系"), "none": _("无记录"), "script": _("话术")}
    actions = [("btn-primary", "complete", _("完成")), ("btn-outline-secondary", "reschedule", _("改期")),
               ("btn-outline-danger", "cancel", _("取消"))]
    rows = []
    for task in tasks:
        standing = task.customer.standing
        buttons = ""
        if can_work:
            links = mark_safe("".join(  # noqa: S308 — every link was built by format_html
                format_html(_ACTION, css=css, url=f"{task_prefix}{task.pk}/{action}/", pk=task.pk, label=label)
                for css, action, label in actions))
            buttons = format_html('<div class="task-actions d-flex gap-1 align-items-start">{}</div>', links)
        rows.append(format_html(
            _ROW, pk=task.pk, customer_url=f"{customer_prefix}{task.customer_id}/", name=task.customer.name,
            tier=format_html(' <span class="badge tier-badge tier-{}">{}</span>', standing.asset_tier,
                             task.tier_label) if task.tier_label else "",
            segment=format_html(' <span class="badge segment-badge segment-{}">{}</span>', standing.value_segment,
                                task.segment_label) if task.segment_label else "",
            mobile=mask_mobile(task.customer.mobile) or "—",
            title=f"{task.title} · " if task.title else "", l_due=labels["due"], due=task.due_date.isoformat(),
            l_last=labels["last"], last=task.last_contact.isoformat() if task.last_contact else labels["none"],
            script=format_html('<details class="small mt-1"><summary>{}</summary><div class="task-script">{}</div>'
                               '</details>', labels["script"], task.rendered_script) if task.rendered_script else "",
            actions=buttons,
        ))
    return mark_safe("".join(rows))  # noqa: S308 — every row was built by format_html
