"""Django admin of the customers app: pages load, search is index-backed, filters work, queries stay flat."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from customers.models import Customer
from tests.customers.factories import ContactLogFactory, CustomerMonthFactory, LookupFactory
from tests.factories import AccountFactory, CustomerFactory, UserFactory


@pytest.fixture
def admin_client_(client, org_tree):
    # An admin who browses customers holds a business role too (issue 3); HQ management sees the whole bank.
    admin = UserFactory(username="root", org_unit=org_tree["HQ"], is_staff=True, is_superuser=True,
                        roles=[roles.HQ_MANAGEMENT])
    client.force_login(admin)
    return client


def test_system_admin_without_business_role_browses_no_customer_data(client, org_tree, bank):
    # given a superuser who only configures the system
    client.force_login(UserFactory(username="sysadmin", org_unit=org_tree["HQ"], is_staff=True, is_superuser=True,
                                   roles=[roles.SYSTEM_ADMIN]))
    # then every customer-data changelist is empty and a customer page redirects away
    for model in ["customer", "account", "monthlybalance", "customermonth", "contactlog"]:
        response = changelist(client, model)
        assert "张三丰" not in response.content.decode()
        assert response.context["cl"].result_count == 0
    assert client.get(reverse("admin:customers_customer_change", args=[bank["zhang"].pk])).status_code == 302


@pytest.fixture
def bank(org_tree, rm_a1):
    zhang = CustomerFactory(name="张三丰", customer_no="C1", org_unit=org_tree["OUT-A"], maintainer=rm_a1,
                            mobile="13812345678", asset_tier="gold", aum=Decimal("200000"))
    li = CustomerFactory(name="李四公司", customer_no="D2", org_unit=org_tree["OUT-B"], kind=Customer.Kind.CORPORATE,
                         mobile="13900001111")
    account = AccountFactory(customer=zhang, account_no="6222000011112222")
    CustomerMonthFactory(customer=zhang, month=datetime.date(2025, 1, 1))
    ContactLogFactory(customer=zhang, staff=rm_a1)
    LookupFactory(kind="industry", code="IT", name="信息技术")
    return {"zhang": zhang, "li": li, "account": account}


def changelist(client, model: str, **params):
    response = client.get(reverse(f"admin:customers_{model}_changelist"), params)
    assert response.status_code == 200, response.content[:500]
    return response


def test_every_customers_admin_page_loads(admin_client_, bank):
    for model in ["customer", "account", "monthlybalance", "customermonth", "contactlog", "lookup"]:
        changelist(admin_client_, model)
    assert admin_client_.get(reverse("admin:customers_customer_change", args=[bank["zhang"].pk])).status_code == 200
    # customers arrive by import; admin has no service to create one (issue 10, item 3)
    assert admin_client_.get(reverse("admin:customers_customer_add")).status_code == 403
    assert admin_client_.get(reverse("admin:customers_account_change", args=[bank["account"].pk])).status_code == 200
    assert admin_client_.get(reverse("admin:customers_customer_history", args=[bank["zhang"].pk])).status_code == 200


@pytest.mark.parametrize(
    ("q", "expected"),
    [("三丰", {"C1"}), ("C", {"C1"}), ("D2", {"D2"}), ("13900001111", {"D2"}), ("5678", {"C1"}), ("", {"C1", "D2"})],
)
def test_customer_admin_search(admin_client_, bank, q, expected):
    response = changelist(admin_client_, "customer", q=q)
    assert {c.customer_no for c in response.context["cl"].result_list} == expected


def test_customer_admin_filters(admin_client_, bank, org_tree):
    def numbers(**params):
        return {c.customer_no for c in changelist(admin_client_, "customer", **params).context["cl"].result_list}

    assert numbers(kind="corporate") == {"D2"}
    assert numbers(standing__asset_tier="gold") == {"C1"}
    assert numbers(org=org_tree["BR1"].pk) == {"C1"}
    assert numbers(org=org_tree["BR2"].pk) == {"D2"}
    assert numbers(org_unit__level="outlet") == {"C1", "D2"}


def test_customer_admin_changelist_queries_do_not_grow_with_rows(
    admin_client_, org_tree, rm_a1, django_assert_max_num_queries
):
    for _n in range(60):
        CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    with django_assert_max_num_queries(15):
        response = changelist(admin_client_, "customer")
    assert len(response.context["cl"].result_list) == 50
    assert response.context["cl"].show_full_result_count is False


def test_account_and_fact_admin_search_by_number(admin_client_, bank):
    assert len(changelist(admin_client_, "account", q="6222000011112222").context["cl"].result_list) == 1
    assert len(changelist(admin_client_, "account", q="C1").context["cl"].result_list) == 1
    assert len(changelist(admin_client_, "account", q="nothing").context["cl"].result_list) == 0
    assert len(changelist(admin_client_, "customermonth", q="C1").context["cl"].result_list) == 1
    assert len(changelist(admin_client_, "contactlog", q="C1").context["cl"].result_list) == 1


def test_monthly_figures_cannot_be_added_or_changed_in_admin(admin_client_, bank):
    assert admin_client_.get(reverse("admin:customers_customermonth_add")).status_code == 403
    assert admin_client_.get(reverse("admin:customers_monthlybalance_add")).status_code == 403


def test_admin_history_pages_answer_404_outside_the_scope(client, org_tree, bank):
    # given a customer with a history row, and a system admin who browses no customers
    bank["zhang"].notes = "更新"
    bank["zhang"].save(update_fields=["notes"])
    history_id = bank["zhang"].history.latest().history_id
    client.force_login(UserFactory(username="sysadmin", org_unit=org_tree["HQ"], is_staff=True, is_superuser=True,
                                   roles=[roles.SYSTEM_ADMIN]))
    # then neither the history list nor one historical version is shown
    base = reverse("admin:customers_customer_history", args=[bank["zhang"].pk])
    assert client.get(base).status_code == 404
    assert client.get(f"{base}{history_id}/").status_code == 404
    assert client.get(reverse("admin:customers_customer_history", args=["not-a-number"])).status_code == 404


def test_admin_customer_list_masks_mobiles(admin_client_, bank):
    content = changelist(admin_client_, "customer").content.decode()
    assert "138****5678" in content and "13812345678" not in content
