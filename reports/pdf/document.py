"""The PDF mixin of the report package: A4 pages, the embedded CJK font, styles, footer, long tables.

Chinese is drawn with WenQuanYi Zen Hei (Debian fonts-wqy-zenhei, scripts/system_deps.sh), embedded as a
subset so the file renders and its text extracts (pdftotext) on any machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

FONT = "WQYZenHei"
DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
# A long table is laid out in blocks of this many rows, each with the header repeated: reportlab's split
# of one huge table re-measures the remainder at every page break (quadratic); blocks keep it linear.
TABLE_BLOCK_ROWS = 200

HEADER_BG = colors.HexColor("#DDE6F0")
GRID = colors.HexColor("#9AA5B1")


class FontMissing(RuntimeError):
    """The CJK font file is not installed (scripts/system_deps.sh installs it)."""


@cache
def cjk_font() -> str:
    """Register the CJK TrueType font once per process; its reportlab name."""
    path = Path(getattr(settings, "REPORT_CJK_FONT", DEFAULT_FONT_PATH))
    if not path.exists():
        raise FontMissing(str(path))
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    # wordWrap="CJK": Chinese has no spaces, lines may break between any two characters.
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "cover_title": ParagraphStyle("cover_title", parent=base, fontSize=26, leading=34, spaceAfter=18),
        "cover_line": ParagraphStyle("cover_line", parent=base, fontSize=14, leading=22),
        "h1": ParagraphStyle("h1", parent=base, fontSize=15, leading=20, spaceBefore=6, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey),
    }


def table_style(*, numeric_from: int = 1) -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ])


def long_table(header: Sequence[str], rows: Sequence[Sequence], *, col_widths=None, numeric_from: int = 1,
               extra_style: list | None = None) -> list[Table]:
    """``rows`` as blocks of at most TABLE_BLOCK_ROWS rows, each repeating ``header`` when it splits a page."""
    style = table_style(numeric_from=numeric_from)
    for command in extra_style or []:
        style.add(*command)
    blocks = []
    rows = list(rows)
    for start in range(0, max(len(rows), 1), TABLE_BLOCK_ROWS):
        chunk = rows[start:start + TABLE_BLOCK_ROWS]
        table = Table([list(header), *chunk], colWidths=col_widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(style)
        blocks.append(table)
    return blocks


class ReportDocument(SimpleDocTemplate):
    """A4 with a footer on every page: bank and title left, generation time and page number right."""

    def __init__(self, path: str, *, title: str, footer_left: str, generated_at: dt.datetime):
        super().__init__(path, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                         bottomMargin=18 * mm, title=title, author=footer_left, creator="bank-crm",
                         invariant=True)
        self.footer_left = footer_left
        self.generated_at = generated_at

    def draw_footer(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.setFillColor(colors.grey)
        width, _height = A4
        canvas.drawString(16 * mm, 10 * mm, self.footer_left)
        canvas.drawRightString(width - 16 * mm, 10 * mm,
                               f"生成时间 {self.generated_at:%Y-%m-%d %H:%M}　第{doc.page}页")
        canvas.restoreState()

    def build_story(self, story: list) -> None:
        self.build(story, onFirstPage=self.draw_footer, onLaterPages=self.draw_footer)
