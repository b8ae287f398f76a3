"""The customer 360 page, the profile edit and the contact log."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from crispy_forms.utils import render_crispy_form
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertHTMLEqual

from customers.forms import ContactLogForm
from customers.models import AccountType, ContactLog, Customer, Lookup
from customers.validators import resident_id_check_digit
from tests.customers.factories import ContactLogFactory, CustomerMonthFactory, LookupFactory
from tests.factories import AccountFactory, CustomerFactory, UserFactory

ID_17 = "11010119900101123"
ID_NUMBER = ID_17 + resident_id_check_digit(ID_17)
MOBILE = "13812345678"


def without_next_field(body: str) -> str:
    # base.html's language switcher repeats the request path; it is not this app's output.
    return re.sub(r'<input name="next" type="hidden" value="[^"]*">', "", body)


@pytest.fixture
def customer(org_tree, rm_a1):
    return CustomerFactory(
        name="张三丰", customer_no="K000000777", org_unit=org_tree["OUT-A"], maintainer=rm_a1,
        origin_maintainer=rm_a1, id_type=Customer.IdType.RESIDENT_ID, id_number=ID_NUMBER, mobile=MOBILE,
        birth_date=datetime.date(1990, 1, 1), aum=Decimal("1234567.89"),
    )


@pytest.fixture
def outsider(org_tree, rm_b1):
    return CustomerFactory(name="外网点客户", org_unit=org_tree["OUT-B"], maintainer=rm_b1, mobile="13900001111")


@pytest.fixture
def rm_client(client, rm_a1):
    client.force_login(rm_a1)
    return client


def profile_post(customer: Customer, **changes) -> dict:
    data = {
        "name": customer.name, "gender": customer.gender, "birth_date": customer.birth_date or "",
        "id_type": customer.id_type, "id_number": "", "mobile": "", "address": customer.address,
        "since": customer.since or "", "notes": customer.notes, "position": "", "employer": "", "hobbies": "",
        "income_band": "", "risk_preference": "", "credit_rating": "", "credit_code": "",
        "legal_representative": "", "registered_capital": "", "total_assets": "", "target_credit": "",
        "admin_level": "",
        "version": Customer.objects.get(pk=customer.pk).updated_at.isoformat() if customer.pk else "",
    }
    data.update(changes)
    return data


# --- 360 page -------------------------------------------------------------------------------------------


def test_360_page_shows_profile_accounts_chart_maintainers_and_contacts(
    rm_client, customer, org_tree, rm_a1, django_assert_max_num_queries
):
    sparse = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    rm_client.get(sparse.get_absolute_url())  # warm the session and caches
    with CaptureQueriesContext(connection) as sparse_queries:
        rm_client.get(sparse.get_absolute_url())
    colleague = UserFactory(username="wm_a", last_name="理", first_name="财经理", org_unit=org_tree["OUT-A"])
    customer.co_maintainers.add(colleague)
    for n in range(12):
        AccountFactory(customer=customer, account_type=AccountType.TIME, balance=Decimal("1000.50") * (n + 1),
                       annual_rate=Decimal("1.7500"), last_txn_date=datetime.date(2025, 1, n + 1))
    for n in range(15):  # more than the chart's 12 months
        CustomerMonthFactory(customer=customer, month=datetime.date(2024 + (n // 12), n % 12 + 1, 1),
                             aum_avg=Decimal(10000 * (n + 1)))
    for n in range(20):
        ContactLogFactory(customer=customer, staff=rm_a1, contacted_on=datetime.date(2025, 1, 1) + datetime.timedelta(n),
                          summary=f"第{n}次联系")
    # The same number of queries however many accounts, months and contacts (panels of other apps included).
    with django_assert_max_num_queries(len(sparse_queries)):
        response = rm_client.get(customer.get_absolute_url())
    assert len(sparse_queries) <= 25
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三丰" in body and "K000000777" in body and "网点A" in body
    assert "理财经理" in body  # co-maintainer
    assert "12,006.00" in body  # balance through the `amount` filter
    assert "1.75%" in body
    assert "123.46万" in body  # AUM through `wan`
    chart = json.loads(re.search(r'<script id="aum-chart-data" type="application/json">(.*?)</script>', body).group(1))
    assert chart["labels"] == [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    assert chart["aum_avg"][-1] == "150000.00"
    assert "chartjs-4.6.1/chart.umd.min.js" in body and "js/customer_chart.js" in body
    # contact log, latest first
    assert body.index("第19次联系") < body.index("第18次联系") < body.index("第0次联系")


def test_360_page_shows_the_names_of_region_industry_and_occupation(rm_client, customer):
    customer.region = LookupFactory(kind=Lookup.Kind.REGION, code="HZ", name="杭州市")
    customer.industry = LookupFactory(kind=Lookup.Kind.INDUSTRY, code="C", name="制造业")
    customer.occupation = LookupFactory(kind=Lookup.Kind.OCCUPATION, code="T", name="教师")
    customer.save(update_fields=["region", "industry", "occupation"])
    body = rm_client.get(customer.get_absolute_url()).content.decode()
    assert '<dd class="col-7">杭州市</dd>' in body and '<dd class="col-7">制造业</dd>' in body
    assert '<dd class="col-7">教师</dd>' in body


@time_machine.travel(datetime.datetime(2025, 6, 15, 10, 0, tzinfo=datetime.UTC))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_360_contact_form_is_laid_out_as_crispy_lays_out_the_form(language):
    with translation.override(language):
        # given the blank contact form, which the 360 page writes out instead of rendering it with {% crispy %}
        form = ContactLogForm()
        form.helper.disable_csrf = True  # the page's <form> has its own token
        # when
        page = render_to_string("customers/detail.html#contact-form-fields", {"contact_form": form})
        # then
        assertHTMLEqual(page, render_crispy_form(form))


def test_360_page_masks_id_and_mobile(rm_client, customer):
    body = without_next_field(rm_client.get(customer.get_absolute_url()).content.decode())
    assert ID_NUMBER not in body and MOBILE not in body
    assert "110101********" in body and "138****5678" in body


def test_360_page_without_months_or_accounts(rm_client, customer):
    body = rm_client.get(customer.get_absolute_url()).content.decode()
    assert "暂无月度数据" in body and "暂无账户" in body and "还没有交往记录" in body
    assert "chart.umd.min.js" not in body


def test_rm_cannot_open_customer_of_other_outlet(rm_client, outsider):
    before = Customer.objects.values().get(pk=outsider.pk)
    assert rm_client.get(outsider.get_absolute_url()).status_code == 404
    edit_url = reverse("customers:edit", args=[outsider.pk])
    assert rm_client.get(edit_url).status_code == 404
    assert rm_client.post(edit_url, profile_post(outsider, name="改名", mobile="13700000000")).status_code == 404
    contact_url = reverse("customers:contact_create", args=[outsider.pk])
    response = rm_client.post(contact_url, {"contacted_on": "2025-01-01", "channel": "phone", "summary": "x"})
    assert response.status_code == 404
    assert Customer.objects.values().get(pk=outsider.pk) == before
    assert not ContactLog.objects.exists()


def test_missing_customer_is_404(rm_client, db):
    assert rm_client.get(reverse("customers:detail", args=[987654])).status_code == 404


# --- edit -----------------------------------------------------------------------------------------------


def test_edit_form_never_renders_the_stored_id_or_mobile(rm_client, customer):
    response = rm_client.get(reverse("customers:edit", args=[customer.pk]))
    body = without_next_field(response.content.decode())
    assert response.status_code == 200
    assert ID_NUMBER not in body and MOBILE not in body
    assert "138****5678" in body  # as a hint
    assert 'name="customer_no"' not in body and 'name="org_unit"' not in body and 'name="maintainer"' not in body


def test_edit_saves_the_profile_and_shows_the_new_mobile_masked(rm_client, customer, rm_a1):
    region = LookupFactory(kind="region", code="BJ", name="北京")
    url = reverse("customers:edit", args=[customer.pk])
    response = rm_client.post(url, profile_post(customer, mobile="139 0000 4321", address="北京市东城区", region=region.pk))
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    customer.refresh_from_db()
    assert customer.mobile == "13900004321" and customer.mobile_last4 == "4321"
    assert customer.address == "北京市东城区" and customer.region == region
    assert customer.id_number == ID_NUMBER  # blank input: unchanged
    assert customer.history.first().history_user == rm_a1
    page = rm_client.get(customer.get_absolute_url()).content.decode()
    assert "139****4321" in page and "13900004321" not in without_next_field(page)
    assert "客户资料已保存" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": ID_17 + ("0" if ID_NUMBER[-1] != "0" else "1")}, "id_number", "身份证号码校验位不正确"),
        ({"id_number": "12345"}, "id_number", "身份证号码应为18位"),
        ({"mobile": "2381234567"}, "mobile", "手机号应为以1开头的11位数字"),
        ({"mobile": "1381234567x"}, "mobile", "手机号应为以1开头的11位数字"),
        ({"birth_date": "2999-01-01"}, "birth_date", "出生日期不能晚于今天"),
        ({"birth_date": "1991-02-03"}, "birth_date", "出生日期与身份证号码中的出生日期（1990-01-01）不一致"),
        ({"since": "2999-01-01"}, "since", "建立关系日期不能晚于今天"),
        ({"name": ""}, "name", "请填写姓名/名称"),
        ({"birth_date": "1990-13-45"}, "birth_date", "有效"),
    ],
)
def test_edit_with_invalid_data_shows_chinese_errors_and_saves_nothing(rm_client, customer, changes, field, message):
    before = Customer.objects.values().get(pk=customer.pk)
    response = rm_client.post(reverse("customers:edit", args=[customer.pk]), profile_post(customer, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    body = response.content.decode()
    assert message in body and "资料未保存" in body
    assert Customer.objects.values().get(pk=customer.pk) == before


def test_resident_id_type_needs_a_number(rm_client, org_tree, rm_a1):
    bare = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    response = rm_client.post(reverse("customers:edit", args=[bare.pk]), profile_post(bare, id_type="resident_id"))
    assert "证件类型为居民身份证时，请填写身份证号码" in response.content.decode()


def test_new_resident_id_fills_an_empty_birth_date(rm_client, org_tree, rm_a1):
    bare = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    number = "44030619851231002"
    number += resident_id_check_digit(number)
    response = rm_client.post(
        reverse("customers:edit", args=[bare.pk]), profile_post(bare, id_type="resident_id", id_number=number.lower())
    )
    assert response.status_code == 302
    bare.refresh_from_db()
    assert bare.id_number == number and bare.birth_date == datetime.date(1985, 12, 31)


# --- contact log ----------------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2025, 6, 15, 10, 0, tzinfo=datetime.UTC))
def test_logging_a_contact_puts_it_at_the_top(rm_client, customer, rm_a1):
    ContactLogFactory(customer=customer, staff=rm_a1, contacted_on=datetime.date(2025, 6, 1), summary="上次来访")
    url = reverse("customers:contact_create", args=[customer.pk])
    assert rm_client.get(url).status_code == 200
    response = rm_client.post(
        url, {"contacted_on": "2025-06-15", "channel": "visit", "summary": "上门拜访，介绍理财产品", "next_step": "下周回访"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#contacts")
    log = ContactLog.objects.get(summary="上门拜访，介绍理财产品")
    assert log.staff == rm_a1 and log.customer == customer and log.next_step == "下周回访"
    body = rm_client.get(customer.get_absolute_url()).content.decode()
    assert body.index("上门拜访，介绍理财产品") < body.index("上次来访")
    assert "交往记录已保存" in body


@time_machine.travel(datetime.datetime(2025, 6, 15, 10, 0, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contacted_on": "2025-06-16", "channel": "phone", "summary": "明天的"}, "联系日期不能晚于今天"),
        ({"contacted_on": "2025-06-10", "channel": "phone", "summary": ""}, "请填写交往内容"),
        ({"contacted_on": "2025-06-10", "channel": "pigeon", "summary": "飞鸽"}, "pigeon"),
        ({"contacted_on": "", "channel": "phone", "summary": "无日期"}, "请填写联系日期"),
    ],
)
def test_invalid_contact_is_not_saved(rm_client, customer, data, message):
    response = rm_client.post(reverse("customers:contact_create", args=[customer.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "交往记录未保存" in response.content.decode()
    assert not ContactLog.objects.exists()


def test_stale_profile_save_is_refused_showing_what_changed_and_keeping_the_input(client, customer, rm_a1, org_tree):
    """Issue 10, item 9: rm_a1 saves a new address; head_a, from a form opened earlier, saves the notes."""
    from crm import roles
    from tests.factories import UserFactory

    head = UserFactory(username="head_x", org_unit=org_tree["OUT-A"], roles=[roles.BRANCH_HEAD])
    url = reverse("customers:edit", args=[customer.pk])
    stale = profile_post(customer, notes="主任的备注")  # head's form, opened now
    client.force_login(rm_a1)
    assert client.post(url, profile_post(customer, address="新地址88号")).status_code == 302
    # when the head saves from the older form
    client.force_login(head)
    response = client.post(url, stale)
    # then nothing is lost: refused, the change shown, the head's notes kept in the form
    assert response.status_code == 409
    customer.refresh_from_db()
    assert customer.address == "新地址88号" and customer.notes != "主任的备注"
    html = response.content.decode()
    assert "新地址88号" in html and "主任的备注" in html and "rm_a1" in html or str(rm_a1) in html
    assert response.context["conflict"][0]["now"] == "新地址88号"
    # saving again from the refreshed form is a knowing overwrite of the notes only … and the address stays
    again = {**stale, "version": response.context["form"]["version"].value(), "address": "新地址88号"}
    assert client.post(url, again).status_code == 302
    customer.refresh_from_db()
    assert (customer.address, customer.notes) == ("新地址88号", "主任的备注")


def test_profile_post_without_a_version_is_refused(rm_client, customer):
    response = rm_client.post(reverse("customers:edit", args=[customer.pk]),
                              {**profile_post(customer, notes="x"), "version": "garbage"})
    assert response.status_code == 200
    assert "页面已过期" in response.content.decode()


def test_360_page_pages_5000_contacts_in_a_constant_number_of_queries(
    rm_client, customer, org_tree, rm_a1, django_assert_max_num_queries
):
    """Issue 10, item 14: a customer with 5,000 contacts renders with the same queries, 50 per page."""
    from customers.models import ContactLog

    sparse = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    rm_client.get(sparse.get_absolute_url())
    with CaptureQueriesContext(connection) as sparse_queries:
        rm_client.get(sparse.get_absolute_url())
    ContactLog.objects.bulk_create([
        ContactLog(customer=customer, staff=rm_a1, channel="phone", summary=f"第{n}次联系",
                   contacted_on=datetime.date(2010, 1, 1) + datetime.timedelta(days=n))
        for n in range(5000)
    ])
    with django_assert_max_num_queries(len(sparse_queries)):
        first = rm_client.get(customer.get_absolute_url())
    body = first.content.decode()
    assert body.count('class="contact-entry') == 50 and "第4999次联系" in body and "第4949次联系" not in body
    assert 'href="?contacts=2#contacts"' in body
    with django_assert_max_num_queries(len(sparse_queries)):
        last = rm_client.get(customer.get_absolute_url(), {"contacts": 100})
    body = last.content.decode()
    assert "第0次联系" in body and "较早的记录" not in body and 'href="?contacts=99#contacts"' in body
    bad = rm_client.get(customer.get_absolute_url(), {"contacts": "abc"})
    assert bad.status_code == 200 and "页码“abc”无效" in bad.content.decode()


def test_contact_summary_is_limited_to_2000_characters(rm_client, customer):
    url = reverse("customers:contact_create", args=[customer.pk])
    data = {"contacted_on": "2025-01-02", "channel": "phone", "summary": "长" * 2001, "next_step": ""}
    response = rm_client.post(url, data)
    assert response.status_code == 200
    assert "交往内容不能超过 2000 个字（当前 2001 个字）" in response.content.decode()
    assert not customer.contacts.exists()
    assert rm_client.post(url, {**data, "summary": "长" * 2000}).status_code == 302
    from django.core.exceptions import ValidationError as DjangoValidationError

    from customers.services.contact_log import contact_log_create

    with pytest.raises(DjangoValidationError):
        contact_log_create(customer=customer, staff=customer.maintainer, contacted_on=datetime.date(2025, 1, 2),
                           channel="phone", summary="长" * 2001)
