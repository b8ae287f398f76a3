"""My day and the team's task page: contents, scope by URL, htmx and plain-form actions, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from customers.models import ContactLog
from segmentation.models import MonthClose, TierChange
from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory
from tests.service_tiers.factories import ServiceTaskFactory

TODAY = dt.date(2026, 11, 25)  # a Wednesday: the week ends on Sunday 29th
pytestmark = pytest.mark.django_db
MY_DAY = reverse("service_tiers:my_day")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def _customer(org_tree, rm, **kw):
    return CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm, mobile="13812345678", **kw)


def test_home_sends_an_rm_to_my_day(client, rm_a1):
    client.force_login(rm_a1)
    assert client.get("/").url == MY_DAY


def test_my_day_sections_badges_masking_script_last_contact(client, org_tree, rm_a1, rm_a2):
    c = _customer(org_tree, rm_a1, name="韩梅梅", asset_tier="gold", birth_date=dt.date(1980, 11, 28))
    ContactLog.objects.create(customer=c, staff=rm_a1, contacted_on=dt.date(2026, 10, 3), channel="phone", summary="s")
    ServiceTaskFactory(customer=c, due_date=TODAY - dt.timedelta(days=2), kind="periodic_contact", title="逾期联系")
    ServiceTaskFactory(customer=c, due_date=TODAY, kind="birthday", script="您好 $customer_name，生日快乐",
                       dedupe_key="birthday:2026")
    ServiceTaskFactory(customer=c, due_date=dt.date(2026, 11, 29), kind="holiday", title="本周节日")
    ServiceTaskFactory(customer=c, due_date=dt.date(2026, 11, 30), kind="dormant", title="下周的任务")
    other = _customer(org_tree, rm_a2, name="别人的客户")
    ServiceTaskFactory(customer=other, due_date=TODAY, title="别人的任务")
    TierChange.objects.create(customer=c, month=dt.date(2026, 11, 1), field="asset_tier", from_value="regular",
                              to_value="gold", direction="up")
    TierChange.objects.create(customer=c, month=dt.date(2026, 11, 1), field="value_segment", from_value="mass",
                              to_value="vip", direction="up")
    client.force_login(rm_a1)
    html = client.get(MY_DAY).content.decode()
    overdue, today, week = html.index('id="section-overdue"'), html.index('id="section-today"'), html.index(
        'id="section-week"')
    assert overdue < html.index("逾期联系") < today < html.index("生日问候") < week < html.index("本周节日")
    assert "下周的任务" not in html and "别人的任务" not in html and "别人的客户" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert "您好 韩梅梅，生日快乐" in html and "2026-10-03" in html
    assert "tier-badge tier-gold" in html
    tier_panel = html[html.index('id="tier-changes"'):html.index('id="birthdays"')]
    assert "韩梅梅" in tier_panel and "升级" in tier_panel
    assert "资产等级" in tier_panel and "普通 → </span>金卡" in tier_panel  # labels, not codes
    assert tier_panel.count("韩梅梅") == 1 and "大众 → </span>贵宾" in tier_panel  # one line per customer
    assert "11-28" in html[html.index('id="birthdays"'):]


def test_my_day_queries_are_constant(client, org_tree, rm_a1, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            c = _customer(org_tree, rm_a1, birth_date=dt.date(1970, 11, 26))
            ServiceTaskFactory(customer=c, due_date=TODAY - dt.timedelta(days=i % 5), script="$customer_name 您好")
            ContactLog.objects.create(customer=c, staff=rm_a1, contacted_on=TODAY, channel="phone", summary="s")

    client.force_login(rm_a1)
    add(3)
    with django_assert_max_num_queries(14) as small:
        assert client.get(MY_DAY).status_code == 200
    add(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(MY_DAY).status_code == 200


def test_complete_without_javascript_then_stale_form_keeps_input(client, org_tree, rm_a1, head_a):
    c = _customer(org_tree, rm_a1)
    task = ServiceTaskFactory(customer=c, due_date=TODAY, kind="birthday")
    url = reverse("service_tiers:task_action", args=[task.pk, "complete"])
    client.force_login(rm_a1)
    form = client.get(url)
    assert 'name="version" value="1"' in form.content.decode()
    data = {"version": 1, "outcome": "已致电", "channel": "phone", "note": "", "next_date": "2026-12-02"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == MY_DAY
    assert ContactLog.objects.get(customer=c).summary.startswith("生日问候：已致电")
    assert ServiceTask.objects.get(customer=c, kind="follow_up").due_date == dt.date(2026, 12, 2)
    # The head had the same form open (version 1): a clear message, their input is still in the form.
    client.force_login(head_a)
    stale = client.post(url, {**data, "outcome": "主任的记录"})
    html = stale.content.decode()
    assert stale.status_code == 200 and "该任务已于 2026-11-25" in html and "主任的记录" in html
    assert ContactLog.objects.filter(customer=c).count() == 1


def test_stale_form_message_and_input_kept(client, org_tree, rm_a1, head_a):
    c = _customer(org_tree, rm_a1)
    task = ServiceTaskFactory(customer=c, due_date=TODAY)
    url = reverse("service_tiers:task_action", args=[task.pk, "reschedule"])
    client.force_login(head_a)
    assert client.post(url, {"version": 1, "due_date": "2026-11-27", "reason": "主任改期"}).status_code == 302
    client.force_login(rm_a1)
    response = client.post(url, {"version": 1, "due_date": "2026-11-28", "reason": "我的改期理由"})
    html = response.content.decode()
    assert response.status_code == 200 and "刚被他人修改" in html and "我的改期理由" in html
    task.refresh_from_db()
    assert task.due_date == dt.date(2026, 11, 27)


def test_bad_input_is_a_chinese_message_not_a_500(client, org_tree, rm_a1):
    task = ServiceTaskFactory(customer=_customer(org_tree, rm_a1), due_date=TODAY)
    url = reverse("service_tiers:task_action", args=[task.pk, "reschedule"])
    client.force_login(rm_a1)
    past = client.post(url, {"version": 1, "due_date": "2026-11-24", "reason": "x"})
    assert past.status_code == 200 and "不能改期到过去的日期" in past.content.decode()
    junk = client.post(url, {"version": "abc", "due_date": "2026-13-45", "reason": ""})
    assert junk.status_code == 200
    assert client.get(reverse("service_tiers:task_action", args=[task.pk, "explode"])).status_code == 404
    task.refresh_from_db()
    assert task.due_date == TODAY and task.version == 1


def test_htmx_complete_returns_the_row(client, org_tree, rm_a1):
    task = ServiceTaskFactory(customer=_customer(org_tree, rm_a1, name="李雷"), due_date=TODAY)
    url = reverse("service_tiers:task_action", args=[task.pk, "complete"])
    client.force_login(rm_a1)
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert form.lstrip().startswith("<form") and "<html" not in form
    bad = client.post(url, {"version": 1, "outcome": "", "channel": "phone"}, headers={"HX-Request": "true"})
    assert bad["HX-Retarget"] == f"#task-form-{task.pk}"
    row = client.post(url, {"version": 1, "outcome": "好", "channel": "phone"}, headers={"HX-Request": "true"})
    body = row.content.decode()
    assert f'id="task-{task.pk}"' in body and "已完成" in body and "<html" not in body


def test_an_rm_never_reaches_another_rms_task_by_url(client, org_tree, rm_a1, rm_a2):
    task = ServiceTaskFactory(customer=_customer(org_tree, rm_a2), due_date=TODAY)
    client.force_login(rm_a1)
    for action in ("complete", "reschedule", "cancel"):
        url = reverse("service_tiers:task_action", args=[task.pk, action])
        assert client.get(url).status_code == 404
        assert client.post(url, {"version": 1, "outcome": "x", "channel": "phone", "reason": "x"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_team_page_counts_filters_and_reassign(client, org_tree, rm_a1, rm_a2, head_a, head_b, rm_b1):
    c1, c2 = _customer(org_tree, rm_a1, name="甲"), _customer(org_tree, rm_a2, name="乙")
    late = ServiceTaskFactory(customer=c1, due_date=TODAY - dt.timedelta(days=3))
    ServiceTaskFactory(customer=c2, due_date=TODAY + dt.timedelta(days=1))
    far = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1, name="外行客户")
    ServiceTaskFactory(customer=far, due_date=TODAY)
    url = reverse("service_tiers:team_tasks")
    client.force_login(head_a)
    html = client.get(url).content.decode()
    assert "甲" in html and "乙" in html and "外行客户" not in html
    counts = html[html.index('id="team-counts"'):html.index('id="team-filter"')]
    assert "rm_a1" in counts and "text-danger" in counts
    only_late = client.get(url, {"assignee": rm_a1.pk, "overdue": "on", "status": "open"}).content.decode()
    table = only_late[only_late.index('id="team-tasks"'):]
    assert "甲" in table and "乙" not in table
    assert "筛选条件无效" in client.get(url, {"assignee": "abc"}, follow=True).content.decode()
    reassign = reverse("service_tiers:task_reassign", args=[late.pk])
    assert client.post(reassign, {"version": 1, "assignee": rm_b1.pk}).status_code == 302
    late.refresh_from_db()
    assert late.assignee == rm_a1
    refused = client.post(reassign, {"version": 1, "assignee": rm_a2.pk}, follow=True).content.decode()
    assert "看不到该客户" in refused  # rm_a2 could not open 甲: the task would vanish
    c1.co_maintainers.add(rm_a2)
    client.post(reassign, {"version": 1, "assignee": rm_a2.pk})
    late.refresh_from_db()
    assert late.assignee == rm_a2 and late.version == 2
    client.force_login(rm_a2)
    assert f'id="task-{late.pk}"' in client.get(reverse("service_tiers:my_day")).content.decode()
    client.force_login(head_a)
    client.force_login(rm_a1)
    assert client.get(url).status_code == 404


def test_team_page_queries_are_constant(client, org_tree, rm_a1, head_a, django_assert_max_num_queries):
    client.force_login(head_a)
    for _ in range(3):
        ServiceTaskFactory(customer=_customer(org_tree, rm_a1), due_date=TODAY)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("service_tiers:team_tasks"))
    for _ in range(30):
        ServiceTaskFactory(customer=_customer(org_tree, rm_a1), due_date=TODAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("service_tiers:team_tasks"))


def test_my_day_shows_the_latest_close_s_tier_changes_not_the_calendar_month_s(client, org_tree, rm_a1):
    # given: October was closed (the close happens in November), with one upgrade of the RM's customer
    c = _customer(org_tree, rm_a1, name="李雷")
    MonthClose.objects.create(month=dt.date(2026, 10, 1), state=MonthClose.State.CLOSED)
    TierChange.objects.create(customer=c, month=dt.date(2026, 10, 1), field="asset_tier", from_value="regular",
                              to_value="gold", direction="up")
    client.force_login(rm_a1)
    # when: the RM opens My day in November
    html = client.get(MY_DAY).content.decode()
    # then: October's upgrade is there, labelled with its month
    tier_panel = html[html.index('id="tier-changes"'):html.index('id="birthdays"')]
    assert "李雷" in tier_panel and "2026-10" in tier_panel
