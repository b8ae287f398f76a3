"""Access log (logins, reveals, handovers), its read-only pages, and the field-level history panel."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from crm.client_ip import request_client_ip
from crm.models import AccessLog
from crm.services.audit import access_log_record


def test_login_and_failed_login_are_logged(client, rm_a1):
    client.post(reverse("login"), {"username": "rm_a1", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.9")
    failed = AccessLog.objects.get(action="login_failed")
    assert failed.username == "rm_a1" and failed.user is None and str(failed.ip) == "10.0.0.9"
    assert "wrong-password" not in str(failed.detail)
    response = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"})
    assert response.status_code == 302
    assert AccessLog.objects.get(action="login").user == rm_a1
    client.post(reverse("logout"))
    assert AccessLog.objects.filter(action="logout", user=rm_a1).exists()


def test_the_edge_reads_the_client_address_services_only_store_it(rm_a1):
    assert request_client_ip(RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")) == "10.1.2.3"
    assert request_client_ip(None) is None  # a management command: no request, no address
    row = access_log_record(user=rm_a1, action=AccessLog.Action.EXPORT, target="x.xlsx", client_ip="10.1.2.4")
    assert str(row.ip) == "10.1.2.4"


def _behind_proxy(forwarded: str | None):
    meta = {"REMOTE_ADDR": "10.0.0.2"}  # the proxy
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(("trusted", "forwarded", "client_ip"), [
    (0, "203.0.113.7", "10.0.0.2"),  # no trusted proxy: the header is ignored
    (1, "203.0.113.7", "203.0.113.7"),  # one nginx appended the client
    (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the client forged an entry to the left
    (2, "198.51.100.9, 203.0.113.7, 10.0.0.1", "203.0.113.7"),  # two proxies
    (2, "203.0.113.7", "10.0.0.2"),  # fewer entries than trusted proxies: only the peer is trusted
    (1, None, "10.0.0.2"),
    (1, "unknown", "10.0.0.2"),  # not an address: the peer's
    (1, "203.0.113.7:51234", "10.0.0.2"),
])
def test_the_client_address_behind_trusted_proxies(trusted, forwarded, client_ip):
    with override_settings(TRUSTED_PROXY_COUNT=trusted):
        assert request_client_ip(_behind_proxy(forwarded)) == client_ip


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_lockout_and_access_log_name_the_forwarded_client(client, rm_a1):
    for n in range(5):  # five failures of one client through the proxy, each with a different forged entry
        client.post(reverse("login"), {"username": f"guess{n}", "password": "bad"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7")
    assert {str(row.ip) for row in AccessLog.objects.filter(action="login_failed")} == {"203.0.113.7"}
    locked = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}, REMOTE_ADDR="10.0.0.2",
                         HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429  # that client is locked out …
    other = client.post(reverse("login"), {"username": "rm_a1", "password": "demo12345"}, REMOTE_ADDR="10.0.0.2",
                        HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302  # … not everyone behind the same proxy


def test_access_log_record_for_other_helpers(rm_a1, cust_a):
    row = access_log_record(user=rm_a1, action=AccessLog.Action.EXPORT, target=cust_a, detail={"rows": 3})
    assert (row.customer, row.target, row.detail) == (cust_a, "A0001", {"rows": 3})
    row = access_log_record(user=rm_a1, action="import", target="customers.xlsx")
    assert row.target == "customers.xlsx" and row.customer is None


def test_auditor_browses_and_filters_access_log(client, auditor, rm_a1, cust_a):
    access_log_record(user=rm_a1, action="reveal", target=cust_a)
    access_log_record(user=rm_a1, action="export", target="report.xlsx")
    client.force_login(auditor)
    body = client.get(reverse("access:access_log"), {"action": "reveal"}).content.decode()
    assert "A0001" in body and "report.xlsx" not in body
    body = client.get(reverse("access:access_log"), {"customer_no": "A0001"}).content.decode()
    assert "A0001" in body


def test_access_log_is_not_for_rms_and_read_only_in_admin(client, rm_a1, sysadmin, auditor):
    client.force_login(rm_a1)
    assert client.get(reverse("access:access_log")).status_code == 403
    client.force_login(sysadmin)
    row = access_log_record(user=rm_a1, action="export", target="x")
    assert client.get(reverse("admin:crm_accesslog_changelist")).status_code == 200
    assert client.get(reverse("admin:crm_accesslog_add")).status_code == 403
    assert client.post(reverse("admin:crm_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_history_panel_shows_who_changed_what_from_to(client, head_a, rm_a1, cust_a):
    # given: a change made by a branch head, including the mobile
    cust_a._history_user = head_a
    cust_a.credit_rating = "AA"
    cust_a.mobile = "13700009999"
    cust_a.save(update_fields=["credit_rating", "mobile", "updated_at"])
    # when
    client.force_login(rm_a1)
    body = client.get(reverse("customers:detail", args=[cust_a.pk])).content.decode()
    # then
    assert "变更历史" in body
    assert "信用等级：— → AA" in body
    assert "手机号：138****5678 → 137****9999" in body  # masked on both sides
    assert "13700009999" not in body
    assert str(head_a) in body


def test_branch_auditor_sees_only_their_subtree_in_the_access_log(org_tree, rm_a1, rm_b1, cust_a, cust_b):
    from crm import roles
    from customers.access_selectors import access_log_list
    from tests.factories import UserFactory

    # given actions in outlet A and outlet B
    access_log_record(user=rm_a1, action=AccessLog.Action.REVEAL, target=cust_a)
    access_log_record(user=rm_b1, action=AccessLog.Action.REVEAL, target=cust_b)
    branch_auditor = UserFactory(username="auditor_br1", org_unit=org_tree["BR1"], roles=[roles.AUDITOR])
    hq_auditor = UserFactory(username="auditor_hq", org_unit=org_tree["HQ"], roles=[roles.AUDITOR])
    # then a BR1 auditor sees outlet A's row only; an HQ auditor sees both
    assert [row.user for row in access_log_list(user=branch_auditor, filters={})] == [rm_a1]
    assert access_log_list(user=hq_auditor, filters={}).count() == 2
