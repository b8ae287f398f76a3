"""Filling the benchmark database: a large bank written with COPY and INSERT … SELECT, never the ORM per row.

N individual customers spread evenly over eight outlets and ~50 maintainers, four accounts each,
the standing's ``aum`` and ``asset_tier`` set from the demo bank's AUM mix. Secondary indexes are
dropped during the load and rebuilt afterwards (much faster than maintaining them row by row).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction

from crm import roles
from crm.models import OrgUnit, User
from crm.pgindexes import secondary_indexes_dropped
from crm.sql_names import table
from customers.models import Account, Customer, CustomerStanding
from customers.tiers import AssetTier
from demo import identity, names
from demo.bank import ORG_TREE, final_aum_cents
from demo.pgcopy import copy_rows, model_filler

BENCH_SEED = 1_000_003
BENCH_PREFIX = "B"
EXTRA_OUTLETS = [("OUT-E", "文三路网点", "BR1"), ("OUT-G", "城站网点", "BR1"),
                 ("OUT-F", "萧山网点", "BR2"), ("OUT-H", "临平网点", "BR2")]
RMS_PER_OUTLET = 6
ACCOUNT_TYPES = ["demand", "time", "wealth", "credit_card"]
TABLES = [Customer, Account, CustomerStanding]
WAN = 10_000 * 100


def _tier(cents: int) -> str:
    if cents >= 500 * WAN:
        return AssetTier.DIAMOND
    if cents >= 100 * WAN:
        return AssetTier.PLATINUM
    if cents >= 10 * WAN:
        return AssetTier.GOLD
    return AssetTier.REGULAR


def org_and_staff() -> dict[str, object]:
    """The demo org tree plus four outlets; per outlet a head and six RMs; two wealth managers; HQ."""
    units: dict[str, OrgUnit] = {}
    tree = [*ORG_TREE, *[(code, name, OrgUnit.Level.OUTLET, parent) for code, name, parent in EXTRA_OUTLETS]]
    for code, name, level, parent in tree:
        units[code] = OrgUnit.objects.create(code=code, name=name, level=level, parent=units.get(parent))
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
    hashed = make_password("demo12345")
    rng = random.Random(BENCH_SEED)
    staff: list[tuple[str, str, str]] = [("hq", roles.HQ_MANAGEMENT, "HQ")]
    outlets = [code for code, _n, level, _p in tree if level == OrgUnit.Level.OUTLET]
    for code in outlets:
        letter = code[-1].lower()
        staff.append((f"head_{letter}", roles.BRANCH_HEAD, code))
        staff += [(f"rm_{letter}{k}", roles.RELATIONSHIP_MANAGER, code) for k in range(1, RMS_PER_OUTLET + 1)]
    staff += [("wm_a", roles.WEALTH_MANAGER, "OUT-A"), ("wm_b", roles.WEALTH_MANAGER, "OUT-B")]
    users = User.objects.bulk_create([
        User(username=u, password=hashed, org_unit=units[org], last_name=names.surname(rng),
             first_name=names.given_name(rng, male=rng.random() < 0.5), employee_no=f"B{i:05d}")
        for i, (u, _role, org) in enumerate(staff, start=1)
    ])
    User.groups.through.objects.bulk_create([
        User.groups.through(user_id=user.pk, group_id=groups[role].pk)
        for user, (_u, role, _o) in zip(users, staff, strict=True)
    ])
    maintainers: dict[str, list[int]] = {}
    for user, (_u, role, org) in zip(users, staff, strict=True):
        if role in roles.MAINTAINER_ROLES:
            maintainers.setdefault(org, []).append(user.pk)
    return {"units": units, "maintainers": maintainers}


def _customer_rows(count: int, outlets: list[tuple[int, list[int]]], aum_month: date, aums: array) -> Iterator[tuple]:
    """The customers' rows for COPY; each one's AUM in cents is appended to ``aums`` (for the standing)."""
    rng = random.Random(BENCH_SEED)
    birth_start, birth_span = date(1940, 1, 1), 365 * 66
    since_start, since_span = date(2000, 1, 1), (aum_month - date(2000, 1, 1)).days
    for i in range(count):
        male = rng.random() < 0.5
        birth = birth_start + timedelta(days=rng.randrange(birth_span))
        org_id, maintainers = outlets[i % len(outlets)]
        maintainer = maintainers[rng.randrange(len(maintainers))]
        cents, _dormant = final_aum_cents(rng)
        aums.append(cents)
        yield (
            f"{BENCH_PREFIX}{i + 1:09d}", "individual", names.person_name(rng, male=male), "M" if male else "F",
            birth, "resident_id", identity.resident_id(rng, birth_date=birth, male=male), identity.mobile(rng),
            org_id, maintainer, maintainer, since_start + timedelta(days=rng.randrange(since_span)),
        )


CUSTOMER_COLUMNS = [
    "customer_no", "kind", "name", "gender", "birth_date", "id_type", "id_number", "mobile", "org_unit_id",
    "maintainer_id", "origin_maintainer_id", "since",
]


def _accounts_insert(aum_month: date) -> int:
    """Four accounts per customer in one INSERT … SELECT over generate_series."""
    supplied = ["customer_id", "account_no", "account_type", "opened_on", "annual_rate", "balance",
                "last_txn_date", "activated"]
    filler = model_filler(Account, supplied)
    columns = ", ".join(connection.ops.quote_name(c) for c in [*supplied, *filler])
    placeholders = "".join(", %s" for _ in filler)
    query = f"""
        INSERT INTO {table(Account)} ({columns})
        SELECT c.id, '62' || lpad((c.id * 4 + g)::text, 16, '0'), (%s::text[])[g], c.since,
               (ARRAY[0.2, 1.75, 3.0, NULL])[g]::numeric,
               round(s.aum * (ARRAY[0.4, 0.35, 0.25, 0])[g]::numeric, 2),
               %s::date - (c.id %% 120)::int,
               CASE WHEN g = 4 THEN c.id %% 7 <> 0 END{placeholders}
        FROM {table(Customer)} c JOIN {table(CustomerStanding)} s ON s.customer_id = c.id
        CROSS JOIN generate_series(1, 4) AS g
    """  # noqa: S608 — quoted column names only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(query, [ACCOUNT_TYPES, aum_month, *filler.values()])
        return cursor.rowcount


def _standing_insert(aums: array, aum_month: date) -> None:
    """Each customer's standing: the i-th customer number gets the i-th AUM drawn by _customer_rows."""
    rows = ((f"{BENCH_PREFIX}{i + 1:09d}", f"{cents // 100}.{cents % 100:02d}", _tier(cents))
            for i, cents in enumerate(aums))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_aum (customer_no varchar(32), aum numeric, tier varchar(16)) ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_aum FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""INSERT INTO {table(CustomerStanding)} (customer_id, org_unit_id, maintainer_id, birth_mmdd, aum,
                                                       aum_month, asset_tier)
               SELECT c.id, c.org_unit_id, c.maintainer_id, customers_birth_mmdd(c.birth_date), t.aum, %s, t.tier
               FROM bench_aum t JOIN {table(Customer)} c USING (customer_no)""",  # noqa: S608
            [aum_month],
        )


def bench_data_generate(*, customers: int, aum_month: date, log: Callable[[str], None] = print) -> dict[str, int]:
    """Fill an empty, migrated database with the benchmark bank."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checking them per row avoids
            # queueing millions of trigger events (and CREATE INDEX refuses to run while any are pending).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        setup = org_and_staff()
        units, maintainers = setup["units"], setup["maintainers"]
        outlets = [(units[code].pk, ids) for code, ids in sorted(maintainers.items())]
        aums: array = array("q")
        with secondary_indexes_dropped(*[model._meta.db_table for model in TABLES]):
            with connection.cursor() as cursor:
                # The standing rows are written below with their AUM, not by the insert trigger.
                cursor.execute(f"ALTER TABLE {table(Customer)} DISABLE TRIGGER customers_standing_insert")
            rows = _customer_rows(customers, outlets, aum_month, aums)
            written = copy_rows(Customer, CUSTOMER_COLUMNS, rows, chunk=50_000)
            log(f"  客户 {written} 户（COPY）")
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table(Customer)} ENABLE TRIGGER customers_standing_insert")
            _standing_insert(aums, aum_month)
            accounts = _accounts_insert(aum_month)
            log(f"  账户 {accounts} 个（INSERT … SELECT）")
        log("  重建索引")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"customers": written, "accounts": accounts}


def bench_data_size() -> tuple[int, int]:
    """(customers, accounts) in the current database; (-1, -1) when the tables are missing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_regclass('{table(Customer)}') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return -1, -1
        cursor.execute(f"SELECT (SELECT count(*) FROM {table(Customer)}), (SELECT count(*) FROM {table(Account)})")  # noqa: S608
        return cursor.fetchone()
