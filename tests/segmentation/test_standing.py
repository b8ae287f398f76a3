"""The customers' standing: one row per customer, kept by triggers, rebuilt by the close of the latest month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from crm.pgindexes import secondary_indexes
from customers.models import Customer, CustomerStanding
from customers.scoping import visible_customers, visible_standings
from segmentation import services
from segmentation.standing import standing_rebuild
from tests.factories import CustomerFactory, UserFactory
from tests.segmentation.factories import MONTH, fact, individual


def standing(customer) -> CustomerStanding:
    return CustomerStanding.objects.get(pk=customer.pk)


def test_every_way_of_creating_a_customer_creates_its_standing(org_tree):
    one = CustomerFactory(org_unit=org_tree["OUT-A"])
    Customer.objects.bulk_create([Customer(customer_no=f"BULK{i}", name=f"批量{i}", org_unit=org_tree["OUT-B"])
                                  for i in range(3)])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO customers_customer (created_at, updated_at, customer_no, kind, name, gender,"
                       " id_type, id_number, mobile, address, position, employer, income_band, hobbies,"
                       " risk_preference, credit_rating, bad_credit_count, malicious_overdraft, notes, credit_code,"
                       " legal_representative, credit_customer, admin_level, org_unit_id)"
                       " VALUES (now(), now(), 'RAW1', 'individual', '裸写', '', '', '', '', '', '', '', '', '', '',"
                       " '', 0, false, '', '', '', false, '', %s)", [org_tree["OUT-A"].pk])

    assert CustomerStanding.objects.count() == Customer.objects.count() == 5
    blank = standing(one)
    assert (blank.org_unit_id, blank.aum, blank.asset_tier, blank.profit_score) == (
        org_tree["OUT-A"].pk, Decimal("0.00"), "", None)


def test_handover_and_rebooking_move_the_standing_copies(org_tree):
    rm1, rm2 = UserFactory(org_unit=org_tree["OUT-A"]), UserFactory(org_unit=org_tree["OUT-A"])
    customers = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm1) for _ in range(3)]

    Customer.objects.filter(maintainer=rm1).update(maintainer=rm2)  # the handover service's set-based UPDATE
    customers[0].refresh_from_db()
    customers[0].org_unit = org_tree["OUT-B"]
    customers[0].save()

    rows = {s.pk: (s.org_unit_id, s.maintainer_id) for s in CustomerStanding.objects.all()}
    assert rows == {c.pk: (Customer.objects.get(pk=c.pk).org_unit_id, rm2.pk) for c in customers}
    assert rows[customers[0].pk][0] == org_tree["OUT-B"].pk


def test_the_birthday_copy_follows_the_birth_date_and_survives_the_close(org_tree):
    leap = CustomerFactory(org_unit=org_tree["OUT-A"], birth_date=dt.date(1988, 2, 29))
    unknown = CustomerFactory(org_unit=org_tree["OUT-A"], birth_date=None)
    assert (standing(leap).birth_mmdd, standing(unknown).birth_mmdd) == (229, None)

    Customer.objects.filter(pk=leap.pk).update(birth_date=dt.date(1988, 12, 31))  # a corrected birth date
    Customer.objects.filter(pk=unknown.pk).update(birth_date=dt.date(1990, 1, 2))
    assert (standing(leap).birth_mmdd, standing(unknown).birth_mmdd) == (1231, 102)
    Customer.objects.filter(pk=unknown.pk).update(birth_date=None)
    assert standing(unknown).birth_mmdd is None

    standing_rebuild(month=MONTH)  # the close's TRUNCATE and INSERT … SELECT
    assert (standing(leap).birth_mmdd, standing(unknown).birth_mmdd) == (1231, None)


def test_deleting_a_customer_deletes_its_standing(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"])
    customer.delete()
    assert not CustomerStanding.objects.exists()


def test_close_rebuilds_the_standing_from_the_months_assignments(org_tree):
    gold = individual(org_unit=org_tree["OUT-A"], aum=Decimal("7.00"), asset_tier="diamond")
    fact(gold, aum_avg="150000", aum_end="160000", max_balance="150000", product_count=2)
    idle = individual(org_unit=org_tree["OUT-A"], aum=Decimal("999999.00"), asset_tier="platinum")

    services.month_close(month=MONTH, build_facts=False)

    now = standing(gold)
    assert (now.aum, now.aum_month, now.asset_tier) == (Decimal("150000.00"), MONTH, "gold")
    assert now.value_segment and now.maintenance_band and now.profit_score is not None
    # No facts this month: the standing shows what the tier was decided on, not last month's figure.
    assert (standing(idle).aum, standing(idle).asset_tier) == (Decimal("0.00"), "regular")
    # The rebuild put back every index the model declares, under the same names.
    assert {name for name, _definition in secondary_indexes(CustomerStanding._meta.db_table)} == {
        index.name for index in CustomerStanding._meta.indexes}


@pytest.mark.parametrize("role", ["客户经理", "网点主任"])
def test_scope_through_the_standing_equals_the_scope_of_the_customer_columns(org_tree, role):
    user = UserFactory(org_unit=org_tree["OUT-A"], roles=[role])
    other = UserFactory(org_unit=org_tree["OUT-B"])
    mine = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=user) for _ in range(2)]
    outlet = [CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=other) for _ in range(2)]
    CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=other)
    Customer.objects.filter(pk=outlet[0].pk).update(maintainer=user)  # handed over to the user

    expected = Customer.objects.filter(maintainer=user) if role == "客户经理" else Customer.objects.filter(
        org_unit=org_tree["OUT-A"])
    assert set(visible_customers(user=user)) == set(expected)
    assert len(set(visible_customers(user=user))) == (3 if role == "客户经理" else 4)
    assert set(mine) <= set(visible_customers(user=user))


@pytest.mark.parametrize("params", [
    {}, {"asset_tier": "gold"}, {"aum_min": "100000", "aum_max": "2000000"}, {"maintenance_band": "wealth"},
    {"profit_min": "50"}, {"profit_min": "0"}, {"aum_min": "0"}, {"org_unit": "OUT-A"}, {"maintainer": "rm"}, {"aum_min": "5", "aum_max": "1"},
    {"asset_tier": "mythril"},
])
def test_the_list_counts_on_the_standing_alone_the_same_rows(org_tree, rf, params):
    from customers.filters import CustomerFilter

    head = UserFactory(org_unit=org_tree["BR1"], roles=["网点主任"])
    rm = UserFactory(org_unit=org_tree["OUT-A"], roles=["客户经理"])
    for n, (unit, tier, aum) in enumerate([("OUT-A", "gold", "150000"), ("OUT-C", "gold", "120000"),
                                          ("OUT-A", "diamond", "6000000"), ("OUT-B", "gold", "200000")]):
        CustomerFactory(org_unit=org_tree[unit], maintainer=rm if n % 2 else None, asset_tier=tier,
                        aum=Decimal(aum), maintenance_band="wealth" if n == 2 else "",
                        profit_score=Decimal(n * 30) if n != 1 else None)
    values = {**params}
    if "org_unit" in values:
        values["org_unit"] = org_tree[values["org_unit"]].pk
    if "maintainer" in values:
        values["maintainer"] = rm.pk
    request = rf.get("/customers/", values)
    request.user = head
    customer_filter = CustomerFilter(request.GET, queryset=visible_customers(user=head), user=head)

    standings = customer_filter.standings(visible_standings(user=head))

    assert standings.count() == customer_filter.qs.count()
    assert '"customers_customer"' not in str(standings.query)


def test_a_customer_column_filter_counts_through_the_customers(org_tree, rf):
    from customers.filters import CustomerFilter

    head = UserFactory(org_unit=org_tree["OUT-A"], roles=["网点主任"])
    request = rf.get("/customers/", {"q": "张", "kind": "individual"})
    request.user = head
    customer_filter = CustomerFilter(request.GET, queryset=visible_customers(user=head), user=head)
    assert customer_filter.standings(visible_standings(user=head)) is None
