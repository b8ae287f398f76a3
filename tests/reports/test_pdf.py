"""export_report --format pdf: A4, embedded CJK text that pdftotext extracts, the same numbers as the Excel and
the dashboard's dataset, a page rendered to PNG, long tables split with repeated headers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from reportlab.platypus import Table

from reports.dataset import report_dataset
from reports.pdf.document import TABLE_BLOCK_ROWS, ReportDocument, long_table
from reports.scope import ReportScope
from tests.reports.conftest import JUNE, TODAY, main_table


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pdf(bank, tmp_path):
    out = tmp_path / "report.pdf"
    call_command("export_report", "--month", "2024-06", "--format", "pdf", "--output", str(out))
    return out


def test_pdf_is_a4_with_the_month_scope_tier_labels_and_totals(pdf):
    info = pdf_info(pdf)
    assert "595.276 x 841.89 pts (A4)" in info
    text = pdf_text(pdf)
    for needle in ("示范商业银行客户分层月度报表", "报表月份：2024-06", "报表范围：全行", "规则版本：v1", "钻石", "白金",
                   "金卡", "普通", "贵宾", "潜力", "大众", "负值", "6,220,000.00", "6,070,000.00", "资产等级迁移矩阵",
                   "价值分群迁移矩阵", "客户经理业绩", "李雷", "服务任务完成情况", "降级挽留", "第1页",
                   "生成时间 2024-07-15 17:00"):
        assert needle in text, needle
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "WenQuanYiZenHei" in fonts and "yes yes yes" in fonts  # embedded, subset, with a ToUnicode map


def test_pdf_excel_and_dashboard_dataset_agree(bank, pdf, tmp_path):
    dataset = report_dataset(month=JUNE, scope=ReportScope())
    out = tmp_path / "report.xlsx"
    call_command("export_report", "--month", "2024-06", "--format", "xlsx", "--output", str(out))
    _h, rows = main_table(openpyxl.load_workbook(out)["分层汇总"])
    excel = {(r[0], r[1]): (r[2], r[4]) for r in rows}
    lines = pdf_text(pdf).splitlines()
    for dimension, distribution in (("资产等级", dataset.asset_tiers), ("价值分群", dataset.value_segments)):
        for row in distribution:
            assert excel[(dimension, row.label)] == (row.count, float(row.aum))
    for row in dataset.asset_tiers:
        # the PDF's row for the tier: label, count, share, AUM (thousands separators, two decimals)
        assert any(line.split()[:2] == [row.label, f"{row.count:,}"] and f"{row.aum:,.2f}" in line
                   for line in lines), row.label
    assert excel[("资产等级", "合计")] == (dataset.individual_total.count, float(dataset.individual_total.aum))


def test_a_page_renders_to_png(pdf, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_branch_pdf_names_its_scope(bank, tmp_path):
    out = tmp_path / "br1.pdf"
    call_command("export_report", "--month", "2024-06", "--org", "BR1", "--format", "pdf", "--output", str(out))
    text = pdf_text(out)
    assert "BR1" in text and "6,070,000.00" in text and "6,220,000.00" not in text


def test_long_table_is_built_in_blocks_with_the_header_on_every_page(tmp_path, settings):
    rows = [[f"C{i:05d}", f"{i:,}", "钻石"] for i in range(10_000)]
    blocks = long_table(["客户号", "客户数", "资产等级"], rows)
    assert len(blocks) == 10_000 // TABLE_BLOCK_ROWS and all(isinstance(b, Table) for b in blocks)
    assert all(b.repeatRows == 1 for b in blocks)
    out = tmp_path / "long.pdf"
    doc = ReportDocument(str(out), title="t", footer_left="长表", generated_at=TODAY)
    doc.build_story(blocks)
    pages = pdf_text(out).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) > 100
    assert all("客户号" in page and "资产等级" in page for page in pages)  # header repeated on every page
    assert "C09999" in pages[-1]
