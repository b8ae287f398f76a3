"""Working the tasks: complete (writing the contact log), reschedule, cancel, reassign, follow-ups.

Every write carries the version the user saw: ``UPDATE … WHERE version = seen AND status = 'open'`` and a
miss raises ``TaskConflict`` naming what changed (someone completed it a moment ago), so nothing is silently
overwritten and the user's input is handed back to them. Each write appends a ``TaskEvent`` (the audit row)
in the same transaction. Callers pass tasks they read through ``my_day.tasks_workable``; the services check
again, so a URL guessed by hand changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.errors import NotFound
from crm.models import AccessLog, User
from crm.services.audit import access_log_record
from crm.sql_names import table
from customers.models import ContactLog, Customer
from customers.scoping import visible_standings
from customers.services.contact_log import contact_log_create
from customers.services.customer_create import customer_create

from .models import ServiceTask, TaskEvent
from .my_day import reassign_targets, tasks_workable

OPEN = ServiceTask.Status.OPEN
BULK_TASK_LIMIT = 50_000


class TaskConflict(ValidationError):
    """The task changed since the user loaded it (completed, cancelled, moved or rescheduled by someone)."""


def _locked(*, user: User, task_id: int, version: int) -> ServiceTask:
    """The task, row-locked, if the user may work it and it is still the version they saw."""
    task = tasks_workable(user=user).select_for_update(of=("self",)).select_related("customer", "assignee").filter(
        pk=task_id).first()
    if task is None:
        raise NotFound
    if task.version != version or task.status != OPEN:
        if task.status == ServiceTask.Status.DONE:
            raise TaskConflict(_("该任务已于 %(at)s 完成（%(by)s），您的输入未保存，请刷新后查看。") % {
                "at": timezone.localtime(task.completed_at).strftime("%Y-%m-%d %H:%M"), "by": task.assignee})
        if task.status == ServiceTask.Status.CANCELLED:
            raise TaskConflict(_("该任务已被取消，您的输入未保存，请刷新后查看。"))
        raise TaskConflict(_("该任务刚被他人修改（改期或转派），您的输入未保存，请刷新后重试。"))
    return task


def _event(*, task: ServiceTask, user: User, action: str, detail: dict) -> None:
    TaskEvent.objects.create(task=task, actor=user, action=action, detail=detail)


def _follow_up_create(*, task: ServiceTask, user: User, due_date: dt.date, today: dt.date) -> ServiceTask:
    if due_date <= today:
        raise ValidationError({"next_date": _("下次跟进日期必须晚于今天（%(today)s）。") % {"today": today}})
    return ServiceTask.objects.create(
        customer=task.customer, org_unit_id=task.customer.org_unit_id, assignee=user, kind=ServiceTask.Kind.FOLLOW_UP,
        due_date=due_date, dedupe_key=f"follow:{task.pk}", title=_("跟进：%(title)s") % {
            "title": task.title or task.get_kind_display()},
    )


@transaction.atomic
def task_complete(
    *, user: User, task_id: int, version: int, outcome: str, channel: str, note: str = "",
    next_date: dt.date | None = None, today: dt.date | None = None,
) -> tuple[ServiceTask, ContactLog, ServiceTask | None]:
    """Complete the task in one step: the task is done, the contact is logged (交往记录) and, with a next
    date, a follow-up task is created for the user. Returns (task, contact, follow-up or None)."""
    today = today or timezone.localdate()
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("请填写联系结果。")})
    if channel not in ContactLog.Channel.values:
        raise ValidationError({"channel": _("联系方式无效：%(value)s") % {"value": channel[:20]}})
    task = _locked(user=user, task_id=task_id, version=version)
    follow_up = None
    if next_date is not None:
        follow_up = _follow_up_create(task=task, user=user, due_date=next_date, today=today)
    summary = f"{task.get_kind_display()}：{outcome}" + (f"\n{note.strip()}" if note.strip() else "")
    contact = contact_log_create(
        customer=task.customer, staff=user, contacted_on=today, channel=channel, summary=summary,
        next_step=_("%(date)s 跟进") % {"date": next_date} if next_date else "",
    )
    task.status = ServiceTask.Status.DONE
    task.completed_at = timezone.now()
    task.outcome = outcome[:200]
    task.channel = channel
    task.note = note.strip()
    task.version = F("version") + 1
    task.save(update_fields=["status", "completed_at", "outcome", "channel", "note", "version", "updated_at"])
    task.refresh_from_db(fields=["version"])
    _event(task=task, user=user, action=TaskEvent.Action.COMPLETE,
           detail={"contact": contact.pk, "follow_up": follow_up.pk if follow_up else None})
    return task, contact, follow_up


@transaction.atomic
def task_reschedule(
    *, user: User, task_id: int, version: int, due_date: dt.date, reason: str, today: dt.date | None = None
) -> ServiceTask:
    """Move an open task to another day (today or later, never into the past), with a reason."""
    today = today or timezone.localdate()
    if due_date < today:
        raise ValidationError({"due_date": _("不能改期到过去的日期（今天是 %(today)s）。") % {"today": today}})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写改期原因。")})
    task = _locked(user=user, task_id=task_id, version=version)
    old = task.due_date
    task.due_date = due_date
    task.version = F("version") + 1
    task.save(update_fields=["due_date", "version", "updated_at"])
    task.refresh_from_db(fields=["version"])
    _event(task=task, user=user, action=TaskEvent.Action.RESCHEDULE,
           detail={"from": old.isoformat(), "to": due_date.isoformat(), "reason": reason.strip()})
    return task


@transaction.atomic
def task_cancel(*, user: User, task_id: int, version: int, reason: str) -> ServiceTask:
    """Cancel an open task with a reason (kept in the task's note and the audit row)."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因。")})
    task = _locked(user=user, task_id=task_id, version=version)
    task.status = ServiceTask.Status.CANCELLED
    task.note = reason.strip()
    task.version = F("version") + 1
    task.save(update_fields=["status", "note", "version", "updated_at"])
    task.refresh_from_db(fields=["version"])
    _event(task=task, user=user, action=TaskEvent.Action.CANCEL, detail={"reason": reason.strip()})
    return task


@transaction.atomic
def task_reassign(*, user: User, task_id: int, version: int, assignee_id: int) -> ServiceTask:
    """A branch head gives an open task of their subtree to another active member of staff of that subtree."""
    if not user.has_perm("crm.handover_customers"):
        raise PermissionDenied
    target = reassign_targets(user=user).filter(pk=assignee_id).first()
    if target is None:
        raise ValidationError({"assignee": _("只能转派给本机构（含下级）在职的客户经理、理财经理或网点主任。")})
    task = _locked(user=user, task_id=task_id, version=version)
    if not task.org_unit.path.startswith(user.org_unit.path):
        raise NotFound
    # The new assignee must be able to open the customer, or the task would vanish from their My day.
    if not visible_standings(user=target).filter(customer_id=task.customer_id).exists():
        raise ValidationError({"assignee": _("%(name)s 看不到该客户（不是其维护人或协同维护人），请先交接客户或授予权限。")
                               % {"name": target}})
    old = task.assignee_id
    task.assignee = target
    task.version = F("version") + 1
    task.save(update_fields=["assignee", "version", "updated_at"])
    task.refresh_from_db(fields=["version"])
    _event(task=task, user=user, action=TaskEvent.Action.REASSIGN, detail={"from": old, "to": target.pk})
    return task


@transaction.atomic
def follow_up_tasks_bulk_create(
    *, user: User, customers: QuerySet[Customer], due_date: dt.date, title: str,
    client_ip: str | None = None, today: dt.date | None = None,
) -> int:
    """One follow-up task per selected customer, assigned to the user, in one INSERT … SELECT.

    ``customers`` is the user's scoped selection (``visible_customers`` filtered); a bulk action is logged in
    the access log with its count. Returns how many tasks were created.
    """
    today = today or timezone.localdate()
    if not user.has_perm("service_tiers.change_servicetask"):
        raise PermissionDenied
    if due_date < today:
        raise ValidationError({"due_date": _("跟进日期不能早于今天（%(today)s）。") % {"today": today}})
    title = title.strip()[:200] or _("跟进")
    ids = customers.order_by().values("pk")
    sql, params = ids.query.sql_with_params()
    batch = uuid.uuid4().hex[:12]
    with connection.cursor() as cursor:
        # Only the ORM's own compiled SQL is formatted in; every value is a parameter.
        cursor.execute(
            f"""
            INSERT INTO {table(ServiceTask)} (created_at, updated_at, customer_id, org_unit_id, assignee_id,
                kind, due_date, status, dedupe_key, title, script, outcome, channel, note, version)
            SELECT %s, %s, c.id, c.org_unit_id, %s, %s, %s, 'open', %s, %s, '', '', '', '', 1
            FROM {table(Customer)} c WHERE c.id IN ({sql})
            ON CONFLICT (customer_id, kind, dedupe_key) DO NOTHING
            """,  # noqa: S608
            [timezone.now(), timezone.now(), user.pk, ServiceTask.Kind.FOLLOW_UP, due_date, f"bulk:{batch}", title,
             *params],
        )
        created = cursor.rowcount
    access_log_record(user=user, action=AccessLog.Action.BULK, target=_("批量创建跟进任务"), client_ip=client_ip,
                      detail={"action": "follow_up_tasks", "count": created, "due_date": due_date.isoformat(),
                              "batch": batch})
    return created


@transaction.atomic
def customer_create_with_welcome(
    *, by: User, data: dict, today: dt.date | None = None, confirm_duplicate: bool = False
) -> tuple[Customer, ServiceTask]:
    """A customer added in the browser (customers' own service, the importer's checks) and, in the same
    transaction, the creator's welcome task (新客户欢迎) due today. Returns (customer, task)."""
    today = today or timezone.localdate()
    customer = customer_create(by=by, data=data, today=today, confirm_duplicate=confirm_duplicate)
    task = ServiceTask.objects.create(
        customer=customer, org_unit_id=customer.org_unit_id, assignee=by, kind=ServiceTask.Kind.NEW_CUSTOMER,
        due_date=today, dedupe_key=f"new:{customer.customer_no}"[:64],
        title=_("欢迎新客户 %(name)s") % {"name": customer.name},
    )
    return customer, task
