"""My day's task rows, written in Python: 500 rows through the template engine took most of the page's time.

The markup is the same as a template's. Every value is escaped with the standard library's ``html.escape``
(what ``django.utils.html.escape`` calls, without its lazy-string wrapper: format_html's per-argument wrappers
were half of the page's Python time); the call script is already safe HTML from service_tiers.scripts. The
labels are translated and the action buttons built once per page; per row only the task's values change.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from customers.masking import mask_mobile

register = template.Library()

_PK = "__pk__"  # where each row's task id goes in the buttons built once per page
_ACTION = ('<a class="btn btn-sm {css}" href="{url}" hx-get="{url}" hx-target="#task-{pk}" '
           'hx-swap="beforeend">{label}</a>')


def _actions(task_prefix: str) -> str:
    """The buttons of one row, with ``_PK`` in place of the task's id."""
    buttons = [("btn-primary", "complete", _("完成")), ("btn-outline-secondary", "reschedule", _("改期")),
               ("btn-outline-danger", "cancel", _("取消"))]
    links = "".join(_ACTION.format(css=css, url=escape(f"{task_prefix}{_PK}/{action}/"), pk=_PK, label=escape(label))
                    for css, action, label in buttons)
    return f'<div class="task-actions d-flex gap-1 align-items-start">{links}</div>'


@register.simple_tag
def task_rows(tasks, *, task_prefix: str, customer_prefix: str, can_work: bool) -> SafeString:
    """The ``<li>`` of each ``service_tiers.my_day.TaskRow`` (the non-htmx twin of my_day.html's ``task_row``)."""
    l_due, l_last, l_none = escape(_("到期")), escape(_("上次联系")), escape(_("无记录"))
    script_summary = f'<details class="small mt-1"><summary>{escape(_("话术"))}</summary><div class="task-script">'
    actions = _actions(task_prefix) if can_work else ""
    customer_prefix = escape(customer_prefix)
    rows = []
    for task in tasks:
        pk = task.pk
        tier = (f' <span class="badge tier-badge tier-{escape(task.asset_tier)}">{escape(task.tier_label)}</span>'
                if task.tier_label else "")
        segment = (f' <span class="badge segment-badge segment-{escape(task.value_segment)}">'
                   f'{escape(task.segment_label)}</span>' if task.segment_label else "")
        title = f"{escape(task.title)} · " if task.title else ""
        last = task.last_contact.isoformat() if task.last_contact else l_none
        script = f"{script_summary}{task.rendered_script}</div></details>" if task.rendered_script else ""
        rows.append(
            f'<li class="list-group-item task-row" id="task-{pk}"><div class="d-flex flex-wrap justify-content-between'
            f' gap-2"><div><a class="fw-semibold" href="{customer_prefix}{task.customer_id}/">'
            f'{escape(task.customer_name)}</a>{tier}{segment}<span class="font-monospace small ms-2">'
            f'{escape(mask_mobile(task.mobile) or "—")}</span><div class="small text-secondary">{title}'
            f'{l_due} {task.due_date.isoformat()} · {l_last} {last}</div>{script}</div>'
            f'{actions.replace(_PK, str(pk))}</div></li>'
        )
    return mark_safe("".join(rows))  # noqa: S308 — every value above was escaped
