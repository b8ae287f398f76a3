from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.test import Client

from crm import roles
from crm.models import OrgUnit, User
from customers.models import Account, AccountType, Customer, Lookup, MonthlyBalance
from customers.validators import resident_id_birth_date, validate_resident_id

SMALL = ["--customers", "200", "--months", "3", "--until", "2024-06"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_bank(db):
    return seed(*SMALL)


def test_org_tree_has_the_interface_codes(demo_bank):
    units = {u.code: u for u in OrgUnit.objects.all()}
    assert {"HQ", "BR1", "BR2", "OUT-A", "OUT-B", "OUT-C", "OUT-D"} <= set(units)
    assert units["BR1"].parent == units["HQ"] and units["BR2"].parent == units["HQ"]
    assert units["OUT-A"].parent == units["BR1"] and units["OUT-C"].parent == units["BR1"]
    assert units["OUT-B"].parent == units["BR2"] and units["OUT-D"].parent == units["BR2"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in u.name) for u in units.values())


@pytest.mark.parametrize(
    ("username", "role", "org"),
    [
        ("admin", roles.SYSTEM_ADMIN, "HQ"),
        ("hq", roles.HQ_MANAGEMENT, "HQ"),
        ("head_a", roles.BRANCH_HEAD, "OUT-A"),
        ("head_b", roles.BRANCH_HEAD, "OUT-B"),
        ("rm_a1", roles.RELATIONSHIP_MANAGER, "OUT-A"),
        ("rm_a2", roles.RELATIONSHIP_MANAGER, "OUT-A"),
        ("rm_b1", roles.RELATIONSHIP_MANAGER, "OUT-B"),
        ("wm_a", roles.WEALTH_MANAGER, "OUT-A"),
    ],
)
def test_demo_user_has_role_and_org_and_logs_in(demo_bank, username, role, org):
    user = User.objects.get(username=username)
    assert role in set(user.groups.values_list("name", flat=True))
    assert user.org_unit.code == org
    assert user.last_name and user.first_name
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": "demo12345"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert int(client.session["_auth_user_id"]) == user.pk


def test_admin_is_superuser_and_staff(demo_bank):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="rm_a1").is_superuser


def test_every_kind_present_and_every_customer_maintained(demo_bank):
    kinds = dict(Customer.objects.values_list("kind").annotate(n=Count("id")))
    assert Customer.objects.count() == 200
    assert kinds[Customer.Kind.INDIVIDUAL] > kinds[Customer.Kind.CORPORATE] > kinds[Customer.Kind.INSTITUTION] > 0
    assert not Customer.objects.filter(maintainer__isnull=True).exists()
    # each customer's maintainer works in the customer's outlet
    assert not Customer.objects.exclude(maintainer__org_unit=F("org_unit")).exists()


def test_individual_ids_are_valid_and_match_birth_date(demo_bank):
    rows = Customer.objects.filter(kind=Customer.Kind.INDIVIDUAL).values_list("id_number", "birth_date", "gender")
    assert rows
    for id_number, birth_date, gender in rows:
        validate_resident_id(id_number)
        assert resident_id_birth_date(id_number) == birth_date
        assert (int(id_number[16]) % 2 == 1) == (gender == Customer.Gender.MALE)
    corporate = Customer.objects.filter(kind=Customer.Kind.CORPORATE)
    assert all(len(c.credit_code) == 18 and c.registered_capital is not None for c in corporate)
    assert all(c.admin_level for c in Customer.objects.filter(kind=Customer.Kind.INSTITUTION))


def test_balances_per_month_and_account_types(demo_bank):
    per_month = dict(MonthlyBalance.objects.values_list("month").annotate(n=Count("id")))
    assert set(per_month) == {date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)}
    accounts = Account.objects.count()
    assert set(per_month.values()) == {accounts}
    held = set(Account.objects.values_list("account_type", flat=True))
    assert {AccountType.DEMAND, AccountType.TIME, AccountType.WEALTH, AccountType.LOAN, AccountType.CREDIT_CARD} <= held
    assert Customer.objects.filter(standing__aum__gte=100_000).exists() and Customer.objects.filter(standing__aum__lt=300).exists()


def test_lookups_are_seeded(demo_bank):
    assert Lookup.objects.filter(kind=Lookup.Kind.INDUSTRY, name="制造业").exists()
    for kind in Lookup.Kind.values:
        assert Lookup.objects.filter(kind=kind).exists()


def _snapshot():
    customers = list(Customer.objects.order_by("customer_no").values_list("customer_no", "name", "id_number", "standing__aum"))
    balances = list(
        MonthlyBalance.objects.order_by("account__account_no", "month").values_list(
            "account__account_no", "month", "month_end_balance", "avg_daily_balance", "txn_count"
        )
    )
    return customers, balances


def test_reseeding_gives_the_same_bank(demo_bank):
    first = _snapshot()
    seed(*SMALL)
    assert _snapshot() == first
    assert Customer.objects.count() == 200


def test_if_empty_does_nothing_when_customers_exist(demo_bank):
    before = _snapshot()
    out = seed("--customers", "50", "--months", "2", "--if-empty")
    assert "跳过" in out
    assert _snapshot() == before


@pytest.mark.parametrize("until", ["2024-13", "24-06", "abc", "2999-01"])
def test_bad_until_is_refused_in_chinese(db, until):
    with pytest.raises(CommandError, match="--until"):
        seed("--customers", "10", "--until", until)
    assert not Customer.objects.exists()
