"""The close step writes the month's aggregates (hand-computed fixture in conftest.two_months)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum

from reports.models import MigrationAggregate, ScoreAggregate, TierAggregate
from segmentation import services
from segmentation.models import Assignment
from tests.reports.conftest import JULY


def _sum(queryset, **filters):
    return queryset.filter(**filters).aggregate(n=Sum("customer_count"), aum=Sum("aum_sum"))


def test_tier_aggregates_count_every_assigned_customer_with_aum(two_months):
    july = TierAggregate.objects.filter(month=JULY)
    assert _sum(july)["n"] == Assignment.objects.filter(month=JULY).count() == 6
    assert _sum(july, asset_tier="gold") == {"n": 2, "aum": Decimal("250000.00")}
    assert _sum(july, asset_tier="platinum") == {"n": 2, "aum": Decimal("6199999.99")}
    assert _sum(july, asset_tier="regular") == {"n": 1, "aum": Decimal("99999.99")}
    assert _sum(july, asset_tier="diamond")["n"] is None
    assert _sum(july, kind="corporate", corporate_size="large")["n"] == 1


def test_tier_aggregates_credit_the_origin_maintainer_and_count_contacts_of_the_month(two_months):
    july = TierAggregate.objects.filter(month=JULY)
    w = two_months
    assert _sum(july, maintainer=w.rm_a1)["n"] == 3  # c1, c2, c6
    assert _sum(july, credit_maintainer=w.rm_a1)["n"] == 4  # … and c3, upgraded to wm_a
    assert _sum(july, maintainer=w.wm_a) == {"n": 1, "aum": Decimal("4999999.99")}
    assert july.aggregate(n=Sum("contacted_count"))["n"] == 1  # c1 in July; c2's June contact does not count


def test_migration_aggregates_hold_the_whole_matrix_including_new_customers(two_months):
    rows = (MigrationAggregate.objects.filter(month=JULY, field="asset_tier").values("from_value", "to_value")
            .annotate(n=Sum("customer_count")))
    cells = {(r["from_value"], r["to_value"]): r["n"] for r in rows}
    assert cells == {("regular", "gold"): 2, ("platinum", "platinum"): 1, ("diamond", "platinum"): 1,
                     ("", "regular"): 1}


def test_score_aggregates_count_each_scored_individual_once(two_months):
    assert ScoreAggregate.objects.filter(month=JULY).aggregate(n=Sum("customer_count"))["n"] == 5


def test_reclosing_a_month_replaces_its_aggregates(two_months):
    before = _sum(TierAggregate.objects.filter(month=JULY))
    services.month_reopen(month=JULY, reason="补录")
    services.month_close(month=JULY, build_facts=False)
    assert _sum(TierAggregate.objects.filter(month=JULY)) == before
    assert MigrationAggregate.objects.filter(month=JULY).aggregate(n=Sum("customer_count"))["n"] == 10


def test_seed_demo_closes_its_months_with_aggregates(db):
    call_command("seed_demo", "--customers", "200", "--months", "2", "--until", "2024-06", stdout=StringIO())
    for month in ["2024-05-01", "2024-06-01"]:
        assert _sum(TierAggregate.objects.filter(month=month))["n"] == Assignment.objects.filter(month=month).count()
    assert MigrationAggregate.objects.filter(month="2024-06-01").exclude(from_value="").exists()
