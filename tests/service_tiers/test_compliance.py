"""Compliance selectors and page: follow-up rates, idle staff, corporate visits, book sizes — all scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import roles
from customers.models import ContactLog, Customer
from service_tiers import compliance
from service_tiers.generation import tasks_generate
from service_tiers.models import ServiceTask, StandardVersion
from tests.factories import CustomerFactory, UserFactory

D = dt.date
NOV = D(2026, 11, 1)
URL = reverse("service_tiers:compliance")


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def book(org_tree, rm_a1, rm_a2, rm_b1):
    """rm_a1: 4 programme customers (1 contacted in November, 1 only in October); rm_a2: 1 (contacted);
    rm_b1 at OUT-B: 2 (none contacted); plus one rm_a1 customer outside the programme."""
    made = {}
    for name, user, unit, n in [("a1", rm_a1, "OUT-A", 4), ("a2", rm_a2, "OUT-A", 1), ("b1", rm_b1, "OUT-B", 2)]:
        made[name] = [CustomerFactory(org_unit=org_tree[unit], maintainer=user, maintenance_band="staff")
                      for _ in range(n)]
    made["outside"] = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    log = ContactLog.objects.create
    log(customer=made["a1"][0], staff=rm_a1, contacted_on=D(2026, 11, 1), channel="phone", summary="x")
    log(customer=made["a1"][1], staff=rm_a1, contacted_on=D(2026, 10, 31), channel="phone", summary="x")
    log(customer=made["a2"][0], staff=rm_a2, contacted_on=D(2026, 11, 30), channel="visit", summary="x")
    log(customer=made["outside"], staff=rm_a1, contacted_on=D(2026, 11, 2), channel="phone", summary="x")
    return made


def test_follow_up_rate_per_rm_and_per_unit_counts_the_calendar_month(book, head_a, rm_a1, rm_a2, org_tree):
    by_rm = {row.key: row for row in compliance.compliance_rates(month=NOV, user=head_a)}
    assert set(by_rm) == {rm_a1.pk, rm_a2.pk}  # head_a sees OUT-A only
    assert (by_rm[rm_a1.pk].programme, by_rm[rm_a1.pk].contacted, by_rm[rm_a1.pk].rate) == (4, 1, Decimal("25.00"))
    assert by_rm[rm_a2.pk].rate == Decimal("100.00")
    [unit] = compliance.compliance_rates(month=NOV, user=head_a, group_by="org_unit")
    assert (unit.key, unit.programme, unit.contacted, unit.rate, unit.missing) == (
        org_tree["OUT-A"].pk, 5, 2, Decimal("40.00"), 3)
    october = compliance.compliance_total(month=D(2026, 10, 1), user=head_a)
    assert (october.programme, october.contacted) == (5, 1)


def test_hq_sees_the_whole_bank_and_a_dashboard_can_ask_by_unit_or_maintainer(book, hq_user, rm_b1, org_tree):
    total = compliance.compliance_total(month=NOV, user=hq_user)
    assert (total.programme, total.contacted, total.rate) == (7, 2, Decimal("28.57"))
    [row] = compliance.compliance_rates(month=NOV, org_unit_ids=org_tree["BR2"].subtree_ids)
    assert (row.key, row.programme, row.rate) == (rm_b1.pk, 2, Decimal("0.00"))
    [row] = compliance.compliance_rates(month=NOV, maintainer_ids=[rm_b1.pk], group_by="org_unit")
    assert row.key == org_tree["OUT-B"].pk


def test_customers_without_follow_up_are_listed_in_scope_only(book, head_a, rm_a1):
    missing = compliance.customers_without_followup(month=NOV, user=head_a)
    assert set(missing) == set(book["a1"][1:])
    assert compliance.customers_without_followup(month=NOV, user=head_a, maintainer_id=rm_a1.pk) == missing
    # an RM's id from another outlet gives nothing outside the reader's scope
    assert compliance.customers_without_followup(month=NOV, user=head_a,
                                                 maintainer_id=book["b1"][0].maintainer_id) == []


def test_staff_idle_for_14_days_are_listed_for_their_branch_head(org_tree, head_a, rm_a1, rm_a2, rm_b1):
    now = timezone.now()
    type(rm_a1).objects.filter(pk=rm_a1.pk).update(last_login=now - dt.timedelta(days=15))
    type(rm_a1).objects.filter(pk=rm_a2.pk).update(last_login=now - dt.timedelta(days=13))
    type(rm_a1).objects.filter(pk=head_a.pk).update(last_login=now)
    idle = compliance.idle_staff(user=head_a)
    assert rm_a1 in idle and rm_a2 not in idle and head_a not in idle
    assert rm_b1 not in idle  # another outlet (never logged in, but not head_a's)


def test_book_size_flags_under_and_over_loaded_rms(book, head_a, rm_a1, rm_a2):
    StandardVersion.objects.filter(number=1).update(book_size_min=2, book_size_max=4)
    rows = {row.user: row for row in compliance.book_sizes(user=head_a)}
    assert (rows[rm_a1].customers, rows[rm_a1].flag) == (5, "over")
    assert (rows[rm_a2].customers, rows[rm_a2].flag) == (1, "under")
    StandardVersion.objects.filter(number=1).update(book_size_min=1, book_size_max=5)
    assert {row.flag for row in compliance.book_sizes(user=head_a)} == {""}  # both bounds inclusive


def test_corporate_visits_counted_against_the_standard_per_role(org_tree, head_a, rm_a1):
    company = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind=Customer.Kind.CORPORATE,
                              deposit_class="class_2")
    tasks_generate(day=D(2026, 11, 2), kinds=[ServiceTask.Kind.CORPORATE_VISIT])
    rm_visits = ServiceTask.objects.filter(customer=company, dedupe_key__startswith="visit:rm:")
    rm_visits.filter(dedupe_key__endswith=":1").update(status="done", completed_at=timezone.now())
    rows = {row.role: row for row in compliance.visit_compliance(month=NOV, user=head_a)}
    assert (rows["rm"].customers, rows["rm"].required, rows["rm"].done, rows["rm"].rate) == (
        1, 3, 1, Decimal("33.33"))
    assert (rows["outlet_head"].required, rows["outlet_head"].done) == (2, 0)
    assert "president" in rows and rows["president"].required == 0


def test_compliance_page_for_a_branch_head(client, book, head_a, django_assert_max_num_queries):
    client.force_login(head_a)
    with django_assert_max_num_queries(40):
        response = client.get(URL, {"month": "2026-11"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "40.00%" in page and "25.00%" in page
    assert book["a1"][1].customer_no in page and book["b1"][0].customer_no not in page
    assert 'href="/compliance/"' in page  # in the nav


def test_page_query_count_does_not_grow_with_the_book(client, org_tree, head_a, rm_a1):
    client.force_login(head_a)
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, maintenance_band="staff")
    client.get(URL)  # the first request of a session loads caches (content types, permissions)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    for _ in range(20):
        CustomerFactory(org_unit=org_tree["OUT-A"],
                        maintainer=UserFactory(org_unit=org_tree["OUT-A"], roles=[roles.RELATIONSHIP_MANAGER]),
                        maintenance_band="staff")
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large) == len(small)


@pytest.mark.parametrize("value", ["2026-13", "abc", "2027-01", "１２"])
def test_a_bad_or_future_month_is_explained_in_chinese(client, head_a, value):
    client.force_login(head_a)
    response = client.get(URL, {"month": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "月份格式错误" in page or "尚未到来" in page
    assert "服务合规 · 2026-11" in page


def test_a_bad_maintainer_parameter_is_explained(client, head_a):
    client.force_login(head_a)
    response = client.get(URL, {"maintainer": "1 OR 1=1"})
    assert response.status_code == 200 and "客户经理参数无效" in response.content.decode()


def test_rms_cannot_open_the_compliance_page(client, rm_a1):
    client.force_login(rm_a1)
    assert client.get(URL).status_code == 403
