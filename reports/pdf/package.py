"""The story of the monthly PDF report: cover, KPIs, distributions with charts, migration matrices, trends,
RM and task summaries, all from THE report dataset (the dashboard's and the Excel summary sheets' numbers)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from crm.money import format_amount

from ..package_scope import ReportContext
from .document import ReportDocument, cjk_font, long_table, styles

TITLE = "客户分层月度报表"
SERIES_COLOURS = [colors.HexColor(c) for c in ("#9AA5B1", "#D4A017", "#7F8C9A", "#1F5FAD", "#2E8B57", "#C0392B")]


def _count(n: int) -> str:
    return f"{n:,}"


def _percent(value) -> str:
    """The dataset's percent (25.0) as text, one decimal."""
    return f"{Decimal(value):.1f}%" if value is not None else "—"


def _integer_axis(axis, biggest: int) -> None:
    """Counts on a value axis: whole-number ticks (no 0.5 customers), about five of them."""
    step = max(1, -(-biggest // 5))
    axis.valueMin, axis.valueStep, axis.valueMax = 0, step, max(step, -(-biggest // step) * step)
    axis.labelTextFormat = lambda v: f"{v:,.0f}"


def _bar_chart(rows, title: str) -> Drawing:
    font = cjk_font()
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 10 * mm, 140 * mm, 42 * mm
    chart.data = [[r.count for r in rows]]
    chart.categoryAxis.categoryNames = [r.label for r in rows]
    chart.categoryAxis.labels.fontName = font
    chart.valueAxis.labels.fontName = font
    _integer_axis(chart.valueAxis, max((r.count for r in rows), default=0))
    chart.bars[0].fillColor = SERIES_COLOURS[3]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(18 * mm, 56 * mm, title, fontName=font, fontSize=9))
    return drawing


def _trend_chart(dataset) -> Drawing:
    font = cjk_font()
    trends = dataset.trends
    labels = [(row.code, row.label) for row in dataset.asset_tiers]
    drawing = Drawing(170 * mm, 70 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 12 * mm, 120 * mm, 48 * mm
    chart.data = [trends.series[code] for code, _label in labels]
    chart.categoryAxis.categoryNames = [f"{m:%y-%m}" for m in trends.months]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = font
    _integer_axis(chart.valueAxis, max((max(series, default=0) for series in chart.data), default=0))
    for i in range(len(labels)):
        chart.lines[i].strokeColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 145 * mm, 55 * mm
    legend.fontName = font
    legend.fontSize = 8
    legend.columnMaximum = len(labels)
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], label) for i, (_c, label) in enumerate(labels)]
    drawing.add(legend)
    return drawing


def _distribution_table(rows, *, with_aum: bool = True):
    total = sum(r.count for r in rows)
    aum = sum((r.aum for r in rows), Decimal("0.00"))
    header = ["分类", "客户数", "占比"] + (["月日均金融资产"] if with_aum else [])
    body = [[r.label, _count(r.count), _percent(r.share)] + ([format_amount(r.aum)] if with_aum else [])
            for r in rows]
    body.append(["合计", _count(total), "100.0%" if total else "—"] + ([format_amount(aum)] if with_aum else []))
    widths = [34 * mm, 28 * mm, 22 * mm] + ([46 * mm] if with_aum else [])
    return long_table(header, body, col_widths=widths,
                      extra_style=[("BACKGROUND", (0, len(body)), (-1, len(body)), colors.HexColor("#F2F4F7"))])


def _matrix_table(matrix):
    """Previous → this month shaded by count (darker = more customers); the diagonal (stayed) is outlined."""
    header = ["上月 \\ 本月", *[label for _c, label in matrix.columns], "合计"]
    body, style = [], []
    biggest = max((cell.count for cell in matrix.cells.values()), default=0) or 1
    for r, (_code, label, cells, total) in enumerate(matrix.table, start=1):
        body.append([label, *[_count(cell.count) for cell in cells], _count(total)])
        for c, cell in enumerate(cells, start=1):
            if cell.count:
                shade = 0.95 - 0.35 * (cell.count / biggest)
                style.append(("BACKGROUND", (c, r), (c, r), colors.Color(shade, shade + 0.02, 1)))
            if cell.direction == "same":
                style.append(("BOX", (c, r), (c, r), 1, colors.HexColor("#1F5FAD")))
    body.append(["合计", *[_count(matrix.column_totals[code]) for code, _l in matrix.columns],
                 _count(sum(matrix.column_totals.values()))])
    widths = [28 * mm] + [22 * mm] * (len(matrix.columns) + 1)
    return long_table(header, body, col_widths=widths, extra_style=style)


def pdf_write(*, context: ReportContext, dataset, path: Path) -> None:
    """Write the package's PDF for ``context`` from ``dataset`` (its ReportDataset) to ``path``."""
    st = styles()
    title = f"{context.bank_name}{TITLE}"
    month, scope = f"{context.month:%Y-%m}", context.scope_label
    doc = ReportDocument(str(path), title=f"{title} {month} {scope}", footer_left=f"{title} · {month} · {scope}",
                         generated_at=context.generated_at)
    story: list = [
        Spacer(1, 50 * mm),
        Paragraph(title, st["cover_title"]),
        Paragraph(f"报表月份：{month}", st["cover_line"]),
        Paragraph(f"报表范围：{scope}", st["cover_line"]),
        Paragraph(f"规则版本：v{context.rule_version}" if context.rule_version else "规则版本：—", st["cover_line"]),
        Paragraph(f"生成时间：{context.generated_at:%Y-%m-%d %H:%M:%S}", st["cover_line"]),
        PageBreak(),
        Paragraph(f"一、总体概况（{month}，{scope}）", st["h1"]),
    ]
    kpi_rows = []
    for kpi in dataset.kpis:
        value = format_amount(kpi.value) if kpi.is_money else _count(kpi.value)
        change = "—" if kpi.change is None else (format_amount(kpi.change) if kpi.is_money else f"{kpi.change:+,}")
        kpi_rows.append([kpi.label, value, change])
    kpi_rows += [[dataset.individual_total.label, _count(dataset.individual_total.count), ""],
                 [dataset.corporate_total.label, _count(dataset.corporate_total.count), ""]]
    story += long_table(["指标", "本月", "较上月"], kpi_rows, col_widths=[52 * mm, 46 * mm, 40 * mm])
    story.append(Paragraph("二、个人客户分层分布", st["h1"]))
    for name, rows in (("资产等级分布", dataset.asset_tiers), ("价值分群分布", dataset.value_segments),
                       ("维护层级分布", dataset.bands)):
        story.append(KeepTogether([Paragraph(name, st["h2"]), *_distribution_table(rows)]))
    story += [_bar_chart(dataset.asset_tiers, "资产等级分布（客户数）"),
              _bar_chart(dataset.value_segments, "价值分群分布（客户数）")]
    story.append(Paragraph("三、对公客户分布", st["h1"]))
    for name, rows in (("企业规模分布", dataset.corporate_sizes), ("存款类别分布", dataset.deposit_classes),
                       ("客户分类分布", dataset.corporate_classes)):
        story.append(KeepTogether([Paragraph(name, st["h2"]), *_distribution_table(rows, with_aum=False)]))
    story += [PageBreak(), Paragraph("四、迁移矩阵（上月 → 本月）", st["h1"])]
    for name, title_text in (("asset_tier", "资产等级迁移矩阵"), ("value_segment", "价值分群迁移矩阵")):
        matrix = dataset.migrations[name]
        story.append(KeepTogether([
            Paragraph(f"{title_text}　升级 {_count(matrix.upgrades)} 户，降级 {_count(matrix.downgrades)} 户，"
                      f"新增 {_count(matrix.new)} 户", st["h2"]),
            *_matrix_table(matrix),
        ]))
    story.append(Paragraph("五、近13个月资产等级趋势（客户数）", st["h1"]))
    if dataset.trends.months:
        story.append(_trend_chart(dataset))
        tiers = [(row.code, row.label) for row in dataset.asset_tiers]
        story += long_table(["月份", *[label for _c, label in tiers], "合计"], [
            [f"{m:%Y-%m}", *[_count(dataset.trends.series[code][i]) for code, _l in tiers],
             _count(dataset.trends.totals[i])] for i, m in enumerate(dataset.trends.months)])
    story += [PageBreak(), Paragraph("六、客户经理业绩", st["h1"])]
    story += long_table(
        ["维护人", "客户数", "月日均金融资产", "钻石", "白金", "金卡", "归属业绩资产", "任务", "完成率", "维护达标率"],
        [[r.name, _count(r.customers), format_amount(r.aum), _count(r.by_tier["diamond"][0]),
          _count(r.by_tier["platinum"][0]), _count(r.by_tier["gold"][0]), format_amount(r.credited_aum),
          _count(r.tasks_total), _percent(r.task_completion), _percent(r.compliance)] for r in dataset.league],
        col_widths=[22 * mm, 14 * mm, 28 * mm, 11 * mm, 11 * mm, 11 * mm, 28 * mm, 12 * mm, 14 * mm, 17 * mm])
    story.append(Paragraph("七、服务任务完成情况", st["h1"]))
    tasks = dataset.tasks
    story += long_table(
        ["任务类型", "任务数", "已完成", "完成率"],
        [[label, _count(total), _count(done), f"{done / total:.1%}" if total else "—"]
         for _code, label, total, done in tasks.by_kind]
        + [["合计（不含已取消）", _count(tasks.total - tasks.cancelled), _count(tasks.done), _percent(tasks.completion)]],
        col_widths=[40 * mm, 24 * mm, 24 * mm, 24 * mm])
    story.append(Paragraph(f"待办 {_count(tasks.open)} 项（其中逾期 {_count(tasks.overdue)} 项），"
                           f"已取消 {_count(tasks.cancelled)} 项。", st["body"]))
    doc.build_story(story)
