"""The 360 page's 客户权益 / open-tasks panel, and call scripts rendered without template injection."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from service_tiers.models import CallScript, ServiceTask
from service_tiers.scripts import script_render
from tests.factories import CustomerFactory


def test_360_page_shows_entitlements_standard_and_open_tasks(client, org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, name="钱多多", asset_tier="diamond",
                               value_segment="vip", maintenance_band="wealth_centre")
    ServiceTask.objects.create(customer=customer, org_unit=customer.org_unit, assignee=rm_a1,
                               kind=ServiceTask.Kind.BIRTHDAY, due_date=dt.date(2026, 11, 25), dedupe_key="birthday:2026",
                               title="生日问候", script=CallScript.objects.get(kind="birthday").body)
    ServiceTask.objects.create(customer=customer, org_unit=customer.org_unit, assignee=rm_a1,
                               kind=ServiceTask.Kind.FOLLOW_UP, due_date=dt.date(2026, 11, 1), dedupe_key="x",
                               status="done", completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), title="已办")
    client.force_login(rm_a1)
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    panel = page[page.index('id="service"'):]
    assert "客户权益" in panel and "贵宾厅服务" in panel and "专属理财经理" in panel  # diamond
    assert "生日礼遇" in panel  # vip segment
    assert "VIP柜台" not in panel  # platinum/gold only
    assert "专属柜台" in panel and "每 1 个月至少一次" in panel
    assert "生日问候" in panel and "钱多多您好" in panel and "已办" not in panel


def test_360_panel_for_a_customer_without_tiers(client, org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    client.force_login(rm_a1)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "该客户当前等级暂无专属权益" in page and "暂无待办任务" in page


def test_script_placeholders_are_a_whitelist_and_template_syntax_stays_text():
    text = script_render(template="$customer_name {{ settings.SECRET_KEY }} {% debug %} $unknown ${rm_name} $$",
                         customer_name="<b>张三</b>", product="卡", rm_name="李四")
    assert "&lt;b&gt;张三&lt;/b&gt;" in text and "<b>" not in text
    assert "{{ settings.SECRET_KEY }}" in text and "{% debug %}" in text
    assert "$unknown" in text and "李四" in text


@settings(max_examples=200, deadline=None)
@given(template=st.text(max_size=200), name=st.text(max_size=30), product=st.text(max_size=20),
       rm=st.text(max_size=20))
def test_any_admin_text_renders_without_error_and_without_raw_markup(template, name, product, rm):
    text = script_render(template=template, customer_name=name, product=product, rm_name=rm)
    assert "<" not in text and ">" not in text
    assert '"' not in text and "'" not in text
