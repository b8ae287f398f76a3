"""The customer list export: same scope and filters as the page, masked, formula-safe, logged, capped."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from crm.models import AccessLog
from tests.factories import CustomerFactory


def _sheet(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_rm_exports_only_their_filtered_customers_masked(client, org_tree, rm_a1, rm_b1):
    # given
    CustomerFactory(customer_no="A1", name="张三", org_unit=org_tree["OUT-A"], maintainer=rm_a1,
                    mobile="13812345678", id_number="11010519491231002X", aum=Decimal("200000.00"))
    CustomerFactory(customer_no="A2", name="=HYPERLINK(\"http://x\")", org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    CustomerFactory(customer_no="B1", name="李四", org_unit=org_tree["OUT-B"], maintainer=rm_b1)
    client.force_login(rm_a1)
    # when
    response = client.get(reverse("customers:export"), {"sort": "-aum"})
    rows = _sheet(response)
    # then
    assert response["Content-Disposition"].startswith("attachment")
    assert rows[0][:2] == ["客户号", "姓名/名称"]
    assert [row[0] for row in rows[1:]] == ["A1", "A2"]  # another outlet's customer is not exported
    assert rows[1][5] == "138****5678" and rows[1][6] == "110105********002X"
    assert rows[1][7] == 200000 and rows[2][1].startswith("'=")
    assert "13812345678" not in str(rows)
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == rm_a1 and log.detail["rows"] == 2


def test_export_follows_the_filters(client, org_tree, rm_a1):
    CustomerFactory(customer_no="A1", name="张三", org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind="individual")
    CustomerFactory(customer_no="A2", name="某公司", org_unit=org_tree["OUT-A"], maintainer=rm_a1, kind="corporate")
    client.force_login(rm_a1)

    rows = _sheet(client.get(reverse("customers:export"), {"kind": "corporate"}))

    assert [row[0] for row in rows[1:]] == ["A2"]


def test_too_large_export_is_refused_with_a_message(client, org_tree, rm_a1, settings):
    settings.EXPORT_MAX_ROWS = 1
    for no in ["A1", "A2"]:
        CustomerFactory(customer_no=no, org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    client.force_login(rm_a1)

    response = client.get(reverse("customers:export"), follow=True)

    assert "无法导出" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
