"""Reads behind the customer screens: search shapes, index use, capped counting, 360 data, choices."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.errors import NotFound
from customers.models import Customer
from customers.selectors import (
    CappedPaginator,
    SearchShape,
    customer_360,
    customer_page,
    customer_search,
    maintainer_choices,
    name_grams,
    search_shape,
    visible_org_units,
)
from tests.customers.factories import ContactLogFactory, CustomerMonthFactory
from tests.factories import CustomerFactory, UserFactory


@pytest.mark.parametrize(
    ("q", "shape"),
    [
        ("5678", SearchShape.LAST4),
        ("13812345678", SearchShape.MOBILE),
        ("110101199001011237", SearchShape.ID_NUMBER),
        ("11010119900101123x", SearchShape.ID_NUMBER),
        ("110101900101123", SearchShape.ID_NUMBER),  # 15-digit (first generation) ID
        ("C000123", SearchShape.CODE),
        ("123456", SearchShape.CODE),
        ("张三", SearchShape.NAME),
        ("Tom", SearchShape.NAME),
        ("张3", SearchShape.NAME),
    ],
)
def test_search_shape(q, shape):
    assert search_shape(q) == shape


def test_name_grams():
    assert name_grams("张") == ["张"]
    assert name_grams("张三丰") == sorted(["张三", "三丰"])
    assert name_grams("AbAb") == sorted(["ab", "ba"])


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Nor a full scan of another index in its order (what a planner, left with an empty table's statistics
        # by earlier tests, may prefer): only an index with a matching condition can serve.
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_name_search_uses_the_gram_index(db):
    plan = _plan(customer_search(customers=Customer.objects.all(), q="三丰"))
    assert "customer_name_grams" in plan


def test_customer_number_prefix_uses_the_pattern_index(db):
    plan = _plan(customer_search(customers=Customer.objects.all(), q="C0001"))
    # a varchar_pattern_ops index turns the prefix into a range scan (~>=~ … ~<~)
    assert "~>=~" in plan and "Seq Scan" not in plan


def test_mobile_and_last4_searches_use_their_indexes(db):
    assert "customer_mobile" in _plan(customer_search(customers=Customer.objects.all(), q="13812345678"))
    assert "customer_mobile_last4" in _plan(customer_search(customers=Customer.objects.all(), q="5678"))
    assert "customer_id_number" in _plan(customer_search(customers=Customer.objects.all(), q="110101199001011237"))


def test_name_search_escapes_like_wildcards(org_tree):
    CustomerFactory(name="百分之百", org_unit=org_tree["OUT-A"])
    CustomerFactory(name="100%纯", org_unit=org_tree["OUT-A"])
    found = customer_search(customers=Customer.objects.all(), q="%纯")
    assert [c.name for c in found] == ["100%纯"]
    assert not customer_search(customers=Customer.objects.all(), q="_").exists()


def test_capped_count_limits_the_subquery(org_tree, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for _n in range(5):
        CustomerFactory(org_unit=org_tree["OUT-A"])
    with CaptureQueriesContext(connection) as queries:
        result = customer_page(customers=Customer.objects.order_by("pk"), page="1")
    assert result.paginator.count == 4 and result.paginator.capped
    assert result.paginator.num_pages == 1
    assert "LIMIT 4" in queries[0]["sql"]


def test_customer_360_is_scoped_and_keeps_the_last_twelve_months(org_tree, rm_a1, rm_b1):
    mine = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    theirs = CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    for n in range(14):
        CustomerMonthFactory(customer=mine, month=datetime.date(2024 + n // 12, n % 12 + 1, 1), aum_avg=Decimal(n))
    ContactLogFactory(customer=mine, staff=rm_a1, contacted_on=datetime.date(2025, 1, 1), summary="旧")
    ContactLogFactory(customer=mine, staff=rm_a1, contacted_on=datetime.date(2025, 2, 1), summary="新")
    data = customer_360(user=rm_a1, pk=mine.pk)
    assert len(data["months"]) == 12
    assert data["chart"]["labels"][0] == "2024-03" and data["chart"]["labels"][-1] == "2025-02"
    assert [c.summary for c in data["contacts"]] == ["新", "旧"]
    with pytest.raises(NotFound):
        customer_360(user=rm_a1, pk=theirs.pk)


def test_filter_choices_stay_inside_the_users_subtree(org_tree, rm_a1, head_a, hq_user):
    UserFactory(username="rm_b9", org_unit=org_tree["OUT-B"])
    colleague = UserFactory(username="rm_a9", org_unit=org_tree["OUT-A"])
    assert set(visible_org_units(user=head_a)) == {org_tree["OUT-A"]}
    assert set(visible_org_units(user=hq_user)) == set(org_tree.values())
    assert set(maintainer_choices(user=rm_a1)) == {rm_a1, colleague, head_a}
    assert "rm_b9" in {u.username for u in maintainer_choices(user=hq_user)}
