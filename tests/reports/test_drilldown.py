"""Every number of the dashboard drills down to a list whose count is the number shown (issue 14).

Customer figures → the customer list (``month`` + ``m_*``), task figures → the task list (``/team/tasks/`` for
heads and HQ, ``/my-tasks/`` for RMs, ``report=1``), compliance figures → the compliance page's customers
without a follow-up. Checked for four readers, and again after a handover and a move out of the unit: a
closed month's list reads the month's snapshot (customers.scoping.month_snapshot_scope), not today's books.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from customers.filters import CustomerFilter
from customers.models import Customer
from customers.scoping import visible_customers
from customers.services.handover import customer_handover
from reports.dataset import report_dataset
from reports.scope import report_scope_for
from service_tiers.models import ServiceTask
from tests.reports.conftest import JULY
from tests.reports.test_dataset import _figures

READERS = [("hq", None), ("hq", "OUT-A"), ("hq", "BR2"), ("head_a", None), ("rm_a1", None), ("rm_b1", None)]


@pytest.fixture
def tasks(two_months):
    """More July tasks than conftest's two (c1 done, c2 open, both rm_a1 in OUT-A): a cancelled one, one in
    OUT-B, an open June task (overdue in the alerts, not in July's figures) and an August one."""
    w = two_months
    out_a, out_b = w.units["OUT-A"], w.units["OUT-B"]
    for key, customer, unit, assignee, kind, due, status in [
        ("x1", w.c3, out_a, w.wm_a, "birthday", dt.date(2024, 7, 5), "cancelled"),
        ("x2", w.c3, out_a, w.wm_a, "periodic_contact", dt.date(2024, 7, 6), "open"),
        ("x3", w.c4, out_b, w.rm_b1, "periodic_contact", dt.date(2024, 7, 9), "open"),
        ("x4", w.c1, out_a, w.rm_a1, "periodic_contact", dt.date(2024, 6, 10), "open"),
        ("x5", w.c2, out_a, w.rm_a1, "periodic_contact", dt.date(2024, 8, 10), "done"),
    ]:
        ServiceTask.objects.create(customer=customer, org_unit=unit, assignee=assignee, kind=kind, due_date=due,
                                   status=status, dedupe_key=key,
                                   completed_at=timezone.now() if status == "done" else None)
    return w


def _move_out(w):
    """After July's close: c2 handed over from rm_a1 to wm_a (its open task follows), c1 moved to OUT-B."""
    customer_handover(customers=Customer.objects.filter(pk=w.c2.pk), to=w.wm_a, reason="升级移交", by=w.head_a)
    Customer.objects.filter(pk=w.c1.pk).update(org_unit=w.units["OUT-B"])


def _dataset(w, reader, org):
    user = getattr(w, reader)
    return user, report_dataset(month=JULY, scope=report_scope_for(user=user, org_code=org))


def _assert_customer_lists(user, data):
    for name, shown, filters in _figures(data):
        # As the list view builds it (customers.views.customer_list).
        customer_filter = CustomerFilter(filters, queryset=visible_customers(user=user), user=user,
                                         month_scope=True)
        assert customer_filter.qs.count() == shown, (name, filters)
        assert not customer_filter.form.errors, (name, customer_filter.form.errors)


def _task_figures(data):
    rows = []
    for r in data.league:
        if r.task_filters:
            rows += [(f"total{r.maintainer_id}", r.tasks_total, r.tasks_total_filters),
                     (f"done{r.maintainer_id}", r.tasks_done, r.tasks_done_filters),
                     (f"overdue{r.maintainer_id}", r.tasks_overdue, r.tasks_overdue_filters)]
    links = data.tasks.links
    rows += [(f"summary:{key}", getattr(data.tasks, key), links[key]) for key in ["total", "done", "open", "overdue"]]
    rows += [(f"kind:{label}", n, filters) for label, total, done, total_filters, done_filters in data.tasks.kind_links
             for n, filters in [(total, total_filters), (done, done_filters)]]
    rows += [(f"alert:{name}", n, filters) for name, n, filters in data.alerts.overdue_by_assignee]
    return rows


def _assert_task_lists(client, user, data):
    client.force_login(user)
    url = reverse(data.task_list)
    for name, shown, filters in _task_figures(data):
        response = client.get(f"{url}?{urlencode(filters)}")
        assert response.status_code == 200, name
        assert not response.context["form"].errors, (name, response.context["form"].errors)
        assert response.context["page_obj"].paginator.count == shown, (name, filters)


def _assert_compliance_lists(client, user, data):
    figures = [(f"rm{r.maintainer_id}", r.not_contacted, r.compliance_filters) for r in data.league
               if r.compliance_filters]
    if data.alerts.compliance_filters:
        figures.append(("all", data.alerts.not_contacted, data.alerts.compliance_filters))
    client.force_login(user)
    for name, shown, filters in figures:
        response = client.get(f"{reverse('service_tiers:compliance')}?{urlencode(filters)}")
        assert response.status_code == 200, name
        assert response.context["missing_count"] == shown, (name, filters)
        assert len(response.context["missing"]) == shown, (name, filters)


@pytest.mark.parametrize(("reader", "org"), READERS)
def test_every_figure_lists_exactly_its_count(client, tasks, reader, org):
    user, data = _dataset(tasks, reader, org)
    _assert_customer_lists(user, data)
    _assert_task_lists(client, user, data)
    _assert_compliance_lists(client, user, data)


@pytest.mark.parametrize(("reader", "org"), READERS)
def test_after_a_handover_and_a_move_out_of_the_unit_the_counts_still_match(client, tasks, reader, org):
    _move_out(tasks)
    user, data = _dataset(tasks, reader, org)
    _assert_customer_lists(user, data)
    _assert_task_lists(client, user, data)
    _assert_compliance_lists(client, user, data)


def test_the_figures_are_the_hand_computed_ones(tasks):
    w = tasks
    _user, data = _dataset(w, "head_a", None)
    rm = next(r for r in data.league if r.maintainer_id == w.rm_a1.pk)
    wm = next(r for r in data.league if r.maintainer_id == w.wm_a.pk)
    # July, OUT-A: rm_a1 c1 done + c2 open (overdue today); wm_a x1 cancelled + x2 open.
    assert (rm.tasks_done, rm.tasks_total, rm.tasks_overdue) == (1, 2, 1)
    assert (wm.tasks_done, wm.tasks_total, wm.tasks_overdue) == (0, 1, 1)
    assert (data.tasks.total, data.tasks.done, data.tasks.open, data.tasks.cancelled, data.tasks.overdue) == (
        4, 1, 2, 1, 2)
    # The alerts count every open task overdue today, whatever its month: June's x4 included.
    alerts = {f["assignee"]: n for _name, n, f in data.alerts.overdue_by_assignee}
    assert alerts[str(w.rm_a1.pk)] > rm.tasks_overdue


def test_an_rm_lists_their_credited_customers_even_those_maintained_by_others_now(client, tasks):
    w = tasks
    _move_out(w)
    user, data = _dataset(w, "rm_a1", None)
    [row] = data.league
    assert row.credited_customers == 4 and row.credited_filters == {"month": "2024-07", "m_credit": str(w.rm_a1.pk)}
    client.force_login(w.rm_a1)
    response = client.get(f"{reverse('customers:list')}?{urlencode(row.credited_filters)}")
    assert response.context["paginator"].count == 4
    # c3 (maintained by wm_a at the close) and c2 (handed over since) are listed, not openable.
    page = response.content.decode()
    assert page.count("moved-out") == 2
    assert reverse("customers:detail", args=[w.c3.pk]) not in page
    assert reverse("customers:detail", args=[w.c1.pk]) in page


def test_a_head_lists_a_closed_month_by_its_snapshot_and_cannot_open_who_left(client, tasks):
    w = tasks
    Customer.objects.filter(pk=w.c1.pk).update(org_unit=w.units["OUT-B"])
    _user, data = _dataset(w, "head_a", None)
    client.force_login(w.head_a)
    kpi = next(k for k in data.kpis if k.code == "customers_count")
    response = client.get(f"{reverse('customers:list')}?{urlencode(kpi.filters)}")
    assert response.context["paginator"].count == kpi.value == 4
    page = response.content.decode()
    assert reverse("customers:detail", args=[w.c1.pk]) not in page and "moved-out" in page
    # Without a month the list is today's scope: c1 is gone.
    assert w.c1.customer_no not in client.get(reverse("customers:list")).content.decode()
    # The task list of the month shows c1's task without a link either.
    summary = client.get(f"{reverse('service_tiers:team_tasks')}?{urlencode(data.tasks.links['done'])}")
    assert summary.context["page_obj"].paginator.count == 1
    assert "moved-out" in summary.content.decode()


def test_a_moved_out_row_shows_none_of_today_s_data_and_today_s_filters_skip_it(client, tasks):
    w = tasks
    Customer.objects.filter(pk=w.c1.pk).update(org_unit=w.units["OUT-B"], mobile="13900001111")
    _user, data = _dataset(w, "head_a", None)
    kpi = next(k for k in data.kpis if k.code == "customers_count")
    client.force_login(w.head_a)
    page = client.get(f"{reverse('customers:list')}?{urlencode(kpi.filters)}").content.decode()
    row = page[page.index(w.c1.customer_no):]
    row = row[:row.index("</tr>")]
    assert "outside-scope-note" in row
    assert w.units["OUT-B"].name not in row and "1111" not in row and "tier-badge" not in row
    assert "且仍在您查看范围内的客户" in page  # "all matching" acts only on today's scope, and says so
    # Today's data may not be asked of the month's other rows: a search by name or an AUM bound skips c1.
    for extra in ({"q": w.c1.name}, {"aum_min": "0"}):
        response = client.get(f"{reverse('customers:list')}?{urlencode({**kpi.filters, **extra})}")
        assert w.c1.customer_no not in response.content.decode(), extra
    # The export of the month's list carries the same: number, name, kind and the note.
    export = client.get(f"{reverse('customers:export')}?{urlencode(kpi.filters)}")
    sheet = load_workbook(io.BytesIO(export.content), read_only=True).active
    [moved] = [list(r) for r in sheet.iter_rows(values_only=True) if r[0] == w.c1.customer_no]
    assert moved[3] == "已移出您的查看范围" and not any(moved[4:])


def test_bulk_actions_never_reach_customers_outside_todays_scope(tasks):
    from service_tiers.bulk import bulk_selection

    w = tasks
    Customer.objects.filter(pk=w.c1.pk).update(org_unit=w.units["OUT-B"])
    _user, data = _dataset(w, "head_a", None)
    kpi = next(k for k in data.kpis if k.code == "customers_count")
    selection = bulk_selection(user=w.head_a, data={"query": urlencode(kpi.filters), "scope": "filter"})
    assert selection.count == kpi.value - 1
    assert not selection.customers.filter(pk=w.c1.pk).exists()


@pytest.mark.parametrize("params", [
    {"report": "1", "month": "2024-13"}, {"report": "1", "org": "NOPE"}, {"report": "1", "org": "OUT-B"},
    {"report": "1", "assignee": "99999999"}, {"report": "1", "kind": "bogus"}, {"report": "1", "status": "x"},
])
def test_bad_task_list_parameters_get_a_message_not_a_500(client, tasks, params):
    client.force_login(tasks.head_a)
    response = client.get(reverse("service_tiers:team_tasks"), params)
    assert response.status_code == 200
    assert "筛选条件无效" in response.content.decode()


def test_an_rm_reads_only_their_own_tasks(client, tasks):
    client.force_login(tasks.rm_b1)
    response = client.get(reverse("service_tiers:my_tasks"), {"report": "1", "month": "2024-07", "status": ""})
    assert [t.assignee_id for t in response.context["page_obj"]] == [tasks.rm_b1.pk]
    assert "team-counts" not in response.content.decode()


def test_compliance_page_outside_the_scope_is_refused_with_a_message(client, tasks):
    client.force_login(tasks.head_a)
    response = client.get(reverse("service_tiers:compliance"), {"month": "2024-07", "org": "OUT-B"})
    assert response.status_code == 200
    assert "不在您的查看范围内" in response.content.decode()


@pytest.mark.parametrize(("url", "params"), [
    ("service_tiers:team_tasks", {"report": "1", "assignee": "²"}),
    ("customers:list", {"month": "2024-07", "m_maintainer": "²"}),
    ("customers:list", {"month": "2024-07", "m_credit": "¹²"}),
    ("service_tiers:compliance", {"maintainer": "²"}),
])
def test_digits_python_reads_as_digits_but_int_refuses_are_bad_input_not_a_500(client, tasks, url, params):
    # "²".isdigit() is True but int("²") raises: every id parameter is read with isdecimal().
    client.force_login(tasks.head_a)
    assert client.get(reverse(url), params).status_code == 200


def test_the_working_team_list_understands_counted_as_the_report_list_does(client, tasks):
    client.force_login(tasks.head_a)

    def count(status):
        return client.get(reverse("service_tiers:team_tasks"), {"status": status}).context["page_obj"].paginator.count

    assert count("counted") == count("open") + count("done") > 0  # every status but cancelled
