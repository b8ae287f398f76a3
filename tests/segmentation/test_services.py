"""Rule versions (validation, publish, history) and the month close (atomic, immutable, reopen)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.months import add_months
from customers.models import CustomerStanding
from segmentation import engine, services
from segmentation.models import Assignment, MonthClose, MonthReopen, RuleVersion, RuleVersionChange, TierChange
from segmentation.selectors import whatif_compute
from tests.factories import UserFactory
from tests.segmentation.factories import MONTH, fact, individual


def population(org):
    """A handful of customers around the thresholds."""
    people = []
    for aum in ["30000", "60000", "150000", "250000", "1200000", "6000000"]:
        customer = individual(org_unit=org, credit_rating="AA", income_band="high")
        fact(customer, aum_avg=aum, aum_end=aum, max_balance=aum, product_count=3, active_days=12)
        people.append(customer)
    return people


def test_default_version_one_is_published_from_2000(db):
    v1 = RuleVersion.objects.get(number=1)
    assert v1.is_published and v1.effective_month == dt.date(2000, 1, 1)
    assert v1.gold_min == Decimal("100000.00") and v1.diamond_min == Decimal("5000000.00")
    assert services.rule_version_errors(v1) == []


def test_close_month_assigns_everyone_and_updates_the_standing(org_tree):
    people = population(org_tree["OUT-A"])
    row = services.month_close(month=MONTH, build_facts=False)
    assert row.state == MonthClose.State.CLOSED and row.customer_count == len(people)
    assert row.rule_version.number == 1
    top = CustomerStanding.objects.get(pk=people[-1].pk)
    assert (top.asset_tier, top.maintenance_band) == ("diamond", "wealth_centre")
    assert top.profit_score is not None


def test_closing_a_closed_month_is_refused_until_reopened(org_tree):
    population(org_tree["OUT-A"])
    services.month_close(month=MONTH, build_facts=False)
    with pytest.raises(services.MonthCloseError, match="已月结"):
        services.month_close(month=MONTH, build_facts=False)
    admin = UserFactory(username="admin1", org_unit=org_tree["HQ"])
    services.month_reopen(month=MONTH, reason="补录余额", by=admin)
    assert MonthReopen.objects.get().reason == "补录余额"
    services.month_close(month=MONTH, build_facts=False)
    assert Assignment.objects.filter(month=MONTH).count() == 6


def test_close_month_command_exit_codes_and_messages(org_tree):
    population(org_tree["OUT-A"])
    call_command("close_month", "--month", "2024-06")
    with pytest.raises(CommandError, match="已月结") as excinfo:
        call_command("close_month", "--month", "2024-06")
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError, match="月份格式错误"):
        call_command("close_month", "--month", "2024/6")
    with pytest.raises(CommandError, match="原因"):
        call_command("reopen_month", "--month", "2024-06", "--reason", " ")
    call_command("reopen_month", "--month", "2024-06", "--reason", "数据更正")
    assert MonthClose.objects.get(month=MONTH).state == MonthClose.State.OPEN


def test_unfinished_or_empty_months_cannot_be_closed(org_tree):
    population(org_tree["OUT-A"])
    # a month that has not ended yet (nor any later one) …
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("close_month", "--month", "2099-01")
    # … and a past month with no balances at all would turn every customer 普通: refused
    with pytest.raises(CommandError, match="没有导入任何账户余额"):
        call_command("close_month", "--month", "2001-01")
    assert not MonthClose.objects.filter(state=MonthClose.State.CLOSED).exists()


def test_failed_close_leaves_nothing_half_written(org_tree, monkeypatch):
    population(org_tree["OUT-A"])

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "tier_changes_insert", explode)
    with pytest.raises(RuntimeError):
        services.month_close(month=MONTH, build_facts=False)
    assert not Assignment.objects.exists()
    assert not MonthClose.objects.filter(state=MonthClose.State.CLOSED).exists()
    assert not CustomerStanding.objects.exclude(asset_tier="").exists()


def test_version_published_mid_year_applies_only_from_its_effective_month(org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    july = add_months(MONTH, 1)
    fact(customer, aum_avg="60000", max_balance="60000")
    fact(customer, july, aum_avg="60000", max_balance="60000", last_txn_date=july)
    v2 = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    v2.gold_min = Decimal("50000.00")
    v2.effective_month = july
    services.rule_version_save(version=v2)
    services.rule_version_publish(version=v2)
    services.month_close(month=MONTH, build_facts=False)
    services.month_close(month=july, build_facts=False)
    june_a = Assignment.objects.get(month=MONTH)
    july_a = Assignment.objects.get(month=july)
    assert (june_a.rule_version.number, june_a.asset_tier) == (1, "regular")
    assert (july_a.rule_version.number, july_a.asset_tier) == (v2.number, "gold")
    assert TierChange.objects.get(month=july, field="asset_tier").direction == "up"
    assert CustomerStanding.objects.get(pk=customer.pk).asset_tier == "gold"


def test_closing_an_older_month_does_not_overwrite_the_standing(org_tree):
    customer = individual(org_unit=org_tree["OUT-A"])
    july = add_months(MONTH, 1)
    fact(customer, aum_avg="6000000", max_balance="6000000")
    fact(customer, july, aum_avg="60000", max_balance="60000", last_txn_date=july)
    services.month_close(month=july, build_facts=False)
    services.month_close(month=MONTH, build_facts=False)
    assert CustomerStanding.objects.get(pk=customer.pk).asset_tier == "regular"


def test_publishing_a_bad_draft_is_refused_with_reasons(db):
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.platinum_min = Decimal("100000.00")  # equal to gold: not strictly increasing
    draft.profit_cutoff = Decimal("120")
    draft.stability_indicators[0]["weight"] = "25"
    draft.save()
    with pytest.raises(ValidationError) as excinfo:
        services.rule_version_publish(version=draft)
    text = " ".join(excinfo.value.messages)
    assert "资产等级" in text and "严格递增" in text
    assert "盈利性分界P*" in text
    assert "权重合计应为100%" in text
    draft.refresh_from_db()
    assert draft.state == RuleVersion.State.DRAFT


def test_published_version_is_read_only_and_changes_are_logged(org_tree):
    admin = UserFactory(username="admin2", org_unit=org_tree["HQ"])
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1), by=admin)
    old = RuleVersion.objects.get(pk=draft.pk)
    draft.gold_min = Decimal("120000.00")
    services.rule_version_save(version=draft, by=admin, old=old)
    change = RuleVersionChange.objects.get(version=draft, field="gold_min")
    assert (change.old_value, change.new_value, change.changed_by) == ("100000.00", "120000.00", admin)
    services.rule_version_publish(version=draft, by=admin)
    draft.refresh_from_db()
    draft.gold_min = Decimal("1.00")
    with pytest.raises(ValidationError, match="已发布"):
        services.rule_version_save(version=draft, by=admin)


def test_whatif_counts_equal_counts_after_publishing_and_closing(org_tree):
    people = population(org_tree["OUT-A"])
    bad = individual(org_unit=org_tree["OUT-A"], bad_credit_count=2)
    fact(bad, aum_avg="90000", max_balance="90000")
    services.month_close(month=MONTH, build_facts=False)
    before = {a.customer_id: a for a in Assignment.objects.filter(month=MONTH)}

    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.gold_min = Decimal("50000.00")
    draft.band_wealth_min = Decimal("1000000.00")
    draft.bad_credit_min = 3
    draft.effective_month = MONTH
    services.rule_version_save(version=draft)
    preview = whatif_compute(version=draft, month=MONTH)

    services.rule_version_publish(version=draft)
    services.month_reopen(month=MONTH, reason="新规则")
    services.month_close(month=MONTH, build_facts=False)
    after = {a.customer_id: a for a in Assignment.objects.filter(month=MONTH)}
    assert {a.rule_version_id for a in after.values()} == {draft.pk}

    asset = Counter((before[c].asset_tier, after[c].asset_tier) for c in after)
    segment = Counter((before[c].value_segment, after[c].value_segment) for c in after)
    assert preview.asset_matrix == dict(asset)
    assert preview.segment_matrix == dict(segment)
    assert preview.asset_moved_customers == sum(n for (a, b), n in asset.items() if a != b) > 0
    bands_after = Counter(a.maintenance_band for a in after.values() if a.maintenance_band)
    assert {b["band"]: b["after"] for b in preview.bands if b["after"]} == dict(bands_after)
    assert len(people) + 1 == preview.customers


def test_whatif_lists_affected_customers(org_tree):
    population(org_tree["OUT-A"])
    services.month_close(month=MONTH, build_facts=False)
    draft = services.rule_version_copy(version=RuleVersion.objects.get(number=1))
    draft.gold_min = Decimal("50000.00")
    services.rule_version_save(version=draft)
    preview, affected = whatif_compute(version=draft, month=MONTH, affected_limit=50)
    assert {(r["tier_from"], r["tier_to"]) for r in affected} >= {("regular", "gold")}
    assert preview.asset_moved_customers == len([r for r in affected if r["tier_from"] != r["tier_to"]])


def test_revised_rules_migration_publishes_from_the_next_open_month_only(db):
    """Migration 0010: nothing retroactive — a copy of the version in force, effective after the last close."""
    migration = importlib.import_module("segmentation.migrations.0010_negative_rules_and_completeness")
    migration.revised_rules_publish(apps, None)  # a fresh database: nothing to publish
    assert RuleVersion.objects.count() == 1
    MonthClose.objects.create(month=MONTH, state=MonthClose.State.CLOSED)
    migration.revised_rules_publish(apps, None)
    revised = RuleVersion.objects.get(number=2)
    assert revised.is_published and revised.effective_month == add_months(MONTH, 1)
    assert revised.low_value_aum_max == Decimal("50000.00") and revised.coverage_bank_min == Decimal("95.00")
    assert services.rule_version_in_force(month=MONTH).number == 1  # the closed month keeps its version
