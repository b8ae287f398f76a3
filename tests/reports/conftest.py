"""Small banks whose every figure is computed by hand.

``two_months`` (the dashboard and dataset tests): two closed months, 2024-06 and 2024-07.

``bank`` (the report package tests): two closed months, 2024-05 and 2024-06.
June, whole bank (individuals): P001 钻石 6,000,000.00 (上月白金: upgrade), P002 金卡 150,000.00 (unchanged),
P003 普通 50,000.00 (上月金卡: downgrade), P004 普通 20,000.00 (3 bad-credit records: 负值, 信誉不良记录).
Total 4 customers, 6,220,000.00. BR1 (OUT-A): P001, P003, P004 → 3 customers, 6,070,000.00.
Tasks due in June: P001 定期联系 done, P003 降级挽留 open (overdue on 2024-07-15), P002 生日问候 cancelled;
one July task that June's report must not count.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from crm import roles
from customers.models import ContactLog, Customer
from segmentation import services
from segmentation.models import RuleVersion
from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory, UserFactory
from tests.segmentation.factories import draft_version, fact, individual

JUNE = dt.date(2024, 6, 1)
JULY = dt.date(2024, 7, 1)


@pytest.fixture
def two_months(org_tree, rm_a1, rm_b1, head_a, hq_user):
    """OUT-A: c1 regular→gold (up), c2 platinum→platinum, c3 diamond→platinum (one cent below 500万: down;
    originated by rm_a1, now maintained by wm_a), c6 a corporate customer. OUT-B: c4 regular→gold (exactly
    10万: up), c5 new in July (one cent below 10万: regular).
    """
    if not RuleVersion.objects.filter(state=RuleVersion.State.PUBLISHED).exists():
        draft_version()  # a browser test's database was flushed by an earlier one: the defaults again
    out_a, out_b = org_tree["OUT-A"], org_tree["OUT-B"]
    wm_a = UserFactory(username="wm_a", org_unit=out_a, roles=[roles.WEALTH_MANAGER])
    c1 = individual(org_unit=out_a, maintainer=rm_a1, origin_maintainer=rm_a1)
    c2 = individual(org_unit=out_a, maintainer=rm_a1)
    c3 = individual(org_unit=out_a, maintainer=wm_a, origin_maintainer=rm_a1)
    c4 = individual(org_unit=out_b, maintainer=rm_b1)
    c6 = CustomerFactory(org_unit=out_a, maintainer=rm_a1, kind=Customer.Kind.CORPORATE,
                         registered_capital=Decimal("200000000.00"), credit_customer=False)
    for customer, june, july in [(c1, "50000", "150000"), (c2, "1200000", "1200000"),
                                 (c3, "6000000", "4999999.99"), (c4, "60000", "100000.00"),
                                 (c6, "3000000", "3000000")]:
        fact(customer, JUNE, aum_avg=june, max_balance=june)
        fact(customer, JULY, aum_avg=july, max_balance=july, last_txn_date=JULY)
    services.month_close(month=JUNE, build_facts=False)
    c5 = individual(org_unit=out_b, maintainer=rm_b1)
    fact(c5, JULY, aum_avg="99999.99", max_balance="99999.99", last_txn_date=JULY)
    ContactLog.objects.create(customer=c1, staff=rm_a1, contacted_on=dt.date(2024, 7, 15), channel="phone",
                              summary="回访")
    ContactLog.objects.create(customer=c2, staff=rm_a1, contacted_on=dt.date(2024, 6, 30), channel="phone",
                              summary="上月的联系不计入7月")
    for n, (customer, status) in enumerate([(c1, "done"), (c2, "open")]):
        ServiceTask.objects.create(
            customer=customer, org_unit=out_a, assignee=rm_a1, kind="periodic_contact", due_date=dt.date(2024, 7, 20),
            status=status, dedupe_key=f"t{n}", completed_at=timezone.now() if status == "done" else None)
    services.month_close(month=JULY, build_facts=False)
    return SimpleNamespace(c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, wm_a=wm_a, rm_a1=rm_a1, rm_b1=rm_b1,
                           head_a=head_a, hq=hq_user, units=org_tree)


# ── The report package's bank (branch s14b) ──────────────────────────────────────────────────────────────

MAY = dt.date(2024, 5, 1)
TODAY = dt.datetime(2024, 7, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pinned_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def bank(org_tree, pinned_clock):
    rm = UserFactory(username="rm_x", last_name="李", first_name="雷", org_unit=org_tree["OUT-A"])
    rm_b = UserFactory(username="rm_y", last_name="韩", first_name="梅", org_unit=org_tree["OUT-B"])
    a = individual(org_unit=org_tree["OUT-A"], customer_no="P001", name="张三", maintainer=rm,
                   id_number="110101199001011234", mobile="13812345678")
    b = individual(org_unit=org_tree["OUT-B"], customer_no="P002", name="=HYPERLINK(\"x\")")
    c = individual(org_unit=org_tree["OUT-A"], customer_no="P003", name="王五", maintainer=rm, mobile="13900001111")
    d = individual(org_unit=org_tree["OUT-A"], customer_no="P004", name="赵六", maintainer=rm, bad_credit_count=3)
    corp = CustomerFactory(org_unit=org_tree["OUT-A"], customer_no="E001", name="某某科技有限公司", kind="corporate",
                           registered_capital=Decimal("200000000.00"))
    for month, amounts in ((MAY, ("1500000", "150000", "150000", "20000")), (JUNE, ("6000000", "150000", "50000",
                                                                                     "20000"))):
        for customer, amount in zip((a, b, c, d), amounts, strict=True):
            fact(customer, month=month, aum_avg=amount, max_balance=amount)
        fact(corp, month=month, deposit_avg="60000000", contribution="20000", product_count=2)
        services.month_close(month=month, build_facts=False)
    # The close generates service tasks (issue 13's close step); this bank's tasks are exactly the ones below.
    ServiceTask.objects.all().delete()
    done_at = timezone.make_aware(dt.datetime(2024, 6, 9, 10, 30))
    ServiceTask.objects.create(customer=a, org_unit=org_tree["OUT-A"], assignee=rm, kind="periodic_contact",
                               due_date=dt.date(2024, 6, 10), status="done", completed_at=done_at, dedupe_key="p:6")
    ServiceTask.objects.create(customer=c, org_unit=org_tree["OUT-A"], assignee=rm, kind="retention",
                               due_date=dt.date(2024, 6, 20), dedupe_key="r:6", title="=cmd|' /C calc'!A0")
    ServiceTask.objects.create(customer=b, org_unit=org_tree["OUT-B"], assignee=rm_b, kind="birthday",
                               due_date=dt.date(2024, 6, 5), status="cancelled", dedupe_key="b:6")
    ServiceTask.objects.create(customer=a, org_unit=org_tree["OUT-A"], assignee=rm, kind="periodic_contact",
                               due_date=dt.date(2024, 7, 10), dedupe_key="p:7")
    return {"a": a, "b": b, "c": c, "d": d, "corp": corp, "rm": rm, "rm_b": rm_b}


def header_row(sheet) -> int:
    """The 1-based row of the main table's header: the first row of its autofilter range."""
    first = sheet.auto_filter.ref.split(":")[0]  # e.g. "A12"
    return int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def main_table(sheet) -> tuple[list, list[tuple]]:
    """(header, rows) of a sheet's main table, as read back with openpyxl."""
    rows = list(sheet.iter_rows(min_row=header_row(sheet), values_only=True))
    width = len([c for c in rows[0] if c is not None])
    return list(rows[0][:width]), [r[:width] for r in rows[1:]]


def block(sheet, title: str) -> list[tuple]:
    """A summary table's rows (header first) found by its title in column A, up to the blank row after it."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    found = []
    for r in rows[start:]:
        if all(v is None for v in r):
            break
        found.append(r)
    return found
