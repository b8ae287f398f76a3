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


def test_panel_explains_the_corporate_class_against_the_thresholds(org_tree, django_assert_num_queries):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate", credit_customer=False,
                               registered_capital="150000000", target_credit="250000000")
    # 10万 contribution and 2 products: premium's contribution floor reached, its 3 products not → 有效基础
    fact(customer, MONTH, contribution="100000.00", product_count=2, deposit_avg="60000000")
    services.month_close(month=MONTH, build_facts=False)
    with django_assert_num_queries(1):
        html = render(customer)
    assert "有效基础 ✓" in html and "100,000.00" in html
    assert "产品种类未达到" in html  # premium: contribution reached, products not
    assert "两项均达到" in html  # effective
    assert "500,000.00" in html  # the strategic floor of the rule version
    assert "一类" in html and "目标授信" in html and "2.00亿" in html  # class 1 by the target credit
    assert "大型" in html and "注册资本" in html and "1.50亿" in html  # size by registered capital
    assert "v1" in html


def test_panel_lists_every_negative_rule_that_fired_risk_first(org_tree):
    customer = individual(org_unit=org_tree["OUT-A"], malicious_overdraft=True, since=MONTH)
    fact(customer, aum_avg="1000.00", max_balance="1000.00", holds_card=True, card_use_count=0, card_spend=0)
    services.month_close(month=MONTH, build_facts=False)
    html = render(customer)
    assert html.index("恶意透支/逃避债务") < html.index("低效银行卡")
    assert "近3个月月均用卡次数：0.00" in html and "月日均金融资产：1,000.00" in html


def test_corporate_timeline_shows_the_corporate_tiers(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], kind="corporate")
    fact(customer, add_months(MONTH, -1), contribution="0.00", product_count=1)
    fact(customer, MONTH, contribution="20000.00", product_count=2)
    services.month_close(month=add_months(MONTH, -1), build_facts=False)
    services.month_close(month=MONTH, build_facts=False)
    html = render(customer)
    timeline = html[html.index("近13个月变化"):]
    assert "培育型" in timeline and "有效基础" in timeline and 'class="table-warning"' in timeline
