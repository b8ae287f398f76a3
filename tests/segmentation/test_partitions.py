"""The month partitions of assignments and tier changes (crm/partitions.py): what the close builds and replaces."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from crm.months import add_months
from crm.partitions import month_partition_build, partition_name
from segmentation import engine, services
from segmentation.models import Assignment, TierChange
from tests.segmentation.factories import MONTH, fact, individual

PREV = add_months(MONTH, -1)


def partition_of(table: str, month) -> list:
    """The partitions of ``table`` holding ``month``'s rows (by tableoid), sorted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE month = %s", [month])  # noqa: S608
        return sorted(row[0] for row in cursor.fetchall())


def two_months(org):
    people = []
    for aum_before, aum_now in [("50000", "150000"), ("150000", "50000"), ("2000000", "2000000")]:
        customer = individual(org_unit=org)
        fact(customer, PREV, aum_avg=aum_before, max_balance=aum_before)
        fact(customer, MONTH, aum_avg=aum_now, max_balance=aum_now)
        people.append(customer)
    return people


def test_the_close_writes_each_month_as_its_own_partition(org_tree):
    people = two_months(org_tree["OUT-A"])
    services.month_close(month=PREV, build_facts=False)
    services.month_close(month=MONTH, build_facts=False)
    assert partition_of("segmentation_assignment", MONTH) == [partition_name("segmentation_assignment", MONTH)]
    assert partition_of("segmentation_tierchange", MONTH) == [partition_name("segmentation_tierchange", MONTH)]
    month_index = MONTH.year * 12 + MONTH.month - 1
    ids = dict(Assignment.objects.filter(month=MONTH).values_list("customer_id", "id"))
    assert ids == {c.pk: month_index * 10_000_000_000 + c.pk for c in people}
    changes = TierChange.objects.filter(month=MONTH, field="asset_tier").order_by("customer_id")
    assert [(c.from_value, c.to_value, c.direction) for c in changes] == [("regular", "gold", "up"),
                                                                          ("gold", "regular", "down")]
    assert len(set(TierChange.objects.values_list("id", flat=True))) == TierChange.objects.count()


def test_a_row_written_one_by_one_creates_its_month_partition_and_a_close_replaces_it(org_tree):
    people = two_months(org_tree["OUT-A"])
    services.month_close(month=PREV, build_facts=False)
    stray = Assignment.objects.get(customer=people[0], month=PREV)
    stray.pk, stray.month = None, MONTH  # e.g. keyed in through the admin before the month was closed
    stray.save()
    assert partition_of("segmentation_assignment", MONTH) == [partition_name("segmentation_assignment", MONTH)]
    assert stray.pk < 10_000_000_000  # from the table's sequence, far below the ids the close computes

    services.month_close(month=MONTH, build_facts=False)
    assert Assignment.objects.filter(month=MONTH).count() == len(people)
    assert not Assignment.objects.filter(pk=stray.pk).exists()


def test_no_default_partition_for_attach_to_lock(db):
    """ATTACH PARTITION locks a default partition until commit, and reads across months would wait for it."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
                          WHERE c.relname IN ('customers_customermonth', 'segmentation_assignment',
                                              'segmentation_tierchange') AND p.partdefid = 0""")
        assert cursor.fetchone()[0] == 3


def test_a_reclose_replaces_the_partition(org_tree):
    people = two_months(org_tree["OUT-A"])
    services.month_close(month=MONTH, build_facts=False)
    late = individual(org_unit=org_tree["OUT-A"])
    fact(late, MONTH, aum_avg="6000000", max_balance="6000000")
    services.month_reopen(month=MONTH, reason="补录客户")
    services.month_close(month=MONTH, build_facts=False)
    assert Assignment.objects.filter(month=MONTH).count() == len(people) + 1
    assert Assignment.objects.get(customer=late, month=MONTH).asset_tier == "diamond"


def test_a_failed_build_leaves_the_month_as_it_was(org_tree):
    people = two_months(org_tree["OUT-A"])
    services.month_close(month=MONTH, build_facts=False)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        month_partition_build(  # NULL in a NOT NULL column: refused when the partition is checked
            cursor, parent="segmentation_tierchange", month=MONTH, params={},
            select_sql="SELECT 1::bigint, DATE '2024-06-01', 'asset_tier', NULL, 'gold', 'up'",
            columns=engine.TIER_CHANGE_COLUMNS, computed={"id": "1"},
        )
    assert Assignment.objects.filter(month=MONTH).count() == len(people)
    assert partition_of("segmentation_assignment", MONTH) == [partition_name("segmentation_assignment", MONTH)]


def test_a_partition_needs_a_value_for_every_column(db):
    with pytest.raises(ValueError, match="id"), connection.cursor() as cursor:
        month_partition_build(cursor, parent="segmentation_tierchange", month=MONTH, params={}, select_sql="SELECT 1",
                              columns=engine.TIER_CHANGE_COLUMNS)


@pytest.mark.parametrize("stored_basis", [False, True])
def test_the_rules_statement_can_run_in_parallel_workers(org_tree, stored_basis):
    """No OFFSET 0 or other parallel-unsafe construct: given the workers, PostgreSQL plans a Gather.

    (The tiny test tables would never earn workers on cost, so the costs of parallelism are zeroed.)
    """
    two_months(org_tree["OUT-A"])
    services.month_close(month=PREV, build_facts=False)
    services.month_close(month=MONTH, build_facts=False)
    version = services.rule_version_in_force(month=MONTH)
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = engine.assignment_select_sql(version=version, month=MONTH, stored_basis=stored_basis,
                                                   history_stored=True)
        for setting in ["max_parallel_workers_per_gather = 2", "parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                        "min_parallel_table_scan_size = 0", "min_parallel_index_scan_size = 0"]:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(f"EXPLAIN CREATE TABLE plan_only AS {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    assert plan.startswith("Gather"), plan  # the top node: every layer's rules run in the workers
