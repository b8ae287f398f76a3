"""New customers in the browser: the importer's checks, creator as maintainer, duplicates, welcome task."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory

ID_A = "110101199001011237"  # a valid check digit
URL = reverse("service_tiers:customer_create")
pytestmark = pytest.mark.django_db
GOOD = {"customer_no": "N0001", "kind": "individual", "name": "王小明", "id_type": "resident_id",
        "id_number": ID_A, "mobile": "13900001111", "birth_date": "1990-01-01"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_rm_creates_an_individual_with_a_welcome_task(client, rm_a1, org_tree):
    client.force_login(rm_a1)
    assert 'id="customer-new"' in client.get(reverse("customers:list")).content.decode()
    response = client.post(URL, GOOD)
    customer = Customer.objects.get(customer_no="N0001")
    assert response.status_code == 302 and response.url == customer.get_absolute_url()
    assert customer.maintainer == rm_a1 and customer.org_unit == org_tree["OUT-A"]
    assert customer.birth_date == dt.date(1990, 1, 1) and customer.mobile == "13900001111"
    task = ServiceTask.objects.get(customer=customer)
    assert task.kind == ServiceTask.Kind.NEW_CUSTOMER and task.assignee == rm_a1 and task.due_date == dt.date(2026, 11, 25)
    assert "王小明" in client.get(reverse("service_tiers:my_day")).content.decode()


def test_head_creates_a_corporate_customer(client, head_a, org_tree):
    client.force_login(head_a)
    response = client.post(URL, {"customer_no": "N0002", "kind": "corporate", "name": "某某科技有限公司",
                                 "id_type": "credit_code", "id_number": "91110000MA01ABCD1X",
                                 "registered_capital": "1000000.00", "credit_customer": "on"})
    assert response.status_code == 302
    customer = Customer.objects.get(customer_no="N0002")
    assert customer.credit_code == "91110000MA01ABCD1X" and customer.credit_customer
    assert str(customer.registered_capital) == "1000000.00" and customer.maintainer == head_a


def test_importer_messages_on_bad_input_and_nothing_written(client, rm_a1):
    client.force_login(rm_a1)
    html = client.post(URL, {**GOOD, "id_number": "110101199001011234", "mobile": "12345"}).content.decode()
    assert "身份证号码校验位不正确" in html
    assert "手机号" in html
    html = client.post(URL, {**GOOD, "id_type": "credit_code", "kind": "corporate", "id_number": "abc"}).content.decode()
    assert "统一社会信用代码应为18位数字或大写字母" in html
    assert not Customer.objects.filter(customer_no="N0001").exists() and not ServiceTask.objects.exists()


def test_duplicate_id_warns_with_link_in_scope_masked_outside(client, rm_a1, org_tree, rm_b1):
    mine = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, id_number=ID_A, id_type="resident_id")
    client.force_login(rm_a1)
    html = client.post(URL, GOOD).content.decode()
    assert 'id="duplicate-warning"' in html and mine.get_absolute_url() in html
    assert not Customer.objects.filter(customer_no="N0001").exists()
    assert client.post(URL, {**GOOD, "confirm_duplicate": "on"}).status_code == 302
    other_id = "110101198001011232"
    theirs = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1, id_number=other_id, id_type="resident_id")
    html = client.post(URL, {**GOOD, "customer_no": "N0003", "id_number": other_id}).content.decode()
    assert 'id="duplicate-warning"' in html and "110101********1232" in html
    assert theirs.get_absolute_url() not in html and other_id not in html.replace('value="' + other_id, "")


def test_existing_customer_number_refused(client, rm_a1, org_tree):
    CustomerFactory(customer_no="N0001", org_unit=org_tree["OUT-A"])
    client.force_login(rm_a1)
    assert "客户号 N0001 已存在" in client.post(URL, GOOD).content.decode()


def test_hq_and_auditor_may_not_create(client, hq_user, auditor):
    for user in (hq_user, auditor):
        client.force_login(user)
        assert client.get(URL).status_code == 403


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({
    "customer_no": text, "kind": st.sampled_from(["individual", "corporate", "x", ""]), "name": text,
    "id_type": st.sampled_from(["resident_id", "credit_code", "passport", "", "?"]), "id_number": text,
    "mobile": text, "birth_date": text, "registered_capital": text,
}))
def test_any_form_input_is_a_page_or_a_customer_never_a_500(client, rm_a1, data):
    client.force_login(rm_a1)
    before = Customer.objects.count()
    response = client.post(URL, data)
    assert response.status_code in (200, 302)
    created = Customer.objects.count() - before
    assert created == (1 if response.status_code == 302 else 0)
    assert ServiceTask.objects.filter(kind="new_customer").count() == Customer.objects.count()
