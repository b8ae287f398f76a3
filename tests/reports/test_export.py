"""export_report: sheet names, headers, labels, scope, errors, formula injection."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from segmentation import services
from tests.factories import CustomerFactory, UserFactory
from tests.segmentation.factories import MONTH, fact, individual


@pytest.fixture
def closed_month(org_tree):
    rm = UserFactory(username="rm_x", last_name="李", first_name="雷", org_unit=org_tree["OUT-A"])
    a = individual(org_unit=org_tree["OUT-A"], customer_no="P001", name="张三", maintainer=rm,
                   id_number="110101199001011234")
    b = individual(org_unit=org_tree["OUT-B"], customer_no="P002", name="=HYPERLINK(\"x\")")
    corp = CustomerFactory(org_unit=org_tree["OUT-A"], customer_no="E001", name="某某科技有限公司", kind="corporate",
                           registered_capital=Decimal("200000000.00"))
    fact(a, aum_avg="6000000", max_balance="6000000")
    fact(b, aum_avg="150000", max_balance="150000")
    fact(corp, deposit_avg="60000000", contribution="20000", product_count=2)
    services.month_close(month=MONTH, build_facts=False)
    return {"a": a, "b": b, "corp": corp}


def test_export_whole_bank_sheets_headers_labels(closed_month, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-2:] == ["客户等级明细", "对公客户分层明细"]
    detail = list(book["客户等级明细"].values)
    assert list(detail[0][:8]) == ["客户号", "姓名", "所属机构", "维护人", "月日均金融资产", "资产等级", "价值分群",
                                   "维护层级"]
    rows = {r[0]: r for r in detail[1:]}
    assert set(rows) == {"P001", "P002"}
    assert rows["P001"][1:4] == ("张三", "网点A", "李雷")
    assert rows["P001"][4] == 6000000
    assert rows["P001"][5] == "钻石" and rows["P001"][7] == "财富管理"
    assert rows["P002"][5] == "金卡" and rows["P002"][7] == "领养"
    assert rows["P001"][6] in {"贵宾", "潜力", "大众", "负值"}
    assert rows["P002"][1] == "'=HYPERLINK(\"x\")"  # formula neutralised
    corporate = list(book["对公客户分层明细"].values)
    assert list(corporate[0][:5]) == ["客户号", "名称", "企业规模", "存款类别", "客户分类"]
    assert corporate[1][:5] == ("E001", "某某科技有限公司", "大型", "二类", "有效基础")
    text = "".join(str(c) for sheet in book for row in sheet.values for c in row)
    assert "110101199001011234" not in text


def test_export_scoped_to_org_subtree(closed_month, tmp_path):
    out = tmp_path / "br1.xlsx"
    call_command("export_report", "--month", "2024-06", "--org", "BR1", "--format", "xlsx", "--output", str(out))
    book = openpyxl.load_workbook(out)
    assert [r[0] for r in list(book["客户等级明细"].values)[1:]] == ["P001"]
    out_b = tmp_path / "outb.xlsx"
    call_command("export_report", "--month", "2024-06", "--org", "OUT-B", "--format", "xlsx", "--output", str(out_b))
    book_b = openpyxl.load_workbook(out_b)
    assert [r[0] for r in list(book_b["客户等级明细"].values)[1:]] == ["P002"]
    assert len(list(book_b["对公客户分层明细"].values)) == 1  # header only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2024-06", "--org", "NOPE"], "机构代码不存在"),
        (["--month", "2024-05"], "尚未月结"),
        (["--month", "2024-13"], "月份格式错误"),
        (["--month", "2024-06", "--format", "pdf"], "PDF"),
    ],
)
def test_export_errors_are_chinese_and_exit_1(closed_month, tmp_path, args, message):
    args = [*args, "--output", str(tmp_path / "x.out")]
    if "--format" not in args:
        args += ["--format", "xlsx"]
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("export_report", *args)
    assert excinfo.value.returncode == 1
    assert not (tmp_path / "x.out").exists()


def test_export_is_logged_in_the_access_log(closed_month, tmp_path):
    from crm.models import AccessLog

    call_command("export_report", "--month", "2024-06", "--org", "BR1", "--format", "xlsx", "--output",
                 str(tmp_path / "r.xlsx"))

    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.target == "r.xlsx" and log.detail["month"] == "2024-06" and log.detail["org"] == "BR1"
