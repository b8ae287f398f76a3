"""Completing, rescheduling, cancelling and reassigning tasks: versions, past dates, scope, audit rows."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from crm.errors import NotFound
from crm.models import AccessLog
from customers.models import ContactLog
from customers.scoping import visible_customers
from service_tiers import task_services
from service_tiers.models import ServiceTask, TaskEvent
from tests.factories import CustomerFactory
from tests.service_tiers.factories import ServiceTaskFactory

TODAY = dt.date(2026, 11, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def task(org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, name="韩梅梅")
    return ServiceTaskFactory(customer=customer, kind=ServiceTask.Kind.BIRTHDAY, due_date=TODAY)


def test_complete_writes_contact_log_follow_up_and_audit(task, rm_a1):
    done, contact, follow_up = task_services.task_complete(
        user=rm_a1, task_id=task.pk, version=1, outcome="已致电祝福", channel="phone", note="客户很高兴",
        next_date=TODAY + dt.timedelta(days=7))
    assert done.status == ServiceTask.Status.DONE and done.version == 2 and done.completed_at
    assert contact.customer_id == task.customer_id and contact.staff == rm_a1 and contact.contacted_on == TODAY
    assert "生日问候：已致电祝福" in contact.summary and "客户很高兴" in contact.summary
    assert follow_up.kind == ServiceTask.Kind.FOLLOW_UP and follow_up.due_date == TODAY + dt.timedelta(days=7)
    assert follow_up.assignee == rm_a1 and follow_up.status == ServiceTask.Status.OPEN
    event = TaskEvent.objects.get(task=task)
    assert event.action == "complete" and event.actor == rm_a1 and event.detail["contact"] == contact.pk


def test_complete_with_stale_version_is_refused_and_writes_nothing(task, rm_a1, head_a):
    task_services.task_complete(user=head_a, task_id=task.pk, version=1, outcome="主任已联系", channel="visit")
    with pytest.raises(task_services.TaskConflict, match="已于 2026-11-30"):
        task_services.task_complete(user=rm_a1, task_id=task.pk, version=1, outcome="我也联系了", channel="phone")
    assert ContactLog.objects.filter(customer=task.customer).count() == 1
    task.refresh_from_db()
    assert task.outcome == "主任已联系" and task.version == 2


def test_reschedule_after_a_reschedule_is_a_conflict(task, rm_a1):
    task_services.task_reschedule(user=rm_a1, task_id=task.pk, version=1, due_date=TODAY, reason="客户出差")
    with pytest.raises(task_services.TaskConflict, match="刚被他人修改"):
        task_services.task_cancel(user=rm_a1, task_id=task.pk, version=1, reason="重复")


def test_reschedule_into_the_past_is_refused(task, rm_a1):
    with pytest.raises(ValidationError) as exc:
        task_services.task_reschedule(user=rm_a1, task_id=task.pk, version=1,
                                      due_date=TODAY - dt.timedelta(days=1), reason="x")
    assert "不能改期到过去" in str(exc.value)
    updated = task_services.task_reschedule(user=rm_a1, task_id=task.pk, version=1, due_date=TODAY, reason="今天再打")
    assert updated.due_date == TODAY and updated.version == 2
    assert TaskEvent.objects.get(task=task).detail == {"from": "2026-11-30", "to": "2026-11-30", "reason": "今天再打"}


def test_follow_up_date_must_be_after_today_and_nothing_is_written(task, rm_a1):
    with pytest.raises(ValidationError, match="下次跟进日期必须晚于今天"):
        task_services.task_complete(user=rm_a1, task_id=task.pk, version=1, outcome="ok", channel="phone",
                                    next_date=TODAY)
    task.refresh_from_db()
    assert task.status == ServiceTask.Status.OPEN and not ContactLog.objects.exists()


def test_bad_outcome_and_channel(task, rm_a1):
    with pytest.raises(ValidationError, match="请填写联系结果"):
        task_services.task_complete(user=rm_a1, task_id=task.pk, version=1, outcome="  ", channel="phone")
    with pytest.raises(ValidationError, match="联系方式无效"):
        task_services.task_complete(user=rm_a1, task_id=task.pk, version=1, outcome="ok", channel="pigeon")


def test_cancel_needs_a_reason(task, rm_a1):
    with pytest.raises(ValidationError, match="请填写取消原因"):
        task_services.task_cancel(user=rm_a1, task_id=task.pk, version=1, reason="")
    cancelled = task_services.task_cancel(user=rm_a1, task_id=task.pk, version=1, reason="客户已销户")
    assert cancelled.status == ServiceTask.Status.CANCELLED and cancelled.note == "客户已销户"


def test_other_rm_and_out_of_scope_head_cannot_touch_the_task(task, rm_a2, head_b, wm_a, hq_user):
    task.customer.co_maintainers.add(wm_a)  # a co-maintainer sees the customer, not the RM's task
    for user in (rm_a2, head_b, wm_a):
        with pytest.raises(NotFound):
            task_services.task_complete(user=user, task_id=task.pk, version=1, outcome="x", channel="phone")
    with pytest.raises(NotFound):  # HQ reads tasks but may not change them
        task_services.task_cancel(user=hq_user, task_id=task.pk, version=1, reason="x")


def test_reassign_only_to_active_staff_of_the_subtree(task, head_a, rm_a2, rm_b1, rm_a1):
    with pytest.raises(ValidationError, match="只能转派给本机构"):
        task_services.task_reassign(user=head_a, task_id=task.pk, version=1, assignee_id=rm_b1.pk)
    rm_a2.is_active = False
    rm_a2.save()
    with pytest.raises(ValidationError):
        task_services.task_reassign(user=head_a, task_id=task.pk, version=1, assignee_id=rm_a2.pk)
    with pytest.raises(PermissionDenied):
        task_services.task_reassign(user=rm_a1, task_id=task.pk, version=1, assignee_id=rm_a1.pk)
    moved = task_services.task_reassign(user=head_a, task_id=task.pk, version=1, assignee_id=head_a.pk)
    assert moved.assignee == head_a and moved.version == 2
    assert TaskEvent.objects.get(task=task, action="reassign").detail == {"from": rm_a1.pk, "to": head_a.pk}


def test_bulk_follow_up_tasks_are_one_per_scoped_customer_and_logged(org_tree, rm_a1, rm_b1):
    mine = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1) for _ in range(3)]
    CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    created = task_services.follow_up_tasks_bulk_create(
        user=rm_a1, customers=visible_customers(user=rm_a1), due_date=TODAY, title="年末回访")
    assert created == 3
    assert set(ServiceTask.objects.values_list("customer_id", flat=True)) == {c.pk for c in mine}
    log = AccessLog.objects.get(action=AccessLog.Action.BULK)
    assert log.user == rm_a1 and log.detail["count"] == 3
    with pytest.raises(ValidationError, match="不能早于今天"):
        task_services.follow_up_tasks_bulk_create(user=rm_a1, customers=visible_customers(user=rm_a1),
                                                  due_date=TODAY - dt.timedelta(days=1), title="x")


@pytest.mark.django_db(transaction=True)
def test_two_connections_completing_at_once_one_wins(org_tree, rm_a1, head_a):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    task = ServiceTaskFactory(customer=customer, due_date=TODAY)
    barrier = threading.Barrier(2)
    results = {}

    def work(user, label):
        try:
            barrier.wait(timeout=10)
            task_services.task_complete(user=user, task_id=task.pk, version=1, outcome=label, channel="phone")
            results[label] = "ok"
        except task_services.TaskConflict:
            results[label] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(rm_a1, "rm")), threading.Thread(target=work, args=(head_a, "head"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["conflict", "ok"]
    assert ContactLog.objects.filter(customer=customer).count() == 1
    task.refresh_from_db()
    assert task.version == 2 and task.outcome == next(k for k, v in results.items() if v == "ok")
