"""Imports are sensitive actions: a written import leaves one access-log row, a refused one leaves none."""

from __future__ import annotations

from crm.models import AccessLog
from customers.services.imports import customers_import
from tests.customers.import_files import CUSTOMER_HEADER, customer_row, write_xlsx


def test_written_import_is_logged_with_counts(tmp_path, rm_a1):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001")])

    customers_import(file=path, by=rm_a1)

    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert log.user == rm_a1 and log.target.endswith("c.xlsx")
    assert log.detail["kind"] == "customers" and log.detail["created"] == 1


def test_refused_or_previewed_import_is_not_logged(tmp_path, rm_a1):
    bad = write_xlsx(tmp_path / "bad.xlsx", CUSTOMER_HEADER, [customer_row("C001", 手机号="12")])
    good = write_xlsx(tmp_path / "good.xlsx", CUSTOMER_HEADER, [customer_row("C002")])

    assert not customers_import(file=bad, by=rm_a1).ok
    assert customers_import(file=good, by=rm_a1, dry_run=True).ok

    assert not AccessLog.objects.filter(action=AccessLog.Action.IMPORT).exists()


def test_import_moves_are_handovers_and_changes_are_history(tmp_path, org_tree, rm_a1, rm_b1):
    """Issue 10, item 11: a changed maintainer or org unit is a handover (reason: the import and the file);
    every changed field appears in the customer's change history; unchanged customers get nothing."""
    from crm.models import Handover
    from customers.models import Customer
    from tests.factories import UserFactory

    UserFactory(username="rm_a2", org_unit=org_tree["OUT-A"])
    first = write_xlsx(tmp_path / "first.xlsx", CUSTOMER_HEADER, [
        customer_row("C001", 维护人="rm_a1"), customer_row("C002", 维护人="rm_a1"), customer_row("C003", 维护人="rm_a1"),
    ])
    assert customers_import(file=first, by=rm_a1).ok
    c1 = Customer.objects.get(customer_no="C001")
    assert [h.history_type for h in c1.history.all()] == ["+"]
    # when the next file moves C001 to rm_a2, C002 to outlet B with rm_b1, renames C003
    second = write_xlsx(tmp_path / "monthly_0611.xlsx", CUSTOMER_HEADER, [
        customer_row("C001", 维护人="rm_a2"),
        customer_row("C002", 维护人="rm_b1", 所属机构="OUT-B"),
        customer_row("C003", 维护人="rm_a1", 姓名="新名字"),
    ])
    result = customers_import(file=second, by=None)
    assert result.ok and result.updated == 3 and result.handed_over == 2
    # then two handovers, by the import, naming the file, with the previous maintainer kept on each item
    handovers = {h.to_maintainer.username: h for h in Handover.objects.all()}
    assert set(handovers) == {"rm_a2", "rm_b1"}
    assert all(h.reason == "批量导入：monthly_0611.xlsx" and h.by is None for h in handovers.values())
    assert handovers["rm_b1"].org_unit == org_tree["OUT-B"]
    assert handovers["rm_a2"].from_maintainer == rm_a1 and handovers["rm_a2"].customer_count == 1
    assert [(i.customer.customer_no, i.previous_maintainer) for i in handovers["rm_a2"].items.all()] == [
        ("C001", rm_a1)]
    # and the change history shows the new values, with the reason
    c3 = Customer.objects.get(customer_no="C003")
    latest = c3.history.latest()
    assert latest.name == "新名字" and latest.history_change_reason == "批量导入：monthly_0611.xlsx"
    delta = latest.diff_against(latest.prev_record)
    assert delta.changed_fields == ["name"]
    # re-importing the same file changes nothing and records nothing more
    before = (Handover.objects.count(), Customer.history.count())
    assert customers_import(file=second).unchanged == 3
    assert (Handover.objects.count(), Customer.history.count()) == before
