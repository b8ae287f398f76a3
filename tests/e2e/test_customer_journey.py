"""A relationship manager's day: log in, find a customer, open the 360 page, edit, log a contact."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from crm import roles
from customers.models import AccountType, ContactLog, Customer
from customers.validators import resident_id_check_digit
from tests.customers.factories import ContactLogFactory, CustomerMonthFactory
from tests.factories import AccountFactory, CustomerFactory, OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"
ID_17 = "11010119900101123"


@pytest.fixture
def bank(transactional_db):
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    hq = OrgUnitFactory(code="HQ", name="总行", level="hq")
    branch = OrgUnitFactory(code="BR1", name="第一分行", level="branch", parent=hq)
    outlet = OrgUnitFactory(code="OUT-A", name="网点A", level="outlet", parent=branch)
    rm = UserFactory(username="rm_a1", last_name="王", first_name="经理", org_unit=outlet,
                     roles=[roles.RELATIONSHIP_MANAGER])
    customer = CustomerFactory(
        name="张三丰", customer_no="K000000777", org_unit=outlet, maintainer=rm, origin_maintainer=rm,
        id_type=Customer.IdType.RESIDENT_ID, id_number=ID_17 + resident_id_check_digit(ID_17),
        mobile="13812345678", birth_date=datetime.date(1990, 1, 1), aum=Decimal("1523000.00"),
        asset_tier="platinum", value_segment="vip", maintenance_band="wealth",
        profit_score=Decimal("72.50"), stability_score=Decimal("66.00"), since=datetime.date(2015, 6, 1),
    )
    for n, name in enumerate(["李四", "王五", "赵六", "孙七", "周八"]):
        CustomerFactory(name=name, org_unit=outlet, maintainer=rm, aum=Decimal(50000 * (n + 1)),
                        mobile=f"1390000{n:04d}", asset_tier="regular", value_segment="mass")
    AccountFactory(customer=customer, account_type=AccountType.DEMAND, balance=Decimal("23000.00"),
                   annual_rate=Decimal("0.2000"), last_txn_date=datetime.date(2025, 5, 30))
    AccountFactory(customer=customer, account_type=AccountType.TIME, balance=Decimal("1000000.00"),
                   annual_rate=Decimal("1.7500"))
    AccountFactory(customer=customer, account_type=AccountType.WEALTH, balance=Decimal("500000.00"))
    for n in range(12):
        CustomerMonthFactory(customer=customer, month=datetime.date(2024 + (n + 5) // 12, (n + 5) % 12 + 1, 1),
                             aum_avg=Decimal(1_200_000 + 30_000 * n), aum_end=Decimal(1_210_000 + 28_000 * n))
    ContactLogFactory(customer=customer, staff=rm, contacted_on=datetime.date(2025, 5, 1), summary="电话问候，客户关注定期利率")
    return {"rm": rm, "customer": customer}


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_rm_finds_edits_and_logs_a_contact(page, live_server, bank, screenshot):
    customer = bank["customer"]
    log_in(page, live_server, "rm_a1", PASSWORD)
    page.wait_for_url(re.compile(r"/my-day/$"))  # an RM starts on My day (crm.home)
    page.goto(f"{live_server.url}/customers/")
    assert page.locator(".customer-name").count() == 6
    screenshot(page, "list")

    # search by part of the name (htmx swaps the results; the address bar follows)
    page.fill("input[name=q]", "三丰")
    page.press("input[name=q]", "Enter")
    expect(page.locator(".customer-name")).to_have_count(1)
    assert page.locator(".customer-name").inner_text() == "张三丰"
    assert "q=%E4%B8%89%E4%B8%B0" in page.url
    assert "138****5678" in page.locator("#results").inner_text()

    # open the 360 page: masked data, accounts, a drawn chart (static files served), the contact log
    page.click("text=张三丰")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    body = page.locator("main").inner_text()
    assert "138****5678" in body and "13812345678" not in body
    assert "1,000,000.00" in body
    assert page.evaluate("() => Boolean(window.Chart && Chart.getChart(document.getElementById('aum-chart')))")
    screenshot(page, "detail")

    # edit the mobile
    page.click("text=编辑资料")
    page.wait_for_url(re.compile(r"/edit/$"))
    page.fill("#id_mobile", "12345")
    page.click("input[type=submit][name=save], button[name=save]")
    assert "手机号应为以1开头的11位数字" in page.locator("main").inner_text()
    screenshot(page, "edit_error")
    page.fill("#id_mobile", "13900004321")
    page.click("input[type=submit][name=save], button[name=save]")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    body = page.locator("main").inner_text()
    assert "客户资料已保存" in body and "139****4321" in body and "13900004321" not in body

    # log a contact: it comes first in the log
    page.select_option("#id_channel", "visit")
    page.fill("#id_summary", "上门拜访，介绍新发理财产品")
    page.fill("#id_next_step", "下周电话回访")
    page.click("input[type=submit][name=log], button[name=log]")
    page.wait_for_url(re.compile(r"#contacts$"))
    first = page.locator(".contact-entry").first.inner_text()
    assert "上门拜访，介绍新发理财产品" in first and "下周电话回访" in first
    assert ContactLog.objects.filter(customer=customer).count() == 2
    assert page.js_errors == []


def test_filters_sort_and_paging_work_through_htmx(page, live_server, bank, screenshot):
    log_in(page, live_server, "rm_a1", PASSWORD)
    page.wait_for_url(re.compile(r"/my-day/$"))  # an RM starts on My day (crm.home)
    page.goto(f"{live_server.url}/customers/")
    # a select filter applies on change, without pressing the button
    page.select_option("#id_value_segment", "mass")
    expect(page.locator(".customer-name")).to_have_count(5)
    assert "value_segment=mass" in page.url
    # a header sorts, keeping the filter
    page.click("th >> text=姓名/名称")
    expect(page.locator("th[aria-sort=ascending]")).to_have_count(1)
    assert "sort=name" in page.url and "value_segment=mass" in page.url
    names = page.locator(".customer-name").all_inner_texts()
    assert names == sorted(names)
    # a bad parameter in the address bar: a Chinese message, the page still works
    page.goto(f"{live_server.url}/customers/?aum_min=abc&page=999999")
    assert "请输入金额数字" in page.locator("#results").inner_text()
    assert page.locator(".customer-name").count() == 6
    screenshot(page, "list_bad_params")


def test_wrong_password_shows_the_generic_message(page, live_server, bank):
    log_in(page, live_server, "rm_a1", "not-the-password")
    assert page.locator(".alert-danger").inner_text().strip() == "用户名或密码不正确，请重试。"
    assert "/accounts/login/" in page.url
    log_in(page, live_server, "nobody", "whatever123")
    assert page.locator(".alert-danger").inner_text().strip() == "用户名或密码不正确，请重试。"
