"""Customer handover (客户交接) and staff deactivation."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm.models import AccessLog, Handover
from crm.services.staff import user_deactivate
from customers.models import Customer
from customers.services.handover import customer_handover
from tests.factories import CustomerFactory


@pytest.fixture
def book_a(org_tree, rm_a1):
    """Five customers of rm_a1 at outlet A, one of them already originated by someone else."""
    customers = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1) for _ in range(5)]
    return customers


def test_handover_all_customers_of_a_maintainer(head_a, rm_a1, wm_a, book_a, cust_b):
    # given
    assert Customer.objects.filter(maintainer=rm_a1).count() == 5
    # when
    handover = customer_handover(
        customers=Customer.objects.filter(maintainer=rm_a1), to=wm_a, reason="调岗", by=head_a, from_maintainer=rm_a1
    )
    # then
    assert Customer.objects.filter(maintainer=rm_a1).count() == 0
    assert Customer.objects.filter(maintainer=wm_a).count() == 5
    assert set(Customer.objects.filter(maintainer=wm_a).values_list("origin_maintainer", flat=True)) == {rm_a1.pk}
    assert handover.customer_count == 5 and handover.items.count() == 5
    assert set(handover.items.values_list("previous_maintainer", flat=True)) == {rm_a1.pk}
    assert (handover.from_maintainer, handover.to_maintainer, handover.by) == (rm_a1, wm_a, head_a)
    # one history row per moved customer, with who and why
    for customer in book_a:
        latest = customer.history.latest()
        assert latest.maintainer_id == wm_a.pk and latest.history_user_id == head_a.pk
        assert "调岗" in latest.history_change_reason
    log = AccessLog.objects.get(action="handover")
    assert log.detail["count"] == 5 and log.user == head_a


def test_handover_keeps_existing_origin_maintainer(head_a, rm_a1, rm_a2, wm_a, org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, origin_maintainer=rm_a2)
    customer_handover(customers=Customer.objects.filter(pk=customer.pk), to=wm_a, reason="升级", by=head_a)
    customer.refresh_from_db()
    assert (customer.maintainer, customer.origin_maintainer) == (wm_a, rm_a2)


def test_handover_never_moves_customers_outside_the_heads_subtree(head_a, rm_a1, wm_a, book_a, cust_b):
    handover = customer_handover(customers=Customer.objects.all(), to=wm_a, reason="整体交接", by=head_a)
    assert handover.customer_count == 5
    cust_b.refresh_from_db()
    assert cust_b.maintainer.username == "rm_b1"


def test_handover_refused_to_staff_of_other_outlet(head_a, rm_a1, rm_b1, book_a):
    with pytest.raises(ValidationError) as error:
        customer_handover(customers=Customer.objects.filter(maintainer=rm_a1), to=rm_b1, reason="x", by=head_a)
    assert "接收人" in str(error.value)
    assert Customer.objects.filter(maintainer=rm_a1).count() == 5
    assert not Handover.objects.exists()


def test_handover_needs_a_reason_and_customers(head_a, rm_a1, wm_a, book_a):
    with pytest.raises(ValidationError, match="交接原因"):
        customer_handover(customers=Customer.objects.filter(maintainer=rm_a1), to=wm_a, reason="  ", by=head_a)
    with pytest.raises(ValidationError, match="没有可交接的客户"):
        customer_handover(customers=Customer.objects.none(), to=wm_a, reason="x", by=head_a)
    assert not Handover.objects.exists()


def test_rm_cannot_hand_over(client, rm_a1, wm_a, book_a):
    client.force_login(rm_a1)
    assert client.get(reverse("access:handover_create")).status_code == 403
    response = client.post(reverse("access:handover_create"), {"from_maintainer": rm_a1.pk, "to_maintainer": wm_a.pk,
                                                                "reason": "x"})
    assert response.status_code == 403
    assert Customer.objects.filter(maintainer=rm_a1).count() == 5


def test_handover_page_selected_customer_numbers(client, head_a, rm_a1, wm_a, book_a):
    client.force_login(head_a)
    numbers = f"{book_a[0].customer_no}\n{book_a[1].customer_no}"
    response = client.post(reverse("access:handover_create"),
                           {"customer_nos": numbers, "to_maintainer": wm_a.pk, "reason": "客户升级为理财客户"})
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert handover.customer_count == 2 and handover.from_maintainer == rm_a1
    listing = client.get(reverse("access:handover_list")).content.decode()
    assert "客户升级为理财客户" in listing
    detail = client.get(handover.get_absolute_url()).content.decode()
    assert book_a[0].customer_no in detail


def test_handover_page_reports_unknown_customer_numbers(client, head_a, wm_a, book_a, cust_b):
    client.force_login(head_a)
    response = client.post(reverse("access:handover_create"),
                           {"customer_nos": f"{book_a[0].customer_no},{cust_b.customer_no}", "to_maintainer": wm_a.pk,
                            "reason": "x"})
    assert response.status_code == 400
    assert cust_b.customer_no in response.content.decode()
    assert not Handover.objects.exists()


def test_deactivation_refused_while_maintaining_customers(rm_a1, head_a, book_a):
    with pytest.raises(ValidationError) as error:
        user_deactivate(user=rm_a1, by=head_a)
    assert "5 位客户" in str(error.value) and "客户交接" in str(error.value)
    rm_a1.refresh_from_db()
    assert rm_a1.is_active


def test_deactivation_after_handover_ends_sessions(rm_a1, wm_a, head_a, book_a):
    # given: rm_a1 is signed in
    browser = Client()
    browser.force_login(rm_a1)
    assert browser.get(reverse("customers:list")).status_code == 200
    customer_handover(customers=Customer.objects.filter(maintainer=rm_a1), to=wm_a, reason="离职", by=head_a)
    # when
    user_deactivate(user=rm_a1, by=head_a)
    # then: signed out at once
    rm_a1.refresh_from_db()
    assert not rm_a1.is_active
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(rm_a1.pk)]
    assert browser.get(reverse("customers:list")).status_code == 302


def test_admin_refuses_deactivation_with_chinese_message(client, sysadmin, rm_a1, book_a):
    client.force_login(sysadmin)
    url = reverse("admin:crm_user_change", args=[rm_a1.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions",
                                                                                 "last_login", "date_joined")}
    data.update({"groups": [g.pk for g in rm_a1.groups.all()], "date_joined_0": "2024-01-01",
                 "date_joined_1": "00:00:00", "org_unit": rm_a1.org_unit_id})
    data.pop("is_active", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "请先办理客户交接" in response.content.decode()
    rm_a1.refresh_from_db()
    assert rm_a1.is_active
