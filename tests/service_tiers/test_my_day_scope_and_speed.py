"""My day's fast reads keep the scope: tasks checked on the joined standing row, birthdays from the standing's
month-day key (year end, 29 February), and the query shapes the 1M speed depends on."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.services.access import customer_grant_access, customer_revoke_access
from segmentation.models import TierChange
from service_tiers.my_day import birthday_keys, my_day
from tests.factories import CustomerFactory
from tests.service_tiers.factories import ServiceTaskFactory

pytestmark = pytest.mark.django_db
MY_DAY = reverse("service_tiers:my_day")


def _shown(client, user, task) -> bool:
    client.force_login(user)
    return f'id="task-{task.pk}"' in client.get(MY_DAY).content.decode()


def _url_answers(client, task) -> int:
    return client.get(reverse("service_tiers:task_action", args=[task.pk, "complete"])).status_code


# --- scope: an RM never sees a task on a customer that left their scope ----------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False)
def test_removing_the_co_maintainer_hides_their_task(client, org_tree, rm_a1, rm_a2):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    customer.co_maintainers.add(rm_a2)
    task = ServiceTaskFactory(customer=customer, assignee=rm_a2, due_date=dt.date(2026, 11, 25))
    assert _shown(client, rm_a2, task)

    customer.co_maintainers.remove(rm_a2)

    assert not _shown(client, rm_a2, task) and _url_answers(client, task) == 404


@time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False)
def test_revoking_a_grant_hides_the_task(client, org_tree, rm_a1, rm_a2, head_a):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    customer_grant_access(customer=customer, to=rm_a2, level="view", by=head_a)
    task = ServiceTaskFactory(customer=customer, assignee=rm_a2, due_date=dt.date(2026, 11, 25))
    assert _shown(client, rm_a2, task)

    customer_revoke_access(customer=customer, user=rm_a2, by=head_a)

    assert not _shown(client, rm_a2, task) and _url_answers(client, task) == 404


@time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_customer_moved_to_another_rm_takes_the_task_out_of_sight(client, org_tree, rm_a1, rm_a2):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    task = ServiceTaskFactory(customer=customer, assignee=rm_a1, due_date=dt.date(2026, 11, 25))
    assert _shown(client, rm_a1, task)

    # e.g. an import rebooking the customer: the task is still assigned to rm_a1 (the handover service would move it)
    type(customer).objects.filter(pk=customer.pk).update(maintainer=rm_a2)

    assert not _shown(client, rm_a1, task) and _url_answers(client, task) == 404
    assert not _shown(client, rm_a2, task)  # not theirs either: My day lists the user's own tasks


# --- birthdays: the week's month-day keys ----------------------------------------------------------------------


def test_birthday_keys_cross_the_year_end_in_day_order():
    keys = birthday_keys(start=dt.date(2026, 12, 30), end=dt.date(2027, 1, 3))
    assert keys == {1230: 0, 1231: 1, 101: 2, 102: 3, 103: 4}


def test_february_29_is_greeted_on_february_28_in_common_years_only():
    assert birthday_keys(start=dt.date(2027, 2, 27), end=dt.date(2027, 2, 28)) == {227: 0, 228: 1, 229: 1}
    assert birthday_keys(start=dt.date(2028, 2, 27), end=dt.date(2028, 2, 28)) == {227: 0, 228: 1}
    assert birthday_keys(start=dt.date(2028, 2, 28), end=dt.date(2028, 3, 1)) == {228: 0, 229: 1, 301: 2}


def _birthday_panel(client, user) -> str:
    client.force_login(user)
    html = client.get(MY_DAY).content.decode()
    return html[html.index('id="birthdays"'):]


def test_birthdays_of_a_week_across_the_year_end_in_calendar_order(client, org_tree, rm_a1, rm_a2):
    def born(name, day, rm=rm_a1):
        return CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm, name=name, birth_date=day)

    born("元旦后", dt.date(1980, 1, 2))
    born("除夕前", dt.date(1975, 12, 31))
    born("下周的", dt.date(1990, 1, 4))
    born("别人的", dt.date(1985, 12, 30), rm=rm_a2)
    with time_machine.travel(dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.UTC), tick=False):  # Monday → Sunday Jan 3
        panel = _birthday_panel(client, rm_a1)
    assert panel.index("除夕前") < panel.index("元旦后") and "12-31" in panel
    assert "下周的" not in panel and "别人的" not in panel


def test_a_29_february_birthday_shows_in_the_week_of_28_february_of_a_common_year(client, org_tree, rm_a1):
    CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, name="闰日生", birth_date=dt.date(1988, 2, 29))
    with time_machine.travel(dt.datetime(2027, 2, 22, 9, 0, tzinfo=dt.UTC), tick=False):  # week ends Sun Feb 28
        assert "闰日生" in _birthday_panel(client, rm_a1)
    with time_machine.travel(dt.datetime(2028, 2, 21, 9, 0, tzinfo=dt.UTC), tick=False):  # leap year: ends Feb 27
        assert "闰日生" not in _birthday_panel(client, rm_a1)
    with time_machine.travel(dt.datetime(2028, 2, 28, 9, 0, tzinfo=dt.UTC), tick=False):  # Feb 29 itself
        assert "闰日生" in _birthday_panel(client, rm_a1)


# --- the shapes the 1M figures rest on ---------------------------------------------------------------------------


def _page_queries(user, today) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        my_day(user=user, today=today)
    return [query["sql"] for query in captured.captured_queries]


def _plan(sql: str, *, without: str = "") -> str:
    """The plan PostgreSQL would use on big tables: no sequential scans, and the index ``without`` dropped (inside
    the test's transaction, so it comes back): on these tiny tables any index that leads with the maintainer costs
    the same, so only the conditions an index can take are compared."""
    with connection.cursor() as cursor:
        if without:
            cursor.execute(f'DROP INDEX "{without}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def test_the_task_query_checks_the_scope_on_the_joined_standing_row(org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=dt.date(1980, 11, 26))
    ServiceTaskFactory(customer=customer, assignee=rm_a1, due_date=dt.date(2026, 11, 25))
    queries = _page_queries(rm_a1, dt.date(2026, 11, 25))
    tasks = next(sql for sql in queries if sql.startswith('SELECT "service_tiers_servicetask"."id"'))
    # One standing row per task, joined (the badges need it) and filtered: no semi-join over the RM's whole scope.
    assert 'JOIN "customers_customerstanding"' in tasks
    assert 'IN (SELECT U0."customer_id"' not in tasks and "customers_customerstanding U0" not in tasks
    assert f'"customers_customerstanding"."maintainer_id" = {rm_a1.pk}' in tasks


def test_birthdays_and_tier_changes_can_use_their_standing_indexes(org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1, birth_date=dt.date(1980, 11, 26))
    TierChange.objects.create(customer=customer, month=dt.date(2026, 11, 1), field="asset_tier",
                              from_value="regular", to_value="gold", direction="up")
    queries = _page_queries(rm_a1, dt.date(2026, 11, 25))
    birthdays = next(sql for sql in queries if '"birth_mmdd" IN' in sql)
    changes = next(sql for sql in queries if sql.startswith('SELECT "segmentation_tierchange"'))
    # The tier changes are a semi-join on the RM's customer ids, which the maintainer's index holds (index-only;
    # which join the planner picks depends on the month's changes, so only the shape is asserted here) …
    assert f'IN (SELECT U0."customer_id" AS "customer_id" FROM "customers_customerstanding" U0 WHERE ' \
           f'U0."maintainer_id" = {rm_a1.pk})' in changes
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('standing_maint_aum'::regclass)")
        assert cursor.fetchone()[0].endswith("(maintainer_id, aum_cents DESC) INCLUDE (customer_id)")
    # … and the week's birthdays come from the birthday index: the month-days and the maintainer are index keys.
    plan = _plan(birthdays, without="standing_maint_aum")
    assert "standing_birthday" in plan
    assert f"Index Cond: ((birth_mmdd = ANY ('{{1125,1126,1127,1128,1129}}'::integer[])) AND (maintainer_id = {rm_a1.pk}))" in plan


def test_the_task_table_has_the_assignee_status_statistics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'service_tiers_servicetask_assignee_status'")
        assert cursor.fetchone() == (["m"],)
