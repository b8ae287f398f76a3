"""A branch head opens the tier dashboard, clicks a migration cell and sees exactly those customers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.reports.conftest import two_months  # noqa: F401 - the hand-computed two closed months

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_branch_head_drills_from_a_migration_cell_to_its_customers(page, live_server, two_months,  # noqa: F811
                                                                   screenshot):
    console_errors: list[str] = []  # a CSP violation (e.g. an inline style set by a chart) is a console error
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    # given: the branch head of OUT-A signs in and lands on the dashboard
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", "demo12345")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/dashboard/"))
    expect(page.locator("[data-kpi=customers_count]")).to_have_text("4")
    expect(page.locator("#chart-asset-tiers")).to_be_visible()
    screenshot(page, "dashboard")

    # when: they click the 普通 → 金卡 cell of the asset-tier migration matrix (c1 only: c4 is in OUT-B)
    cell = page.locator('[data-cell="asset_tier:regular:gold"]')
    expect(cell).to_have_text("1")
    cell.click()

    # then: the customer list shows exactly that customer, with the month filter explained
    expect(page).to_have_url(re.compile(r"/customers/\?.*m_prev_asset_tier=regular"))
    expect(page.locator(".result-count")).to_contain_text("共 1 位客户")
    expect(page.locator(".customer-table tbody")).to_contain_text(two_months.c1.customer_no)
    expect(page.locator(".snapshot-filters")).to_contain_text("2024-07")
    screenshot(page, "dashboard_drilldown")

    # and: back on the dashboard, rm_a1's task completion "1/2" drills down to the July task list
    page.go_back()
    page.locator("#league").scroll_into_view_if_needed()
    screenshot(page, "dashboard_league")
    total = page.locator(f'[data-tasks="total:{two_months.rm_a1.pk}"]')
    expect(total).to_have_text("2")
    total.click()
    expect(page).to_have_url(re.compile(r"/team/tasks/\?.*report=1"))
    expect(page.locator("#task-count")).to_contain_text("共 2 项任务")
    expect(page.locator(".report-filters")).to_contain_text("2024-07")
    screenshot(page, "dashboard_task_drilldown")
    assert page.js_errors == [] and console_errors == []
