"""Two closed months (2024-06, 2024-07) small enough to compute every figure by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
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
