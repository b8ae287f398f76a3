"""The dashboard page: scope per role, month and unit pickers, bad input, drill-down through the real list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm import roles
from reports.dataset import report_dataset
from reports.scope import report_scope_for
from reports.templatetags.report_links import drill
from tests.factories import UserFactory
from tests.reports.conftest import JULY

URL = "/reports/dashboard/"


def kpi(response, code):
    return re.search(rf'data-kpi="{code}">([^<]+)<', response.content.decode()).group(1)


@pytest.mark.parametrize(("reader", "customers"), [("hq", "6"), ("head_a", "4"), ("rm_a1", "3"), ("rm_b1", "2")])
def test_each_reader_sees_their_scope_of_the_latest_closed_month(client, two_months, reader, customers):
    client.force_login(getattr(two_months, reader))
    response = client.get(URL)
    assert response.status_code == 200
    assert kpi(response, "customers_count") == customers
    assert "2024-07" in response.content.decode()


def test_hq_picks_a_unit_and_an_earlier_month(client, two_months):
    client.force_login(two_months.hq)
    response = client.get(URL, {"org": "BR2", "month": "2024-06"})
    assert response.status_code == 200
    assert kpi(response, "customers_count") == "1"  # c4 only: c5 arrived in July
    assert "第二分行" in response.content.decode()


@pytest.mark.parametrize(("reader", "params", "status", "message"), [
    ("hq", {"month": "2024-13"}, 400, "月份格式错误"),
    ("hq", {"month": "<script>"}, 400, "月份格式错误"),
    ("hq", {"month": "2024-08"}, 404, "2024-08 尚未月结"),
    ("head_a", {"org": "OUT-B"}, 403, "不在您的查看范围内"),
    ("head_a", {"org": "NOPE"}, 404, "机构代码不存在"),
    ("rm_a1", {"org": "OUT-A"}, 403, "不能选择机构"),
])
def test_bad_month_or_unit_gets_a_clear_page(client, two_months, reader, params, status, message):
    client.force_login(getattr(two_months, reader))
    response = client.get(URL, params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_system_admin_has_no_dashboard(client, two_months, org_tree):
    admin = UserFactory(username="sys", org_unit=org_tree["HQ"], roles=[roles.SYSTEM_ADMIN])
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 403 and "系统管理员" in response.content.decode()


def test_no_closed_month_yet_says_so(client, head_a):
    client.force_login(head_a)
    response = client.get(URL)
    assert response.status_code == 200 and "还没有已月结的月份" in response.content.decode()


def test_home_sends_branch_heads_to_the_dashboard(client, two_months):
    client.force_login(two_months.head_a)
    assert client.get("/").url == reverse("reports:dashboard")


def test_page_reads_a_constant_number_of_queries(client, two_months, django_assert_max_num_queries):
    client.force_login(two_months.hq)
    with django_assert_max_num_queries(26):
        client.get(URL, {"org": "BR1"})


def test_migration_cell_link_lists_exactly_its_customers(client, two_months):
    w = two_months
    client.force_login(w.hq)
    data = report_dataset(month=JULY, scope=report_scope_for(user=w.hq))
    cell = data.migrations["asset_tier"].cell("regular", "gold")
    page = client.get(URL).content.decode()
    link = drill(cell.filters)
    assert link.replace("&", "&amp;") in page
    listing = client.get(link).content.decode()
    assert "共 2 位客户" in listing
    assert w.c1.customer_no in listing and w.c4.customer_no in listing and w.c2.customer_no not in listing
    assert "按月结数据筛选" in listing


def test_bad_snapshot_filter_is_ignored_with_a_message(client, two_months):
    client.force_login(two_months.hq)
    response = client.get("/customers/", {"month": "2024-99", "m_asset_tier": "gold"})
    assert response.status_code == 200
    assert "月份格式错误" in response.content.decode()
    response = client.get("/customers/", {"m_asset_tier": "tin"})
    assert response.status_code == 200 and "取值无效" in response.content.decode()


PARAMS = st.dictionaries(
    st.sampled_from(["month", "org", "m_org", "m_maintainer", "m_credit", "m_kind", "m_asset_tier", "m_band",
                     "m_prev_asset_tier", "m_profit_decile"]),
    st.one_of(st.text(max_size=40), st.sampled_from(["2024-07", "2024-06", "0000-01", "9999-12", "OUT-B", "BR1",
                                                       "new", "none", "platinum_up", "9", "-1", "1e9",
                                                       "OUT\x00A", "\x00"])),
    max_size=5,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=PARAMS)
def test_any_url_parameters_answer_a_page_never_a_500(client, two_months, params):
    client.force_login(two_months.head_a)
    for url in (URL, "/customers/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400, 403, 404), (url, params)


def test_dashboard_in_english(client, two_months):
    client.force_login(two_months.hq)
    client.cookies["django_language"] = "en"
    page = client.get(URL).content.decode()
    assert "Tier dashboard" in page and "Asset tier migration matrix" in page
