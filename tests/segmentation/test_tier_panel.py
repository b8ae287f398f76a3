"""The 'why' panel on the customer page: reasons, timeline, constant queries."""

from __future__ import annotations

from django.template import Context, Template

from crm.months import add_months
from segmentation import services
from tests.factories import CustomerFactory
from tests.segmentation.factories import MONTH, fact, individual


def render(customer):
    return Template("{% load tier_panel %}{% customer_tier_panel customer %}").render(Context({"customer": customer}))


def test_panel_explains_tier_segment_band_and_timeline(org_tree, django_assert_num_queries):
    customer = individual(org_unit=org_tree["OUT-A"], bad_credit_count=2)
    months = [add_months(MONTH, -n) for n in range(14, -1, -1)]
    for n, month in enumerate(months):
        aum = "1500000" if n < 10 else "150000"
        fact(customer, month, aum_avg=aum, max_balance=aum, last_txn_date=month)
    for month in months:
        services.month_close(month=month, build_facts=False)
    with django_assert_num_queries(1):  # the panel's columns only: none loaded afterwards
        html = render(customer)
    assert "金卡" in html and "白金" in html  # current tier and the timeline's earlier tier
    assert "信誉不良记录" in html and "不良记录次数：2" in html  # the rule and its evidence
    assert "v1" in html and "10.00万" in html  # the gold threshold
    assert "2023-06" in html and "2023-05" not in html  # 13 months: 2023-06 … 2024-06
    assert "盈利性指标" in html and "稳定性指标" in html


def test_panel_without_assignment(org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    assert "尚无月结分层结果" in render(customer)


def test_panel_of_a_corporate_customer_shows_size_deposit_class_and_class(org_tree, django_assert_num_queries):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate", credit_customer=True)
    fact(customer, MONTH, contribution="100.00", product_count=0)
    services.month_close(month=MONTH, build_facts=False)
    with django_assert_num_queries(1):  # the panel's columns only: none loaded afterwards
        html = render(customer)
    assert "小微型" in html and "三类" in html and "调整型" in html
    assert "2024-06" in html and "v1" in html and "盈利性指标" not in html
