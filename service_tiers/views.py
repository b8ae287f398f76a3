"""Working the tasks: My day, the task actions (complete, reschedule, cancel, reassign) and the team's tasks.

Thin: reads come from service_tiers.my_day, writes from service_tiers.task_services. Every action is a plain
form POST that works without JavaScript (redirect back with a message); with htmx the form opens in place and
the answer is the task's row (django-template-partials), so the page does not reload.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from crm import roles
from crm.client_ip import request_client_ip
from crm.errors import NotFound
from crm.models import OrgUnit
from customers.access_selectors import handover_receivers
from customers.exports import ExportTooLarge, customer_list_export
from customers.forms import CustomerCreateForm
from customers.models import Customer
from customers.scoping import org_subtree_customers
from customers.services.customer_create import DuplicateFound, may_create_customers
from customers.services.handover import customer_handover

from . import bulk, task_services
from . import my_day as selectors
from .forms import (
    BulkFollowUpForm,
    BulkHandoverForm,
    TaskCancelForm,
    TaskCompleteForm,
    TaskReassignForm,
    TaskRescheduleForm,
    TeamFilterForm,
)
from .models import ServiceTask

TEMPLATE = "service_tiers/task_action.html"


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    """/my-day/: the user's overdue, today's and this week's tasks, tier changes and birthdays."""
    day = selectors.my_day(user=request.user, today=timezone.localdate())
    return render(request, "service_tiers/my_day.html", {
        "day": day, "can_work": request.user.has_perm("service_tiers.change_servicetask"),
        # Reversed once: 500 rows × 4 links of {% url %} were a fifth of the page's time.
        "task_prefix": reverse("service_tiers:task_action", args=[0, "complete"]).removesuffix("0/complete/"),
        "customer_prefix": reverse("customers:detail", args=[0]).removesuffix("0/"),
    })


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse("service_tiers:my_day")


def _task(request: HttpRequest, pk: int) -> ServiceTask:
    task = selectors.tasks_workable(user=request.user).select_related("customer", "assignee").filter(pk=pk).first()
    if task is None:
        raise NotFound
    return task


ACTIONS = {
    "complete": (TaskCompleteForm, gettext_lazy("完成任务")),
    "reschedule": (TaskRescheduleForm, gettext_lazy("改期")),
    "cancel": (TaskCancelForm, gettext_lazy("取消任务")),
}


def _run(action: str, *, request: HttpRequest, task: ServiceTask, data: dict):
    common = {"user": request.user, "task_id": task.pk, "version": data["version"]}
    if action == "complete":
        _task_done, _contact, follow_up = task_services.task_complete(
            **common, outcome=data["outcome"], channel=data["channel"], note=data["note"],
            next_date=data["next_date"])
        return _("已完成，交往记录已写入。") + (_("已创建 %(date)s 的跟进任务。") % {"date": follow_up.due_date}
                                                if follow_up else "")
    if action == "reschedule":
        updated = task_services.task_reschedule(**common, due_date=data["due_date"], reason=data["reason"])
        return _("已改期至 %(date)s。") % {"date": updated.due_date}
    task_services.task_cancel(**common, reason=data["reason"])
    return _("任务已取消。")


@permission_required("service_tiers.change_servicetask", raise_exception=True)
@require_http_methods(["GET", "POST"])
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Complete, reschedule or cancel one task; a stale version gives a clear message and keeps the input."""
    if action not in ACTIONS:
        raise NotFound
    form_class, title = ACTIONS[action]
    task = _task(request, pk)
    partial = "#form" if request.htmx else ""
    if request.method == "GET":
        form = form_class(initial={"version": task.version, "due_date": task.due_date})
    else:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                message = _run(action, request=request, task=task, data=form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                if request.htmx:
                    task.refresh_from_db()
                    return render(request, "service_tiers/my_day.html#task_row",
                                  {"task": task, "done_message": message, "can_work": True})
                messages.success(request, message)
                return redirect(_next_url(request))
    context = {"task": task, "form": form, "action": action, "title": title, "next": _next_url(request)}
    response = render(request, TEMPLATE + partial, context)
    if request.htmx and request.method == "POST":
        # The errors replace the form, not the task's row (which a success replaces).
        response["HX-Retarget"] = f"#task-form-{task.pk}"
        response["HX-Reswap"] = "outerHTML"
    return response


def _org_head(request: HttpRequest) -> bool:
    return bool(roles.role_names(request.user) & set(roles.ORG_SCOPE_ROLES)) and request.user.org_unit_id


@login_required
def team_tasks(request: HttpRequest) -> HttpResponse:
    """/team/tasks/: a branch head's (or HQ's, auditor's) tasks of their subtree by assignee and status; with
    ``report=1`` the tasks behind a dashboard figure (month, unit, assignee, status, overdue, kind)."""
    if not _org_head(request):
        raise NotFound
    return _task_list(request, mine=False)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """/my-tasks/: the reader's own tasks, any month and status — where an RM's dashboard task figures lead."""
    return _task_list(request, mine=True)


def _task_list(request: HttpRequest, *, mine: bool) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    report = mine or bool(request.GET.get("report"))
    if mine:
        assignees, units = None, OrgUnit.objects.none()
    else:
        assignees = (selectors.report_assignees(user=user, requested=request.GET.get("assignee")) if report
                     else selectors.team_assignees(user=user))
        units = selectors.team_units(user=user)
    form = TeamFilterForm(request.GET or None, assignees=assignees, units=units)
    filters = selectors.TeamFilters(report=mine)
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = selectors.TeamFilters(
                assignee_id=data["assignee"].pk if not mine and data["assignee"] else None,
                status=data["status"], overdue_only=data["overdue"], report=report, month=data["month"],
                unit_ids=data["org"].subtree_ids if data["org"] else None, kind=data["kind"])
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors)
                           + _("（筛选条件无效，已显示全部待办任务。）"))
    if mine:
        filters.assignee_id = user.pk
    page = Paginator(selectors.team_tasks(user=user, today=today, filters=filters),
                     selectors.TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    can_reassign = not mine and user.has_perm("crm.handover_customers")
    query = request.GET.copy()
    query.pop("page", None)
    report_shown = filters.report and form.is_bound and form.is_valid()
    return render(request, "service_tiers/team_tasks.html", {
        "form": form, "page_obj": page, "today": today, "can_reassign": can_reassign, "page_query": query.urlencode(),
        "mine": mine, "report": report_shown,
        "kind_label": dict(ServiceTask.Kind.choices).get(filters.kind, ""),
        # Today's counts per assignee belong to the working list, not to a figure's drill-down.
        "counts": [] if mine or report_shown else selectors.team_counts(user=user, today=today),
        "targets": list(selectors.reassign_targets(user=user)) if can_reassign else [],
    })


@permission_required("crm.handover_customers", raise_exception=True)
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch head gives a task to another active member of staff of the subtree."""
    task = _task(request, pk)
    form = TaskReassignForm(request.POST, targets=selectors.reassign_targets(user=request.user))
    back = _next_url(request) if request.POST.get("next") else reverse("service_tiers:team_tasks")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        task_services.task_reassign(user=request.user, task_id=task.pk, version=form.cleaned_data["version"],
                                    assignee_id=form.cleaned_data["assignee"].pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("任务已转派给 %(name)s。") % {"name": form.cleaned_data["assignee"]})
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    """/customers/new/: an RM or branch head adds a customer; the welcome task lands on their My day."""
    if not may_create_customers(user=request.user):
        raise PermissionDenied
    form = CustomerCreateForm(request.POST or None, initial={"kind": Customer.Kind.INDIVIDUAL})
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            customer, _task = task_services.customer_create_with_welcome(
                by=request.user, data=form.row(), confirm_duplicate=form.cleaned_data["confirm_duplicate"])
        except DuplicateFound as exc:
            duplicates = exc.duplicates
            form.add_error("confirm_duplicate", exc.messages)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("客户 %(name)s 已新建，由您维护；欢迎任务已加入“我的一天”。") % {
                "name": customer.name})
            return redirect(customer.get_absolute_url())
    return render(request, "service_tiers/customer_create.html", {"form": form, "duplicates": duplicates})


BULK_TITLES = {
    "follow_up": gettext_lazy("批量创建跟进任务"),
    "handover": gettext_lazy("批量交接"),
    "export": gettext_lazy("导出所选客户"),
}


@login_required
@require_http_methods(["GET", "POST"])
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """/customers/bulk/: what a bulk action will do to how many customers (GET), then doing it (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    if action not in bulk.ACTIONS:
        messages.error(request, _("请选择批量操作。"))
        return redirect(reverse("customers:list"))
    if action == "handover" and not request.user.has_perm("crm.handover_customers"):
        raise PermissionDenied
    if action == "follow_up" and not request.user.has_perm("service_tiers.change_servicetask"):
        raise PermissionDenied
    selection = bulk.bulk_selection(user=request.user, data=data)
    back = f"{reverse('customers:list')}?{selection.query}"
    if selection.errors:
        for error in selection.errors:
            messages.error(request, error)
        return redirect(back)
    customers = selection.customers
    if action == "handover":
        customers = customers.filter(pk__in=org_subtree_customers(user=request.user).values("pk"))
        selection.count = customers.count()
        form = BulkHandoverForm(data if request.method == "POST" else None,
                                receivers=handover_receivers(by=request.user))
    elif action == "follow_up":
        form = BulkFollowUpForm(data if request.method == "POST" else None,
                                initial={"due_date": timezone.localdate(), "title": _("跟进")})
    else:
        form = None
    if request.method == "POST" and selection.count and (form is None or form.is_valid()):
        try:
            response = _bulk_run(request, action=action, customers=customers, selection=selection,
                                 data=form.cleaned_data if form else {})
        except (ValidationError, ExportTooLarge) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            return response
    return render(request, "service_tiers/customer_bulk.html", {
        "action": action, "title": BULK_TITLES[action], "selection": selection, "form": form, "back": back,
        "count_display": f"{selection.count:,}",
    })


def _bulk_run(request: HttpRequest, *, action: str, customers, selection, data: dict) -> HttpResponse:
    if action == "follow_up":
        created = task_services.follow_up_tasks_bulk_create(
            user=request.user, customers=customers, due_date=data["due_date"], title=data["title"],
            client_ip=request_client_ip(request))
        messages.success(request, _("已为 %(n)s 位客户创建跟进任务。") % {"n": f"{created:,}"})
        return redirect(f"{reverse('customers:list')}?{selection.query}")
    if action == "handover":
        handover = customer_handover(customers=customers, to=data["to_maintainer"], reason=data["reason"],
                                     by=request.user, client_ip=request_client_ip(request))
        messages.success(request, _("交接完成：%(count)s 位客户已交给 %(to)s。") % {
            "count": handover.customer_count, "to": handover.to_maintainer})
        return redirect(handover.get_absolute_url())
    content = customer_list_export(customers=customers, user=request.user, client_ip=request_client_ip(request),
                                   filters={"bulk": selection.scope, "count": str(selection.count)})
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="customers-selected.xlsx"'
    return response
