"""The story of the monthly PDF report: cover, KPIs, distributions with charts, migration matrices, trends,
RM and task summaries, all from the package's figures (the numbers the Excel summary sheets print)."""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from crm.money import format_amount

from ..package_figures import Distribution, Matrix, PackageFigures
from .document import ReportDocument, cjk_font, long_table, styles

TITLE = "客户分层月度报表"
SERIES_COLOURS = [colors.HexColor(c) for c in ("#9AA5B1", "#D4A017", "#7F8C9A", "#1F5FAD", "#2E8B57", "#C0392B")]


def _count(n: int) -> str:
    return f"{n:,}"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def _rate(rate) -> str:
    return f"{rate:.1%}" if rate is not None else "—"


def _bar_chart(dist: Distribution, title: str) -> Drawing:
    font = cjk_font()
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 10 * mm, 140 * mm, 42 * mm
    chart.data = [[r[1] for r in dist.rows]]
    chart.categoryAxis.categoryNames = [r[0] for r in dist.rows]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = SERIES_COLOURS[3]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(18 * mm, 56 * mm, title, fontName=font, fontSize=9))
    return drawing


def _trend_chart(figures: PackageFigures, labels: list[str]) -> Drawing:
    font = cjk_font()
    drawing = Drawing(170 * mm, 70 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 12 * mm, 120 * mm, 48 * mm
    chart.data = [[counts.get(label, 0) for _m, counts in figures.trend] for label in labels]
    chart.categoryAxis.categoryNames = [f"{m:%y-%m}" for m, _c in figures.trend]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    for i, _label in enumerate(labels):
        chart.lines[i].strokeColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 145 * mm, 55 * mm
    legend.fontName = font
    legend.fontSize = 8
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], label) for i, label in enumerate(labels)]
    drawing.add(legend)
    return drawing


def _distribution_table(dist: Distribution, *, with_aum: bool = True):
    total = dist.total_count
    header = ["分类", "客户数", "占比"] + (["月日均金融资产"] if with_aum else [])
    rows = [[label, _count(n), _share(n, total)] + ([format_amount(aum)] if with_aum else [])
            for label, n, aum in dist.rows]
    rows.append(["合计", _count(total), _share(total, total)] + ([format_amount(dist.total_aum)] if with_aum else []))
    widths = [34 * mm, 28 * mm, 22 * mm] + ([46 * mm] if with_aum else [])
    return long_table(header, rows, col_widths=widths,
                      extra_style=[("BACKGROUND", (0, len(rows)), (-1, len(rows)), colors.HexColor("#F2F4F7"))])


def _matrix_table(matrix: Matrix):
    """Previous → this month as a table shaded by count (darker = more customers); the diagonal stayed put."""
    header = ["上月 \\ 本月", *matrix.labels, "合计"]
    rows, style = [], []
    biggest = max(matrix.cells.values(), default=0) or 1
    for r, before in enumerate(matrix.row_labels, start=1):
        counts = [matrix.count(before, after) for after in matrix.labels]
        rows.append([before, *[_count(n) for n in counts], _count(sum(counts))])
        for c, n in enumerate(counts, start=1):
            if n:
                shade = 0.92 - 0.55 * (n / biggest)
                style.append(("BACKGROUND", (c, r), (c, r), colors.Color(shade, shade + 0.04, 1)))
            if before == matrix.labels[c - 1]:
                style.append(("BOX", (c, r), (c, r), 1, colors.HexColor("#1F5FAD")))
    totals = [sum(matrix.count(b, a) for b in matrix.row_labels) for a in matrix.labels]
    rows.append(["合计", *[_count(n) for n in totals], _count(sum(totals))])
    widths = [28 * mm] + [22 * mm] * (len(matrix.labels) + 1)
    return long_table(header, rows, col_widths=widths, extra_style=style)


def pdf_write(*, figures: PackageFigures, path: Path) -> None:
    """Write the package's PDF to ``path``."""
    ctx = figures.context
    st = styles()
    title = f"{ctx.bank_name}{TITLE}"
    doc = ReportDocument(str(path), title=f"{title} {ctx.month:%Y-%m} {ctx.scope_label}",
                         footer_left=f"{title} · {ctx.month:%Y-%m} · {ctx.scope_label}", generated_at=ctx.generated_at)
    story: list = [
        Spacer(1, 50 * mm),
        Paragraph(title, st["cover_title"]),
        Paragraph(f"报表月份：{ctx.month:%Y-%m}", st["cover_line"]),
        Paragraph(f"报表范围：{ctx.scope_label}", st["cover_line"]),
        Paragraph(f"规则版本：v{ctx.rule_version}" if ctx.rule_version else "规则版本：—", st["cover_line"]),
        Paragraph(f"生成时间：{ctx.generated_at:%Y-%m-%d %H:%M:%S}", st["cover_line"]),
        PageBreak(),
    ]
    tiers, segments, bands = figures.distributions
    vip = next((n for label, n, _a in segments.rows if label == "贵宾"), 0)
    vip_aum = next((a for label, _n, a in segments.rows if label == "贵宾"), 0)
    top = sum(n for label, n, _a in tiers.rows if label in ("钻石", "白金"))
    top_aum = sum((a for label, _n, a in tiers.rows if label in ("钻石", "白金")), 0)
    corporate_total = figures.corporate[0].total_count if figures.corporate else 0
    story += [
        Paragraph(f"一、总体概况（{ctx.month:%Y-%m}，{ctx.scope_label}）", st["h1"]),
        *long_table(["指标", "客户数", "月日均金融资产"], [
            ["个人客户", _count(figures.customers), format_amount(figures.aum)],
            ["贵宾客户", _count(vip), format_amount(vip_aum)],
            ["钻石/白金客户", _count(top), format_amount(top_aum)],
            ["对公客户", _count(corporate_total), ""],
        ], col_widths=[40 * mm, 30 * mm, 50 * mm]),
        Paragraph("二、个人客户分层分布", st["h1"]),
    ]
    for dist in (tiers, segments, bands):
        story.append(KeepTogether([Paragraph(dist.title, st["h2"]), *_distribution_table(dist)]))
    story += [_bar_chart(tiers, "资产等级分布（客户数）"), _bar_chart(segments, "价值分群分布（客户数）")]
    story.append(Paragraph("三、对公客户分布", st["h1"]))
    for dist in figures.corporate:
        story.append(KeepTogether([Paragraph(dist.title, st["h2"]), *_distribution_table(dist, with_aum=False)]))
    story += [PageBreak(), Paragraph("四、迁移矩阵（上月 → 本月）", st["h1"])]
    for matrix in figures.matrices:
        story.append(KeepTogether([
            Paragraph(f"{matrix.title}　升级 {_count(matrix.up)} 户，降级 {_count(matrix.down)} 户", st["h2"]),
            *_matrix_table(matrix),
        ]))
    story.append(Paragraph("五、近13个月资产等级趋势（客户数）", st["h1"]))
    tier_labels = [label for label, _n, _a in tiers.rows]
    if figures.trend:
        story.append(_trend_chart(figures, tier_labels))
        story += long_table(["月份", *tier_labels], [
            [f"{m:%Y-%m}", *[_count(counts.get(label, 0)) for label in tier_labels]] for m, counts in figures.trend])
    story += [PageBreak(), Paragraph("六、客户经理业绩", st["h1"])]
    story += long_table(
        ["维护人", "客户数", "月日均金融资产", "钻石", "白金", "金卡", "贵宾", "本月任务", "已完成", "完成率"],
        [[r["name"], _count(r["customers"]), format_amount(r["aum"]), _count(r["n_diamond"]),
          _count(r["n_platinum"]), _count(r["n_gold"]), _count(r["vip"]), _count(r["tasks"]),
          _count(r["tasks_done"]), _rate(r["completion"])] for r in figures.rms],
        col_widths=[24 * mm, 16 * mm, 32 * mm, 12 * mm, 12 * mm, 12 * mm, 12 * mm, 16 * mm, 14 * mm, 16 * mm])
    story.append(Paragraph("七、服务任务完成情况", st["h1"]))
    totals = figures.task_totals
    story += long_table(
        ["任务类型", "任务数", "已完成", "待办", "已取消", "逾期", "完成率"],
        [[t["kind"], _count(t["total"]), _count(t["done"]), _count(t["open"]), _count(t["cancelled"]),
          _count(t["overdue"]), _rate(t["rate"])] for t in figures.tasks]
        + [["合计", _count(totals["total"]), _count(totals["done"]), _count(totals["open"]),
            _count(totals["cancelled"]), _count(totals["overdue"]), _rate(totals["rate"])]],
        col_widths=[30 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm])
    doc.build_story(story)
