"""export_report --format xlsx: sheet order, header block, layout, every sheet's numbers, scope, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.models import AccessLog
from reports.exporters.base import SHEET_ORDER
from segmentation.models import Assignment
from tests.reports.conftest import block, header_row, main_table


@pytest.fixture
def workbook(bank, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    return openpyxl.load_workbook(out)


def test_sheets_in_interfaces_order_each_with_the_header_block(workbook):
    assert workbook.sheetnames == SHEET_ORDER
    for sheet in workbook:
        assert sheet["A1"].value == f"示范商业银行客户分层月度报表 · {sheet.title}"
        assert [c.value for c in sheet[2][:8]] == ["月份", "2024-06", "范围", "全行", "规则版本", "v1", "生成时间",
                                                  "2024-07-15 17:00:00"]
        assert sheet.auto_filter.ref  # every main table has an autofilter


def test_detail_sheet_is_frozen_below_its_header_with_formats_and_widths(workbook):
    sheet = workbook["客户等级明细"]
    assert sheet.freeze_panes == "A5" and header_row(sheet) == 4
    header, rows = main_table(sheet)
    assert header[:8] == ["客户号", "姓名", "所属机构", "维护人", "月日均金融资产", "资产等级", "价值分群", "维护层级"]
    assert sheet.auto_filter.ref == f"A4:L{4 + len(rows)}"
    assert sheet.cell(row=5, column=5).number_format == "#,##0.00"
    assert sheet.column_dimensions["E"].width > 15


def test_tier_detail_rows_labels_and_formula_injection(workbook):
    _header, rows = main_table(workbook["客户等级明细"])
    by_no = {r[0]: r for r in rows}
    assert list(by_no) == ["P001", "P002", "P003", "P004"]
    assert by_no["P001"][1:8] == ("张三", "网点A", "李雷", 6000000, "钻石", by_no["P001"][6], "财富管理")
    assert by_no["P002"][5] == "金卡" and by_no["P003"][5] == "普通"
    assert by_no["P004"][6] == "负值" and by_no["P004"][10] == "信誉不良记录"
    assert by_no["P002"][1] == "'=HYPERLINK(\"x\")"  # text, not a formula
    _header, corporate = main_table(workbook["对公客户分层明细"])
    assert corporate == [("E001", "某某科技有限公司", "大型", "二类", "有效基础", "网点A", None)]


def test_tier_summary_matches_hand_computed_figures_and_the_detail_sheet(workbook):
    sheet = workbook["分层汇总"]
    assert sheet.freeze_panes == "A5"
    header, rows = main_table(sheet)
    assert header == ["维度", "分类", "客户数", "占比", "月日均金融资产"]
    tiers = {r[1]: (r[2], r[4]) for r in rows if r[0] == "资产等级"}
    assert tiers == {"普通": (2, 70000), "金卡": (1, 150000), "白金": (0, 0), "钻石": (1, 6000000),
                     "合计": (4, 6220000)}
    assert [r[3] for r in rows if r[0] == "资产等级"] == [0.5, 0.25, 0, 0.25, 1]
    segments = {r[1]: r[2] for r in rows if r[0] == "价值分群"}
    assert segments["负值"] == 4 and segments["合计"] == 4  # low scores make this tiny bank all negative
    # the totals equal the detail sheet's counts
    _h, detail = main_table(workbook["客户等级明细"])
    for label in ("普通", "金卡", "白金", "钻石"):
        assert tiers[label][0] == sum(1 for r in detail if r[5] == label)
    assert tiers["合计"] == (len(detail), sum(r[4] for r in detail))
    corporate = {r[1]: r[2] for r in rows if r[0] == "企业规模"}
    assert corporate["大型"] == 1 and corporate["合计"] == 1


def test_migration_matrix_counts_and_the_upgrade_downgrade_list(workbook):
    sheet = workbook["迁移矩阵"]
    matrix = block(sheet, "资产等级迁移矩阵")
    assert matrix[0][:6] == ("上月 \\ 本月", "普通", "金卡", "白金", "钻石", "合计")
    cells = {r[0]: r[1:6] for r in matrix[1:]}
    assert cells["普通"] == (1, 0, 0, 0, 1)  # P004 stayed
    assert cells["金卡"] == (1, 1, 0, 0, 2)  # P003 down, P002 stayed
    assert cells["白金"] == (0, 0, 0, 1, 1)  # P001 up
    assert cells["合计"] == (2, 1, 0, 1, 4)
    assert cells["升级"][0] == 1 and cells["降级"][0] == 1 and cells["新增"][0] == 0
    _header, changes = main_table(sheet)
    tier_changes = {(r[0], r[3]): r[4:7] for r in changes}
    assert tier_changes[("P001", "资产等级")] == ("白金", "钻石", "升级")
    assert tier_changes[("P003", "资产等级")] == ("金卡", "普通", "降级")


def test_rm_performance_per_maintainer(workbook):
    header, rows = main_table(workbook["客户经理业绩"])
    assert header[:3] == ["维护人", "客户数", "月日均金融资产"]
    by_name = {r[0]: r for r in rows}
    li = by_name["李雷"]
    assert li[1:9] == (3, 6070000, 0, 4400000, 1, 0, 0, 2)  # May: 1,500,000 + 150,000 + 20,000
    assert li[11:15] == (2, 1, 1, 0.5)  # the cancelled task is not counted; P003's retention is overdue
    assert by_name["（无维护人）"][1:3] == (2, 150000)  # P002 and the corporate E001 (no AUM)


def test_service_tasks_one_row_per_task_of_the_month_with_a_summary(workbook):
    sheet = workbook["服务任务"]
    summary = {r[0]: r[1:4] for r in block(sheet, "任务完成情况（任务数不含已取消）")[1:]}
    assert summary["合计"] == (2, 1, 0.5)
    assert summary["降级挽留"] == (1, 0, 0) and summary["定期联系"] == (1, 1, 1)
    assert summary["其中待办"][0] == 1 and summary["其中逾期"][0] == 1 and summary["已取消"][0] == 1
    header, rows = main_table(sheet)
    assert header[:6] == ["客户号", "客户名称", "任务类型", "负责人", "到期日", "状态"]
    assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
        ("P002", "生日问候", "韩梅", "已取消"), ("P001", "定期联系", "李雷", "已完成"), ("P003", "降级挽留", "李雷", "待办")]
    assert rows[0][4] == dt.datetime(2024, 6, 5)
    assert rows[2][8] == "'=cmd|' /C calc'!A0"


def test_negative_list_names_the_rule_or_nothing_when_scores_decided(workbook):
    header, negative = main_table(workbook["负值客户清单"])
    assert header[:5] == ["客户号", "姓名", "所属机构", "维护人", "触发规则"]
    assert [(r[0], r[4]) for r in negative] == [("P001", None), ("P002", None), ("P003", None),
                                                ("P004", "信誉不良记录")]


def test_potential_list_is_the_potential_segment_with_masked_mobiles(bank, tmp_path):
    Assignment.objects.filter(month=dt.date(2024, 6, 1), customer__in=[bank["a"], bank["c"]]).update(
        value_segment="potential")
    out = tmp_path / "r.xlsx"
    call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    book = openpyxl.load_workbook(out)
    header, potential = main_table(book["潜力客户名单"])
    assert header[:3] == ["客户号", "姓名", "手机号"]
    assert sorted((r[0], r[2]) for r in potential) == [("P001", "138****5678"), ("P003", "139****1111")]
    text = "".join(str(c) for sheet in book for row in sheet.values for c in row)
    assert "110101199001011234" not in text and "13812345678" not in text and "13900001111" not in text


def test_negative_rule_shows_the_first_rule_recorded():
    from reports.exporters.lists import first_negative_rule

    assert first_negative_rule("") == ""
    assert first_negative_rule("bad_credit") == "信誉不良记录"
    assert first_negative_rule("malicious_overdraft,dormant") == "恶意透支/逃避债务"
    assert first_negative_rule(["dormant", "inactive_card"]) == "睡眠户"


def test_export_scoped_to_org_subtree(bank, tmp_path):
    out = tmp_path / "br1.xlsx"
    call_command("export_report", "--month", "2024-06", "--org", "BR1", "--format", "xlsx", "--output", str(out))
    book = openpyxl.load_workbook(out)
    assert book["分层汇总"]["D2"].value == "分行1（BR1）" or "BR1" in book["分层汇总"]["D2"].value
    assert [r[0] for r in main_table(book["客户等级明细"])[1]] == ["P001", "P003", "P004"]
    totals = {r[1]: (r[2], r[4]) for r in main_table(book["分层汇总"])[1] if r[0] == "资产等级"}
    assert totals["合计"] == (3, 6070000)
    assert [r[0] for r in main_table(book["服务任务"])[1]] == ["P001", "P003"]
    out_b = tmp_path / "outb.xlsx"
    call_command("export_report", "--month", "2024-06", "--org", "OUT-B", "--format", "xlsx", "--output", str(out_b))
    book_b = openpyxl.load_workbook(out_b)
    assert [r[0] for r in main_table(book_b["客户等级明细"])[1]] == ["P002"]
    assert main_table(book_b["对公客户分层明细"])[1] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2024-06", "--org", "NOPE"], "机构代码不存在"),
        (["--month", "2024-04"], "尚未月结"),
        (["--month", "2024-13"], "月份格式错误"),
    ],
)
def test_export_errors_are_chinese_and_exit_1(bank, tmp_path, args, message):
    args = [*args, "--output", str(tmp_path / "x.out"), "--format", "xlsx"]
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("export_report", *args)
    assert excinfo.value.returncode == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "media"] or not (tmp_path / "x.out").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_unwritable_output_is_refused_and_leaves_nothing(bank, tmp_path, fmt):
    missing = tmp_path / "no" / "such" / f"r.{fmt}"
    with pytest.raises(CommandError, match="无法写入输出文件") as excinfo:
        call_command("export_report", "--month", "2024-06", "--format", fmt, "--output", str(missing))
    assert excinfo.value.returncode == 1
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(CommandError, match="无法写入输出文件"):  # its "directory" is a file
        call_command("export_report", "--month", "2024-06", "--format", fmt, "--output", str(a_file / "r.x"))
    with pytest.raises(CommandError, match="输出路径是一个目录"):
        call_command("export_report", "--month", "2024-06", "--format", fmt, "--output", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failure_while_writing_leaves_no_partial_file(bank, tmp_path, monkeypatch):
    from reports.exporters import lists

    def explode(self):
        yield ["P", "x"]
        raise RuntimeError("boom")

    monkeypatch.setattr(lists.NegativeCustomers, "_rows", explode)
    out = tmp_path / "out" / "r.xlsx"
    out.parent.mkdir()
    with pytest.raises(RuntimeError):
        call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    assert list(out.parent.iterdir()) == []


def test_export_is_logged_in_the_access_log(bank, tmp_path):
    call_command("export_report", "--month", "2024-06", "--org", "BR1", "--format", "xlsx", "--output",
                 str(tmp_path / "r.xlsx"))
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.target == "r.xlsx" and log.detail["month"] == "2024-06" and log.detail["org"] == "BR1"


def test_money_is_written_exactly(bank, tmp_path):
    Assignment.objects.filter(customer=bank["b"], month=dt.date(2024, 6, 1)).update(aum_avg=Decimal("99999.99"))
    out = tmp_path / "r.xlsx"
    call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    _h, rows = main_table(openpyxl.load_workbook(out)["客户等级明细"])
    assert Decimal(str(dict((r[0], r[4]) for r in rows)["P002"])) == Decimal("99999.99")
