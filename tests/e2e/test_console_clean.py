"""Issue 10, item 15: the browser console shows no error on the main pages (no CSP violation, a favicon)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm import roles
from customers.models import ContactLog
from tests.factories import CustomerFactory, OrgUnitFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"


@pytest.fixture
def bank(transactional_db):
    hq = OrgUnitFactory(code="HQ", name="总行", level="hq")
    branch = OrgUnitFactory(code="BR1", name="第一分行", level="branch", parent=hq)
    unit = OrgUnitFactory(code="OUT-A", name="网点A", level="outlet", parent=branch)
    head = UserFactory(username="head_a", org_unit=unit, roles=[roles.BRANCH_HEAD], is_staff=True)
    rm = UserFactory(username="rm_a1", org_unit=unit, roles=[roles.RELATIONSHIP_MANAGER])
    customer = CustomerFactory(customer_no="C000000001", name="控制台客户", org_unit=unit, maintainer=rm,
                               mobile="13812345678")
    ContactLog.objects.create(customer=customer, staff=rm, channel="phone", summary="电话回访",
                              contacted_on="2025-01-02")
    return {"head": head, "customer": customer}


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "head_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_main_pages_have_no_console_errors(page, live_server, bank, screenshot):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"{message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and "/missing/" not in response.url else None)
    base = live_server.url
    _sign_in(page, base)
    customer = bank["customer"]
    for path in ["/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", "/handovers/",
                 "/handovers/new/", "/accounts/password/", "/admin/", "/admin/customers/customer/",
                 f"/admin/customers/customer/{customer.pk}/change/",
                 # the pages of the task, dashboard and report capabilities
                 "/", reverse("service_tiers:my_day"), reverse("service_tiers:team_tasks"),
                 reverse("service_tiers:compliance"), reverse("service_tiers:customer_create"),
                 reverse("reports:dashboard"), reverse("reports:index")]:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    # the search (htmx) and the favicon
    page.goto(f"{base}/customers/")
    page.fill("input[name=q]", "13812345678")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert "13812345678" not in page.url and "控制台客户" in page.content()
    screenshot(page, "console_clean_search")
    assert page.request.get(f"{base}/favicon.ico").ok
    assert not problems, "\n".join(problems)
