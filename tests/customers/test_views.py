"""The relationship manager's customer list: scope, search, filters, sort, paging, masking, query caps."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from customers.selectors import CappedPaginator
from customers.validators import resident_id_check_digit
from tests.factories import CustomerFactory, UserFactory

LIST = reverse("customers:list")


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def names_on(response) -> list[str]:
    return re.findall(r'class="fw-semibold customer-name">([^<]+)</a>', response.content.decode())


@pytest.fixture
def rm_client(client, rm_a1):
    client.force_login(rm_a1)
    return client


def test_list_requires_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_rm_sees_only_the_customers_they_maintain(rm_client, org_tree, rm_a1, rm_b1):
    CustomerFactory(name="自己的客户", org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    CustomerFactory(name="同网点别人的", org_unit=org_tree["OUT-A"], maintainer=None)
    CustomerFactory(name="外网点的客户", org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    response = rm_client.get(LIST)
    assert response.status_code == 200
    assert names_on(response) == ["自己的客户"]
    assert "共 1 位客户" in response.content.decode()


# --- search by shape ------------------------------------------------------------------------------------


@pytest.fixture
def searchable(org_tree, rm_a1):
    make = lambda **kw: CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, **kw)  # noqa: E731
    return {
        "zhang": make(name="张三丰", customer_no="C100000001", mobile="13812345678",
                      id_type="resident_id", id_number=resident_id("11010119900101123")),
        "li": make(name="李四", customer_no="C100000002", mobile="13900005678"),
        "wang": make(name="王小丰", customer_no="D200000003", mobile="13700001111",
                     id_type="resident_id", id_number=resident_id("44030619851231002")),
        "tom": make(name="Tom Lee", customer_no="E300000004", mobile="13600002222"),
        "code4": make(name="赵六", customer_no="5678", mobile="13500003333"),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("三丰", ["张三丰"]),  # Chinese substring (bigram)
        ("丰", ["张三丰", "王小丰"]),  # one character
        ("张三丰", ["张三丰"]),
        ("三四", []),  # grams match nothing
        ("tom", ["Tom Lee"]),  # letters: case-insensitive name substring
        ("C1000", ["张三丰", "李四"]),  # customer number prefix
        ("c10000", ["张三丰", "李四"]),  # prefix, lower-case typed
        ("D200000003", ["王小丰"]),  # exact customer number
        ("5678", ["张三丰", "李四", "赵六"]),  # mobile last four digits, or a customer number
        ("13812345678", ["张三丰"]),  # full mobile
    ],
)
def test_search_decides_by_shape(rm_client, searchable, q, expected):
    response = rm_client.get(LIST, {"q": q}, follow=True)  # a full mobile or ID is moved out of the URL first
    assert response.status_code == 200
    assert sorted(names_on(response)) == sorted(expected)


def test_search_by_id_number_accepts_lower_case_x(rm_client, org_tree, rm_a1):
    number = next(
        resident_id(f"1101011990010{n:03d}1") for n in range(1000) if resident_id(f"1101011990010{n:03d}1")[-1] == "X"
    )
    CustomerFactory(name="带X的客户", org_unit=org_tree["OUT-A"], maintainer=rm_a1, id_number=number)
    response = rm_client.get(LIST, {"q": number.lower()}, follow=True)
    assert names_on(response) == ["带X的客户"]


def test_search_never_echoes_a_full_mobile_or_id(rm_client, searchable):
    customer = searchable["zhang"]
    for q in [customer.mobile, customer.id_number]:
        response = rm_client.post(reverse("customers:search"), {"q": q}, follow=True)
        body = response.content.decode()
        assert names_on(response) == ["张三丰"]
        assert customer.mobile not in body
        assert customer.id_number not in body
    assert "138****5678" in body
    assert "110101********" in body


def test_search_outside_scope_finds_nothing(rm_client, org_tree, rm_b1):
    CustomerFactory(name="外网点张三", org_unit=org_tree["OUT-B"], maintainer=rm_b1, mobile="13812340000")
    for q in ["张三", "0000", "13812340000"]:
        assert names_on(rm_client.get(LIST, {"q": q})) == []


def test_too_long_search_is_reported_not_crashed(rm_client, searchable):
    response = rm_client.get(LIST, {"q": "张" * 150})
    assert response.status_code == 200
    assert "搜索内容不能超过 100 个字" in response.content.decode()


# --- filters ------------------------------------------------------------------------------------------


@pytest.fixture
def head_client(client, head_a):
    client.force_login(head_a)
    return client


def test_org_unit_filter_covers_the_subtree_and_refuses_units_outside_it(client, org_tree):
    br1_head = UserFactory(username="br1_head", org_unit=org_tree["BR1"], roles=["网点主任"])
    CustomerFactory(name="A网点", org_unit=org_tree["OUT-A"])
    CustomerFactory(name="C网点", org_unit=org_tree["OUT-C"])
    CustomerFactory(name="B网点", org_unit=org_tree["OUT-B"])
    client.force_login(br1_head)
    assert sorted(names_on(client.get(LIST))) == ["A网点", "C网点"]
    assert names_on(client.get(LIST, {"org_unit": org_tree["OUT-C"].pk})) == ["C网点"]
    assert sorted(names_on(client.get(LIST, {"org_unit": org_tree["BR1"].pk}))) == ["A网点", "C网点"]
    response = client.get(LIST, {"org_unit": org_tree["OUT-B"].pk})
    assert response.status_code == 200
    assert "请选择您可查看范围内的机构" in response.content.decode()
    assert sorted(names_on(response)) == ["A网点", "C网点"]  # the bad filter is ignored, scope still holds
    # the choices offered are the subtree only
    body = client.get(LIST).content.decode()
    assert "网点B" not in body and "网点C" in body


def test_maintainer_kind_and_tier_filters(head_client, org_tree, rm_a1):
    other = UserFactory(username="rm_a2", org_unit=org_tree["OUT-A"], roles=["客户经理"])
    CustomerFactory(name="甲", org_unit=org_tree["OUT-A"], maintainer=rm_a1, asset_tier="gold",
                    value_segment="vip", maintenance_band="wealth", profit_score=Decimal("80"),
                    stability_score=Decimal("40"))
    CustomerFactory(name="乙公司", org_unit=org_tree["OUT-A"], maintainer=other, kind=Customer.Kind.CORPORATE,
                    asset_tier="", value_segment="negative", profit_score=Decimal("20"),
                    stability_score=Decimal("90"))
    assert names_on(head_client.get(LIST, {"maintainer": rm_a1.pk})) == ["甲"]
    assert names_on(head_client.get(LIST, {"maintainer": other.pk})) == ["乙公司"]
    assert names_on(head_client.get(LIST, {"kind": "corporate"})) == ["乙公司"]
    assert names_on(head_client.get(LIST, {"asset_tier": "gold"})) == ["甲"]
    assert names_on(head_client.get(LIST, {"value_segment": "negative"})) == ["乙公司"]
    assert names_on(head_client.get(LIST, {"maintenance_band": "wealth"})) == ["甲"]
    assert names_on(head_client.get(LIST, {"profit_min": "60"})) == ["甲"]
    assert names_on(head_client.get(LIST, {"stability_min": "60"})) == ["乙公司"]
    bad = head_client.get(LIST, {"asset_tier": "mythril", "kind": "alien"})
    assert bad.status_code == 200
    assert "资产等级无效" in bad.content.decode() and "客户类型无效" in bad.content.decode()
    assert sorted(names_on(bad)) == ["乙公司", "甲"]


def test_aum_range_is_lower_inclusive(head_client, org_tree):
    for name, aum in [("十万", "100000.00"), ("九万九", "99999.99"), ("一百万", "1000000.00")]:
        CustomerFactory(name=name, org_unit=org_tree["OUT-A"], aum=Decimal(aum))
    assert sorted(names_on(head_client.get(LIST, {"aum_min": "100000"}))) == ["一百万", "十万"]
    assert names_on(head_client.get(LIST, {"aum_min": "100000", "aum_max": "1000000"})) == ["十万"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"aum_min": "abc"}, "请输入金额数字"),
        ({"aum_min": "-5"}, "金额不能为负数"),
        ({"aum_min": "500", "aum_max": "100"}, "金融资产上限必须大于下限"),
        ({"profit_min": "101"}, "得分不能大于 100"),
        ({"sort": "evil; drop table"}, "不支持该排序方式"),
        ({"org_unit": "abc"}, "请选择您可查看范围内的机构"),
        ({"maintainer": "999999"}, "请选择您可查看范围内的维护人"),
        ({"page": "-1"}, "页码必须大于 0"),
        ({"page": "999999"}, "页码超出范围"),
        ({"page": "abc"}, "不是有效的数字"),
        ({"aum_max": "1" * 40}, "金额位数过多"),
        ({"q": "a\x00b"}, "搜索："),
        ({"org_unit": "1\x00"}, "所属机构："),
    ],
)
def test_bad_parameters_give_a_chinese_message_not_an_error(head_client, org_tree, params, message):
    CustomerFactory(name="照常显示", org_unit=org_tree["OUT-A"], aum=Decimal("200"))
    response = head_client.get(LIST, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert names_on(response) == ["照常显示"]


@time_machine.travel(datetime.datetime(2025, 3, 10, 9, 0, tzinfo=datetime.UTC))
def test_birthday_this_month_filter(head_client, org_tree):
    CustomerFactory(name="三月生", org_unit=org_tree["OUT-A"], birth_date=datetime.date(1980, 3, 28))
    CustomerFactory(name="四月生", org_unit=org_tree["OUT-A"], birth_date=datetime.date(1980, 4, 1))
    CustomerFactory(name="没生日", org_unit=org_tree["OUT-A"])
    assert names_on(head_client.get(LIST, {"birthday_this_month": "on"})) == ["三月生"]
    assert len(names_on(head_client.get(LIST, {"birthday_this_month": ""}))) == 3


# --- sort -----------------------------------------------------------------------------------------------


def test_sorts_by_allow_listed_columns(head_client, org_tree):
    CustomerFactory(name="b", customer_no="K3", org_unit=org_tree["OUT-A"], aum=Decimal("5"),
                    since=datetime.date(2020, 1, 1), asset_tier="regular", profit_score=Decimal("10"))
    CustomerFactory(name="a", customer_no="K1", org_unit=org_tree["OUT-A"], aum=Decimal("50"),
                    since=datetime.date(2010, 1, 1), asset_tier="diamond", profit_score=Decimal("90"))
    CustomerFactory(name="c", customer_no="K2", org_unit=org_tree["OUT-A"], aum=Decimal("20"),
                    since=None, asset_tier="gold", profit_score=None)
    assert names_on(head_client.get(LIST)) == ["a", "c", "b"]  # default: AUM high to low
    assert names_on(head_client.get(LIST, {"sort": "aum"})) == ["b", "c", "a"]
    assert names_on(head_client.get(LIST, {"sort": "name"})) == ["a", "b", "c"]
    assert names_on(head_client.get(LIST, {"sort": "-name"})) == ["c", "b", "a"]
    assert names_on(head_client.get(LIST, {"sort": "customer_no"})) == ["a", "c", "b"]
    assert names_on(head_client.get(LIST, {"sort": "-since"})) == ["b", "a", "c"]  # unknown dates last
    assert names_on(head_client.get(LIST, {"sort": "since"})) == ["a", "b", "c"]
    assert names_on(head_client.get(LIST, {"sort": "-asset_tier"})) == ["a", "c", "b"]
    assert names_on(head_client.get(LIST, {"sort": "asset_tier"})) == ["b", "c", "a"]
    assert names_on(head_client.get(LIST, {"sort": "-profit_score"})) == ["a", "b", "c"]
    evil = head_client.get(LIST, {"sort": "password"})
    assert names_on(evil) == ["a", "c", "b"]


# --- paging, counting, queries --------------------------------------------------------------------------


def test_pages_of_25_with_a_constant_number_of_queries(rm_client, org_tree, rm_a1, django_assert_max_num_queries):
    CustomerFactory(name="客户00", org_unit=org_tree["OUT-A"], maintainer=rm_a1, aum=Decimal(1000))
    rm_client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as one_customer:
        rm_client.get(LIST)
    assert len(one_customer) <= 20  # session, user, roles and permissions included
    for n in range(1, 30):
        CustomerFactory(name=f"客户{n:02d}", org_unit=org_tree["OUT-A"], maintainer=rm_a1, aum=Decimal(1000 - n),
                        mobile=f"138000000{n:02d}")
    with django_assert_max_num_queries(len(one_customer)):
        first = rm_client.get(LIST)
    with django_assert_max_num_queries(len(one_customer)):
        second = rm_client.get(LIST, {"page": "2", "sort": "-aum"})
    assert len(names_on(first)) == 25
    assert names_on(second) == [f"客户{n:02d}" for n in range(25, 30)]
    assert "共 30 位客户" in first.content.decode()
    assert "page=2" in first.content.decode()


def test_count_is_capped(head_client, org_tree, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    for _n in range(8):
        CustomerFactory(org_unit=org_tree["OUT-A"])
    response = head_client.get(LIST)
    assert "共 5+ 位客户" in response.content.decode()
    assert response.context["paginator"].num_pages == 1


def test_htmx_request_gets_the_results_partial_only(head_client, org_tree):
    CustomerFactory(name="局部刷新", org_unit=org_tree["OUT-A"])
    response = head_client.get(LIST, {"q": "局部"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "filter-form" in body  # the hidden sort input belongs to the page's form
    assert names_on(response) == ["局部刷新"]


def test_list_page_works_without_javascript(head_client, org_tree):
    body = head_client.get(LIST).content.decode()
    assert '<form id="filter-form"' in body and 'method="post"' in body and 'action="/customers/search/"' in body
    assert 'hx-post="/customers/search/"' in body


def test_full_id_or_mobile_never_appears_in_a_url_a_log_line_or_the_access_log(rm_client, searchable, caplog):
    """Issue 10, item 5: the search is POSTed and the list's URL carries an opaque token instead."""
    from crm.models import AccessLog

    customer = searchable["zhang"]
    for q in [customer.mobile, customer.id_number]:
        caplog.clear()
        # without JavaScript: POST, then a redirect to a URL with the token
        response = rm_client.post(reverse("customers:search"), {"q": q, "kind": "individual"})
        assert response.status_code == 302 and q not in response["Location"] and "qt=" in response["Location"]
        page = rm_client.get(response["Location"])
        assert names_on(page) == ["张三丰"]
        body = page.content.decode()
        assert q not in body
        # pages and sort links carry the token, never the text
        assert all(q not in link for link in [response["Location"], page.context["page_query"]])
        # with htmx: the results are fetched from the tokenized URL
        hx = rm_client.post(reverse("customers:search"), {"q": q}, HTTP_HX_REQUEST="true")
        assert hx.status_code == 204 and q not in hx["HX-Location"] and "qt=" in hx["HX-Location"]
        # a full number typed into the address bar is moved out of it at once
        typed = rm_client.get(LIST, {"q": q})
        assert typed.status_code == 302 and q not in typed["Location"]
        assert not any(q in record.getMessage() for record in caplog.records)
    assert not any(customer.mobile in str(row.detail) or customer.id_number in str(row.detail)
                   for row in AccessLog.objects.all())


def test_an_expired_search_token_says_so(rm_client, searchable):
    response = rm_client.get(LIST, {"qt": "no-such-token"})
    assert response.status_code == 200
    assert "搜索已过期" in response.content.decode()


def test_htmx_ordinary_search_stays_in_the_url(rm_client, searchable):
    customer = searchable["zhang"]
    response = rm_client.post(reverse("customers:search"), {"q": "张三", "kind": "individual"},
                              HTTP_HX_REQUEST="true")
    assert "q=%E5%BC%A0%E4%B8%89" in response["HX-Location"]
    assert customer.mobile not in response["HX-Location"]
