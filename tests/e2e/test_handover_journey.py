"""A branch head hands over all customers of a departing relationship manager, then checks the records."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm import roles
from crm.models import Handover
from customers.models import Customer
from tests.factories import CustomerFactory, OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"


@pytest.fixture
def outlet(transactional_db):
    hq = OrgUnitFactory(code="HQ", name="总行", level="hq")
    branch = OrgUnitFactory(code="BR1", name="第一分行", level="branch", parent=hq)
    unit = OrgUnitFactory(code="OUT-A", name="网点A", level="outlet", parent=branch)
    head = UserFactory(username="head_a", last_name="赵", first_name="主任", org_unit=unit, roles=[roles.BRANCH_HEAD])
    leaving = UserFactory(username="rm_a1", last_name="钱", first_name="经理", org_unit=unit,
                          roles=[roles.RELATIONSHIP_MANAGER])
    taking = UserFactory(username="wm_a", last_name="孙", first_name="理财", org_unit=unit,
                         roles=[roles.WEALTH_MANAGER])
    customers = [
        CustomerFactory(customer_no=f"C00000010{i}", name=f"客户{i}", org_unit=unit, maintainer=leaving)
        for i in range(3)
    ]
    return {"head": head, "leaving": leaving, "taking": taking, "customers": customers}


def test_branch_head_hands_over_a_maintainers_book(page, live_server, outlet, screenshot):
    # given: the branch head signs in
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/dashboard/"))  # a branch head starts on the dashboard

    # when: they hand over every customer of rm_a1 to wm_a, with a reason
    page.goto(f"{live_server.url}/handovers/new/")
    page.select_option("#id_from_maintainer", str(outlet["leaving"].pk))
    page.select_option("#id_to_maintainer", str(outlet["taking"].pk))
    page.fill("#id_reason", "钱经理调岗，客户交孙理财维护")
    screenshot(page, "handover_form")
    page.click("[data-testid=handover-form] button[type=submit]")

    # then: the handover page shows three customers moved
    expect(page.get_by_test_id("handover-count")).to_have_text("3")
    expect(page.locator(".alert-success")).to_contain_text("3 位客户")
    assert Customer.objects.filter(maintainer=outlet["taking"]).count() == 3
    assert Customer.objects.filter(maintainer=outlet["leaving"]).count() == 0
    assert set(Customer.objects.values_list("origin_maintainer", flat=True)) == {outlet["leaving"].pk}

    # the handover is listed
    page.goto(f"{live_server.url}/handovers/")
    expect(page.get_by_test_id("handover-table")).to_contain_text("钱经理调岗")

    # and each customer's history tells who changed the maintainer, when, from → to
    customer = outlet["customers"][0]
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("维护人：钱经理 → 孙理财")
    expect(history).to_contain_text("钱经理调岗")
    screenshot(page, "handover_history")
    assert Handover.objects.get().customer_count == 3
    assert page.js_errors == []


def test_second_handover_of_same_maintainer_finds_nothing(page, live_server, outlet):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    Customer.objects.update(maintainer=outlet["taking"])
    page.goto(f"{live_server.url}/handovers/new/")
    page.select_option("#id_from_maintainer", str(outlet["leaving"].pk))
    page.select_option("#id_to_maintainer", str(outlet["taking"].pk))
    page.fill("#id_reason", "再次交接")
    page.click("[data-testid=handover-form] button[type=submit]")
    expect(page.locator("[data-testid=handover-form]")).to_contain_text("没有可交接的客户")
    assert not Handover.objects.exists()
