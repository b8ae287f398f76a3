"""Companies and institutions on the customer list: their size, deposit class and class, filters and sorts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.filters import CustomerFilter
from customers.models import Customer, CustomerStanding
from customers.scoping import visible_customers
from tests.factories import CustomerFactory

LIST = reverse("customers:list")


def names_on(response) -> list[str]:
    return re.findall(r'class="fw-semibold customer-name">([^<]+)</a>', response.content.decode())


@pytest.fixture
def head_client(client, head_a):
    client.force_login(head_a)
    return client


@pytest.fixture
def companies(org_tree):
    unit = org_tree["OUT-A"]
    return [
        CustomerFactory(name="大钢集团", org_unit=unit, kind=Customer.Kind.CORPORATE, aum=Decimal("10"),
                        corporate_size="extra_large", deposit_class="class_1", corporate_class="strategic"),
        CustomerFactory(name="小微商贸", org_unit=unit, kind=Customer.Kind.CORPORATE, aum=Decimal("30"),
                        corporate_size="micro", deposit_class="class_3", corporate_class="adjust"),
        CustomerFactory(name="市第一医院", org_unit=unit, kind=Customer.Kind.INSTITUTION, aum=Decimal("20"),
                        corporate_size="medium", deposit_class="class_2", corporate_class="premium"),
        CustomerFactory(name="张三", org_unit=unit, aum=Decimal("40"), asset_tier="gold", value_segment="mass"),
    ]


def test_corporate_rows_show_size_deposit_class_and_class(head_client, companies):
    body = head_client.get(LIST).content.decode()
    row = body[body.index("大钢集团"):body.index("</tr>", body.index("大钢集团"))]
    assert "特大型" in row and "一类" in row and "战略基础" in row
    hospital = body[body.index("市第一医院"):body.index("</tr>", body.index("市第一医院"))]
    assert "中型" in hospital and "二类" in hospital and "优质基础" in hospital
    person = body[body.index("张三"):body.index("</tr>", body.index("张三"))]
    assert "金卡" in person and "大众" in person


def test_corporate_filters(head_client, companies):
    assert names_on(head_client.get(LIST, {"corporate_size": "extra_large"})) == ["大钢集团"]
    assert names_on(head_client.get(LIST, {"deposit_class": "class_2"})) == ["市第一医院"]
    assert names_on(head_client.get(LIST, {"corporate_class": "adjust"})) == ["小微商贸"]
    bad = head_client.get(LIST, {"corporate_size": "huge", "corporate_class": "x"})
    assert bad.status_code == 200
    assert "企业规模无效" in bad.content.decode() and "客户分类无效" in bad.content.decode()
    assert len(names_on(bad)) == 4  # the bad filters are ignored


def test_corporate_sorts_and_the_corporate_view_headers(head_client, companies):
    params = {"kind": "corporate"}
    assert names_on(head_client.get(LIST, {**params, "sort": "corporate_size"})) == ["大钢集团", "小微商贸"]
    assert names_on(head_client.get(LIST, {**params, "sort": "-corporate_size"})) == ["小微商贸", "大钢集团"]
    everyone = names_on(head_client.get(LIST, {"sort": "deposit_class"}))
    assert everyone[:3] == ["大钢集团", "市第一医院", "小微商贸"]  # individuals (no class) last
    assert names_on(head_client.get(LIST, {"sort": "corporate_class"}))[:3] == ["大钢集团", "市第一医院", "小微商贸"]
    # filtered to companies, the tier headers become the corporate ones, each sortable
    body = head_client.get(LIST, params).content.decode()
    assert "sort=corporate_size" in body and "sort=deposit_class" in body and "sort=corporate_class" in body
    assert ">企业规模" in body and "资产等级</a>" not in body
    body = head_client.get(LIST).content.decode()
    assert "sort=-asset_tier" in body and "sort=corporate_size" not in body


def test_corporate_view_keeps_a_constant_number_of_queries(head_client, companies, org_tree,
                                                          django_assert_max_num_queries):
    head_client.get(LIST, {"kind": "corporate"})
    with CaptureQueriesContext(connection) as few:
        head_client.get(LIST, {"kind": "corporate", "sort": "corporate_class"})
    for n in range(30):
        CustomerFactory(name=f"公司{n:02d}", org_unit=org_tree["OUT-A"], kind=Customer.Kind.CORPORATE,
                        corporate_size="small", deposit_class="class_3", corporate_class="nurture")
    with django_assert_max_num_queries(len(few)):
        response = head_client.get(LIST, {"kind": "corporate", "sort": "corporate_class"})
    assert len(names_on(response)) == 25


@pytest.mark.parametrize(("name", "index"), [("corporate_size", "standing_org_corp_size"),
                                             ("deposit_class", "standing_org_deposit_class"),
                                             ("corporate_class", "standing_org_corp_class")])
def test_corporate_filters_use_their_indexes(head_a, org_tree, name, index):
    value = {"corporate_size": "large", "deposit_class": "class_1", "corporate_class": "strategic"}[name]
    standings = CustomerFilter({name: value, "org_unit": org_tree["OUT-A"].pk},
                               queryset=visible_customers(user=head_a), user=head_a)
    queryset = standings.standings(CustomerStanding.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.order_by("-aum_cents").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
