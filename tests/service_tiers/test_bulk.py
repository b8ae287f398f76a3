"""Bulk actions on the customer list: confirm page with the count, then follow-ups, handover or export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import AccessLog
from customers.models import Customer
from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory
from tests.service_tiers.factories import ServiceTaskFactory

URL = reverse("service_tiers:customer_bulk")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def book(org_tree, rm_a1, rm_b1):
    mine = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, name=f"甲{i}") for i in range(5)]
    theirs = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1, name="外")
    return mine, theirs


def test_list_has_checkboxes_and_bulk_form(client, rm_a1, book):
    client.force_login(rm_a1)
    html = client.get(reverse("customers:list")).content.decode()
    assert 'id="bulk-form"' in html and f'name="ids" value="{book[0][0].pk}" form="bulk-form"' in html


def test_follow_up_for_ticked_customers_confirm_then_create(client, rm_a1, book):
    mine, theirs = book
    client.force_login(rm_a1)
    params = {"action": "follow_up", "scope": "ids", "ids": [mine[0].pk, mine[1].pk, theirs.pk], "query": ""}
    confirm = client.get(URL, params).content.decode()
    assert "将为 2 位客户各创建一项跟进任务" in confirm and not ServiceTask.objects.exists()
    done = client.post(URL, {**params, "due_date": "2026-11-27", "title": "年末回访"})
    assert done.status_code == 302
    assert set(ServiceTask.objects.values_list("customer_id", flat=True)) == {mine[0].pk, mine[1].pk}
    assert AccessLog.objects.get(action="bulk").detail["count"] == 2


def test_follow_up_for_all_matching_the_filter(client, rm_a1, book):
    client.force_login(rm_a1)
    params = {"action": "follow_up", "scope": "filter", "query": "q=%E7%94%B2"}  # q=甲
    assert "将为 5 位客户" in client.get(URL, params).content.decode()
    client.post(URL, {**params, "due_date": "2026-11-25", "title": "回访"})
    assert ServiceTask.objects.count() == 5
    past = client.post(URL, {**params, "due_date": "2026-11-24", "title": "回访"}, follow=True).content.decode()
    assert "不能早于今天" in past and ServiceTask.objects.count() == 5


def test_bad_selection_is_a_message(client, rm_a1, book):
    client.force_login(rm_a1)
    for params in ({"action": "follow_up", "scope": "ids"}, {"action": "follow_up", "ids": ["x'1"]},
                   {"action": "nuke"}):
        response = client.get(URL, params, follow=True)
        assert response.status_code == 200 and ("请先勾选客户" in response.content.decode()
                                                or "客户选择无效" in response.content.decode()
                                                or "请选择批量操作" in response.content.decode())


def test_head_bulk_handover_moves_customers_and_open_tasks(client, head_a, rm_a1, rm_a2, book):
    mine, theirs = book
    task = ServiceTaskFactory(customer=mine[0], due_date=dt.date(2026, 11, 26))
    client.force_login(head_a)
    params = {"action": "handover", "scope": "ids", "ids": [mine[0].pk, mine[1].pk, theirs.pk], "query": ""}
    assert "将把 2 位客户" in client.get(URL, params).content.decode()
    response = client.post(URL, {**params, "to_maintainer": rm_a2.pk, "reason": "调岗"})
    assert response.status_code == 302
    assert set(Customer.objects.filter(maintainer=rm_a2).values_list("pk", flat=True)) == {mine[0].pk, mine[1].pk}
    task.refresh_from_db()
    assert task.assignee == rm_a2
    assert AccessLog.objects.filter(action="handover").exists()


def test_rm_may_not_bulk_handover(client, rm_a1, book):
    client.force_login(rm_a1)
    assert client.get(URL, {"action": "handover", "scope": "filter"}).status_code == 403


def test_export_just_the_selection(client, rm_a1, book):
    mine, _theirs = book
    client.force_login(rm_a1)
    params = {"action": "export", "scope": "ids", "ids": [mine[2].pk], "query": ""}
    assert "将导出 1 位客户" in client.get(URL, params).content.decode()
    response = client.post(URL, params)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and mine[2].customer_no in rows[1]
    assert AccessLog.objects.filter(action="export").exists()
