"""The task generator, kind by kind, with pinned dates: who gets what, when, and never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from crm import roles
from crm.models import Handover
from customers.models import AccountType, ContactLog, Customer
from customers.services.handover import _followers as handover_followers
from customers.services.handover import customer_handover
from segmentation import close_steps
from segmentation.models import Assignment, MonthClose, RuleVersion, TierChange
from service_tiers.generation import tasks_generate
from service_tiers.models import Holiday, ServiceTask, TaskRule, UnitRoleHolder, VisitRole
from service_tiers.scripts import task_script_render
from tests.factories import AccountFactory, CustomerFactory, UserFactory

D = dt.date
Kind = ServiceTask.Kind


@pytest.fixture
def vip(org_tree, rm_a1):
    """A 贵宾 customer of rm_a1 in the 理财 band (birthday and holiday care, monthly contact)."""
    return CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(1990, 12, 5),
                           since=D(2020, 1, 1), value_segment="vip", maintenance_band="wealth", asset_tier="gold")


@pytest.fixture
def mass(org_tree, rm_a1):
    """A 大众 customer outside the programme: no birthday or holiday care, contact every 6 months."""
    return CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(1985, 12, 5),
                           since=D(2020, 1, 1), value_segment="mass")


def tasks(kind, **filters):
    return list(ServiceTask.objects.filter(kind=kind, **filters).order_by("due_date", "id"))


def run(day, *kinds):
    return tasks_generate(day=day, kinds=list(kinds) or None)


# --- birthdays ---------------------------------------------------------------------------------------------


def test_birthday_greeting_appears_lead_days_before_for_segments_with_birthday_care(vip, mass, rm_a1):
    assert run(D(2026, 11, 27), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}  # 8 days before: not yet
    assert run(D(2026, 11, 28), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 1}  # exactly 7 days before
    [task] = tasks(Kind.BIRTHDAY)
    assert (task.customer, task.assignee, task.due_date, task.dedupe_key) == (vip, rm_a1, D(2026, 12, 5),
                                                                              "birthday:2026")
    assert task.org_unit_id == vip.org_unit_id and task.status == "open"
    assert run(D(2026, 11, 28), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}  # same day again: nothing new
    assert run(D(2026, 12, 1), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}  # later days: still one
    assert not tasks(Kind.BIRTHDAY, customer=mass)


@pytest.mark.parametrize(("day", "due"), [
    (D(2027, 2, 25), D(2027, 2, 28)),  # common year: 28 February
    (D(2028, 2, 25), D(2028, 2, 29)),  # leap year: the day itself
])
def test_29_february_birthday_falls_on_28_february_in_common_years(org_tree, rm_a1, day, due):
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(2000, 2, 29), value_segment="vip")
    run(day, Kind.BIRTHDAY)
    assert [t.due_date for t in tasks(Kind.BIRTHDAY)] == [due]


def test_birthday_early_january_is_greeted_from_late_december(org_tree, rm_a1):
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(1980, 1, 3), value_segment="vip")
    run(D(2026, 12, 30), Kind.BIRTHDAY)
    [task] = tasks(Kind.BIRTHDAY)
    assert (task.due_date, task.dedupe_key) == (D(2027, 1, 3), "birthday:2027")


def test_no_birth_date_no_task_no_error(org_tree, rm_a1):
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=None, value_segment="vip")
    assert run(D(2026, 11, 28), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}


def test_a_switched_off_kind_creates_nothing(vip):
    TaskRule.objects.filter(kind=Kind.BIRTHDAY).update(enabled=False)
    assert run(D(2026, 11, 28), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}


def test_lead_time_is_admin_configurable(vip):
    TaskRule.objects.filter(kind=Kind.BIRTHDAY).update(lead_days=3)
    assert run(D(2026, 12, 1), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 0}
    assert run(D(2026, 12, 2), Kind.BIRTHDAY) == {Kind.BIRTHDAY: 1}


# --- holidays ----------------------------------------------------------------------------------------------


def test_holiday_care_before_spring_festival_from_the_library_calendar(vip, mass):
    spring = D(2027, 2, 6)  # 春节 2027 (holidays library)
    assert run(spring - dt.timedelta(days=15), Kind.HOLIDAY) == {Kind.HOLIDAY: 0}
    assert Holiday.objects.get(code="spring", date__year=2027).date == spring
    run(spring - dt.timedelta(days=14), Kind.HOLIDAY)  # 春节's lead time is 14 days
    [task] = tasks(Kind.HOLIDAY)
    assert (task.customer, task.due_date, task.dedupe_key) == (vip, spring, "holiday:spring:2027")
    assert "春节" in task.title


def test_lantern_and_mid_autumn_are_in_the_calendar(db):
    run(D(2026, 1, 1), Kind.HOLIDAY)
    names = set(Holiday.objects.filter(date__year=2026).values_list("name", flat=True))
    assert {"春节", "元宵", "清明", "端午", "中秋", "国庆", "元旦"} <= names
    assert Holiday.objects.get(code="mid_autumn", date__year=2026).date == D(2026, 9, 25)


def test_an_admin_moved_holiday_keeps_its_date_and_no_care_switch_means_no_task(vip):
    run(D(2026, 1, 1), Kind.HOLIDAY)
    Holiday.objects.filter(code="national", date__year=2026).update(date=D(2026, 10, 8), care=True)
    Holiday.objects.filter(code="mid_autumn", date__year=2026).update(care=False)
    run(D(2026, 10, 1), Kind.HOLIDAY)
    assert Holiday.objects.get(code="national", date__year=2026).date == D(2026, 10, 8)
    assert [t.due_date for t in tasks(Kind.HOLIDAY, due_date__month=10)] == [D(2026, 10, 8)]


# --- after a close -------------------------------------------------------------------------------------------


def _rule_version():
    return RuleVersion.objects.first() or RuleVersion.objects.create(number=1, effective_month=D(2000, 1, 1),
                                                                     state=RuleVersion.State.PUBLISHED)


def _closed(month):
    MonthClose.objects.create(month=month, state=MonthClose.State.CLOSED, rule_version=_rule_version())


def test_welcome_on_upgrade_and_retention_on_downgrade_after_the_close(org_tree, rm_a1):
    up, down, segment_only = (CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1) for _ in range(3))
    _closed(D(2026, 10, 1))
    TierChange.objects.create(customer=up, month=D(2026, 10, 1), field="asset_tier", from_value="gold",
                              to_value="platinum", direction="up")
    TierChange.objects.create(customer=up, month=D(2026, 10, 1), field="maintenance_band", from_value="adopted",
                              to_value="wealth", direction="up")
    TierChange.objects.create(customer=down, month=D(2026, 10, 1), field="asset_tier", from_value="gold",
                              to_value="regular", direction="down")
    TierChange.objects.create(customer=segment_only, month=D(2026, 10, 1), field="value_segment",
                              from_value="mass", to_value="vip", direction="up")
    counts = run(D(2026, 11, 2), Kind.WELCOME, Kind.RETENTION)
    assert counts == {Kind.WELCOME: 1, Kind.RETENTION: 1}
    [welcome], [retention] = tasks(Kind.WELCOME), tasks(Kind.RETENTION)
    assert (welcome.customer, welcome.dedupe_key, welcome.due_date) == (up, "close:2026-10", D(2026, 11, 9))
    assert retention.customer == down
    assert run(D(2026, 11, 3), Kind.WELCOME, Kind.RETENTION) == {Kind.WELCOME: 0, Kind.RETENTION: 0}


def test_dormant_customers_of_the_close_get_one_open_reactivation_task(org_tree, rm_a1):
    sleeper = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    for month in (D(2026, 9, 1), D(2026, 10, 1)):
        _closed(month)
        Assignment.objects.create(customer=sleeper, month=month, rule_version=_rule_version(),
                                  org_unit=org_tree["OUT-A"], kind="individual", value_segment="negative",
                                  negative_rule="dormant")
    overdrawn = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)  # dormant too, a risk rule first
    Assignment.objects.create(customer=overdrawn, month=D(2026, 9, 1), rule_version=_rule_version(),
                              org_unit=org_tree["OUT-A"], kind="individual", value_segment="negative",
                              negative_rule="malicious_overdraft", negative_rules=["malicious_overdraft", "dormant"])
    assert run(D(2026, 10, 5), Kind.DORMANT) == {Kind.DORMANT: 2}
    # the next close finds the same sleeper: no second task while the first is open
    assert run(D(2026, 11, 5), Kind.DORMANT) == {Kind.DORMANT: 0}
    ServiceTask.objects.filter(kind=Kind.DORMANT).update(status="cancelled")
    assert run(D(2026, 11, 5), Kind.DORMANT) == {Kind.DORMANT: 1}


# --- cards, handovers, visits, re-contact, periodic ------------------------------------------------------------


def test_card_not_activated_gets_a_task_with_the_rendered_script(org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, name="韩梅梅")
    AccountFactory(customer=customer, account_type=AccountType.CREDIT_CARD, activated=False,
                   account_no="6258000000001234")
    AccountFactory(customer=customer, account_type=AccountType.CREDIT_CARD, activated=True)
    AccountFactory(customer=customer, account_type=AccountType.CREDIT_CARD, activated=False,
                   closed_on=D(2026, 1, 1))
    assert run(D(2026, 11, 2), Kind.CARD_ACTIVATION) == {Kind.CARD_ACTIVATION: 1}
    [task] = tasks(Kind.CARD_ACTIVATION)
    assert "尾号1234" in task.title
    text = task_script_render(task=task)
    assert "韩梅梅" in text and str(rm_a1) in text and "信用卡" in text and "$" not in text
    assert run(D(2026, 11, 3), Kind.CARD_ACTIVATION) == {Kind.CARD_ACTIVATION: 0}


def test_handover_moves_open_tasks_keeps_done_ones_and_adds_a_follow_up(org_tree, rm_a1, rm_a2, head_a, vip):
    run(D(2026, 11, 28), Kind.BIRTHDAY, Kind.PERIODIC_CONTACT)
    done = ServiceTask.objects.create(customer=vip, org_unit=vip.org_unit, assignee=rm_a1, kind=Kind.FOLLOW_UP,
                                      due_date=D(2026, 11, 1), dedupe_key="manual:1", status="done",
                                      completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 11, 28, 3, tzinfo=dt.UTC), tick=False):
        handover = customer_handover(customers=Customer.objects.filter(pk=vip.pk), to=rm_a2, reason="调岗",
                                     by=head_a)
    open_tasks = ServiceTask.objects.filter(customer=vip, status="open")
    assert open_tasks.count() == 3 and set(open_tasks.values_list("assignee", flat=True)) == {rm_a2.pk}
    done.refresh_from_db()
    assert done.assignee == rm_a1
    follow_up = ServiceTask.objects.get(kind=Kind.HANDOVER)
    assert (follow_up.assignee, follow_up.dedupe_key, follow_up.due_date) == (rm_a2, f"handover:{handover.pk}",
                                                                              D(2026, 12, 12))
    # the daily run finds the same handover and creates nothing more
    assert run(D(2026, 11, 29), Kind.HANDOVER) == {Kind.HANDOVER: 0}
    assert Handover.objects.count() == 1


def test_corporate_visits_go_to_each_role_holder_spread_over_the_month(org_tree, rm_a1, head_a):
    president = UserFactory(username="president", org_unit=org_tree["BR1"], roles=[roles.HQ_MANAGEMENT])
    UnitRoleHolder.objects.create(org_unit=org_tree["BR1"], role=VisitRole.PRESIDENT, user=president)
    company = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind=Customer.Kind.CORPORATE,
                              name="某某公司", deposit_class="class_1")
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind=Customer.Kind.CORPORATE,
                    deposit_class="")  # no class yet: no visits
    assert run(D(2026, 11, 2), Kind.CORPORATE_VISIT) == {Kind.CORPORATE_VISIT: 6}
    by_role = {}
    for task in tasks(Kind.CORPORATE_VISIT, customer=company):
        by_role.setdefault(task.dedupe_key.split(":")[1], []).append((task.assignee, task.due_date))
    assert by_role[VisitRole.PRESIDENT] == [(president, D(2026, 11, 30))]
    # nobody holds 公司业务部负责人: the unit's branch head
    assert by_role[VisitRole.CORPORATE_HEAD] == [(head_a, D(2026, 11, 15)), (head_a, D(2026, 11, 30))]
    assert by_role[VisitRole.RM] == [(rm_a1, D(2026, 11, 10)), (rm_a1, D(2026, 11, 20)), (rm_a1, D(2026, 11, 30))]
    assert run(D(2026, 11, 20), Kind.CORPORATE_VISIT) == {Kind.CORPORATE_VISIT: 0}
    assert run(D(2026, 12, 1), Kind.CORPORATE_VISIT) == {Kind.CORPORATE_VISIT: 6}  # December's


def test_recontact_after_90_days_without_a_logged_contact(org_tree, rm_a1):
    def company():
        return CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, since=D(2025, 1, 1),
                               kind=Customer.Kind.CORPORATE, deposit_class="class_3")

    silent, recent, boundary = company(), company(), company()
    # a programme customer is followed by its monthly periodic contact instead (no second contact task)
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, since=D(2025, 1, 1), maintenance_band="staff")
    day = D(2026, 11, 2)
    ContactLog.objects.create(customer=recent, staff=rm_a1, contacted_on=day - dt.timedelta(days=30),
                              channel="phone", summary="x")
    ContactLog.objects.create(customer=boundary, staff=rm_a1, contacted_on=day - dt.timedelta(days=90),
                              channel="phone", summary="x")  # exactly 90 days: not yet lost
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, since=D(2025, 1, 1))  # not in the programme
    run(day, Kind.RECONTACT)
    assert [(t.customer, t.dedupe_key) for t in tasks(Kind.RECONTACT)] == [(silent, "recontact:never")]
    assert run(day + dt.timedelta(days=1), Kind.RECONTACT) == {Kind.RECONTACT: 1}  # boundary is now 91 days
    assert tasks(Kind.RECONTACT, customer=boundary)[0].dedupe_key == f"recontact:{day - dt.timedelta(days=90)}"


def test_periodic_contact_per_standard_unless_contacted_in_the_period(vip, mass, org_tree, rm_a1):
    contacted = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, value_segment="vip")
    ContactLog.objects.create(customer=contacted, staff=rm_a1, contacted_on=D(2026, 11, 1), channel="phone",
                              summary="x")
    run(D(2026, 11, 2), Kind.PERIODIC_CONTACT)
    got = {t.customer: (t.due_date, t.dedupe_key) for t in tasks(Kind.PERIODIC_CONTACT)}
    # 大众: every 6 months, staggered by customer: the period containing November that starts on the
    # customer's offset month
    ym = 2026 * 12 + 10
    start = ym - (ym - mass.pk % 6) % 6
    start_day = D(start // 12, start % 12 + 1, 1)
    end_ym = start + 6
    end_day = D(end_ym // 12, end_ym % 12 + 1, 1) - dt.timedelta(days=1)
    assert got == {vip: (D(2026, 11, 30), "periodic:2026-11"), mass: (end_day, f"periodic:{start_day:%Y-%m}")}
    assert start_day <= D(2026, 11, 2) <= end_day


def test_half_yearly_contacts_are_spread_over_the_months(org_tree, rm_a1):
    for _ in range(12):
        CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, value_segment="mass")
    run(D(2026, 11, 2), Kind.PERIODIC_CONTACT)
    assert ServiceTask.objects.filter(kind=Kind.PERIODIC_CONTACT).values("dedupe_key").distinct().count() == 6


# --- routing and idempotence ---------------------------------------------------------------------------------


def test_inactive_maintainer_routes_to_the_branch_head_and_nobody_means_no_task(org_tree, rm_a1, head_a):
    gone = UserFactory(username="gone", org_unit=org_tree["OUT-A"], roles=[roles.RELATIONSHIP_MANAGER])
    orphan_a = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=gone, birth_date=D(1990, 12, 5),
                               value_segment="vip")
    gone_b = UserFactory(username="gone_b", org_unit=org_tree["OUT-B"], roles=[roles.RELATIONSHIP_MANAGER])
    CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=gone_b, birth_date=D(1990, 12, 5), value_segment="vip")
    type(gone).objects.filter(pk__in=[gone.pk, gone_b.pk]).update(is_active=False)
    run(D(2026, 12, 1), Kind.BIRTHDAY)
    assert [(t.customer, t.assignee) for t in tasks(Kind.BIRTHDAY)] == [(orphan_a, head_a)]


def test_head_of_a_unit_above_is_the_fallback_when_the_outlet_has_none(org_tree):
    branch_head = UserFactory(username="br_head", org_unit=org_tree["BR2"], roles=[roles.BRANCH_HEAD])
    CustomerFactory(org_unit=org_tree["OUT-B"], maintainer=None, birth_date=D(1990, 12, 5), value_segment="vip")
    run(D(2026, 12, 1), Kind.BIRTHDAY)
    assert [t.assignee for t in tasks(Kind.BIRTHDAY)] == [branch_head]


def test_whole_run_is_idempotent_and_never_assigns_inactive_users(org_tree, rm_a1, head_a, vip, mass):
    company = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind=Customer.Kind.CORPORATE,
                              deposit_class="class_2", maintenance_band="")
    AccountFactory(customer=company, account_type=AccountType.CREDIT_CARD, activated=False)
    first = run(D(2026, 11, 28))
    assert sum(first.values()) > 5
    assert set(first) == {k for k in Kind.values if k not in {Kind.NEW_CUSTOMER, Kind.FOLLOW_UP}}
    assert sum(run(D(2026, 11, 28)).values()) == 0
    assert not ServiceTask.objects.filter(assignee__is_active=False).exists()


def test_two_connections_generating_the_same_day_create_each_task_once(transactional_db, org_tree, rm_a1):
    """The second run waits on the day's advisory lock, then finds every occasion taken."""
    import threading

    from django.db import connections

    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(1990, 12, 5), value_segment="vip",
                    maintenance_band="wealth", since=D(2020, 1, 1))
    results = []

    def worker():
        try:
            results.append(sum(tasks_generate(day=D(2026, 12, 1)).values()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[0] == 0 and sorted(results)[1] > 0
    assert ServiceTask.objects.filter(kind=Kind.BIRTHDAY).count() == 1


def test_generation_is_one_statement_per_kind_not_a_loop_over_customers(org_tree, rm_a1,
                                                                        django_assert_max_num_queries):
    for i in range(30):
        CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=D(1990, 12, 1 + i % 5),
                        value_segment="vip", maintenance_band="wealth", since=D(2020, 1, 1),
                        aum=Decimal("300000.00"))
    run(D(2026, 11, 1))  # the calendar is filled once
    with django_assert_max_num_queries(40):
        counts = run(D(2026, 11, 28))
    assert counts[Kind.BIRTHDAY] == 30


def test_close_step_and_handover_follower_are_registered(db):
    assert "tasks" in [step.name for step in close_steps.registered(after_commit=True)]
    assert "service_tasks" in handover_followers


def test_generate_tasks_command_reports_counts_and_refuses_a_bad_date(vip, capsys):
    call_command("generate_tasks", "--date", "2026-11-28")
    out = capsys.readouterr().out
    assert "生日问候: 1" in out and "共生成" in out
    with pytest.raises(CommandError, match="日期格式错误"):
        call_command("generate_tasks", "--date", "2026-02-30")
