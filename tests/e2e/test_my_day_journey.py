"""An RM lands on My day, completes a birthday task in place (htmx) and finds it in the contact history;
the branch head's follow-up rate on the compliance page moves."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm import roles
from customers.models import ContactLog
from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory, OrgUnitFactory, UserFactory
from tests.service_tiers.factories import ServiceTaskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"


@pytest.fixture
def outlet(transactional_db):
    hq = OrgUnitFactory(code="HQ", name="总行", level="hq")
    branch = OrgUnitFactory(code="BR1", name="第一分行", level="branch", parent=hq)
    unit = OrgUnitFactory(code="OUT-A", name="网点A", level="outlet", parent=branch)
    head = UserFactory(username="head_a", last_name="赵", first_name="主任", org_unit=unit, roles=[roles.BRANCH_HEAD])
    rm = UserFactory(username="rm_a1", last_name="钱", first_name="经理", org_unit=unit,
                     roles=[roles.RELATIONSHIP_MANAGER])
    today = timezone.localdate()
    birthday = CustomerFactory(customer_no="C000000201", name="韩梅梅", org_unit=unit, maintainer=rm,
                               mobile="13812345678", birth_date=today.replace(year=1985), asset_tier="gold",
                               maintenance_band="wealth")
    other = CustomerFactory(customer_no="C000000202", name="李雷", org_unit=unit, maintainer=rm,
                            maintenance_band="wealth")
    task = ServiceTaskFactory(customer=birthday, assignee=rm, kind=ServiceTask.Kind.BIRTHDAY, due_date=today,
                              dedupe_key=f"birthday:{today.year}", script="$customer_name 您好，祝您生日快乐！")
    ServiceTaskFactory(customer=other, assignee=rm, due_date=today, title="定期联系")
    return {"head": head, "rm": rm, "birthday": birthday, "task": task}


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _rate(page, live_server) -> str:
    page.goto(f"{live_server.url}/compliance/")
    return page.locator(".compliance-total .rate").inner_text()


def test_rm_completes_a_birthday_task_and_the_heads_rate_moves(browser, page, live_server, outlet, screenshot):
    head_context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    head_page = head_context.new_page()
    _login(head_page, live_server, "head_a")
    assert _rate(head_page, live_server) == "0.00%"

    # an RM signs in and lands on My day
    _login(page, live_server, "rm_a1")
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    row = page.locator(f"#task-{outlet['task'].pk}")
    expect(row).to_contain_text("韩梅梅")
    expect(row).to_contain_text("138****5678")
    expect(page.locator("#birthdays")).to_contain_text("韩梅梅")
    screenshot(page, "my_day")

    # they complete the birthday task in place (htmx): outcome, channel, note
    row.get_by_role("link", name="完成").click()
    form = page.locator(f"#task-form-{outlet['task'].pk}")
    form.locator("[name=outcome]").fill("已电话祝福，客户表示感谢")
    form.locator("[name=channel]").select_option("phone")
    form.locator("[name=note]").fill("下月有理财到期")
    form.get_by_role("button", name="完成任务").click()
    expect(row).to_contain_text("已完成，交往记录已写入")
    assert page.url.endswith("/my-day/")  # no page load: the row was swapped
    assert page.js_errors == []

    # the contact is in the customer's history
    page.goto(f"{live_server.url}{outlet['birthday'].get_absolute_url()}")
    expect(page.locator("body")).to_contain_text("生日问候：已电话祝福，客户表示感谢")
    assert ContactLog.objects.filter(customer=outlet["birthday"], staff=outlet["rm"]).count() == 1

    # the branch head's follow-up rate moved from 0 to half of the programme
    assert _rate(head_page, live_server) == "50.00%"
    head_page.goto(f"{live_server.url}/team/tasks/?status=")
    expect(head_page.locator("#team-tasks")).to_contain_text("已完成")
    screenshot(head_page, "team_tasks")
    head_context.close()
