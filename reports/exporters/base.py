"""The exporter base (pretix pattern): a sheet is small summary tables above one main table.

Each sheet of the monthly workbook is a :class:`SheetExporter` subclass registered with its interfaces.md
name; the writer (:mod:`reports.exporters.xlsx`) lays every sheet out the same way: the header block
(bank, month, scope, rule version, generation time), the sheet's summary tables, then the main table with
its header row frozen and an autofilter over it. Rows are plain values; a column's ``kind`` picks its
number format, so the 1,000,000-row detail sheet writes no per-cell style.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..package_scope import ReportContext  # noqa: F401  (the sheets' context, re-exported)

# interfaces.md: the workbook's sheets, in this order.
SHEET_ORDER = ["分层汇总", "迁移矩阵", "客户经理业绩", "服务任务", "负值客户清单", "潜力客户名单", "客户等级明细",
               "对公客户分层明细"]


@dataclass(frozen=True)
class Column:
    """One column: its header (interfaces.md wording), width in characters and kind of value.

    Kinds: ``text``, ``money`` (#,##0.00), ``count`` (#,##0), ``score`` (0.00), ``percent`` (0.0%), ``date``.
    """

    title: str
    width: int = 12
    kind: str = "text"


@dataclass
class Table:
    """A titled block of rows under a header row; ``rows`` may be a generator (streamed once)."""

    title: str
    columns: list[Column]
    rows: Iterable[list] = field(default_factory=list)


class SheetExporter:
    """One sheet of the monthly report. Subclasses set identifier/verbose_name and implement ``table()``."""

    identifier: str = ""
    verbose_name: str = ""  # the sheet name, exactly as interfaces.md

    def __init__(self, context: ReportContext, dataset=None):
        self.context = context
        # THE report dataset (reports.dataset.ReportDataset) of the month and scope, built once for every
        # sheet: the summary sheets print exactly the dashboard's numbers.
        self.dataset = dataset

    def summaries(self) -> list[Table]:
        """Small tables shown above the main table (totals, matrices); none by default."""
        return []

    def table(self) -> Table:
        """The main table: frozen header row, autofilter, one row per record."""
        raise NotImplementedError

    def rows(self) -> Iterator[list]:
        """The main table's header row, then its rows (what tests and CSV read)."""
        table = self.table()
        yield [c.title for c in table.columns]
        yield from table.rows


_registry: dict[str, type[SheetExporter]] = {}


def register(cls: type[SheetExporter]) -> type[SheetExporter]:
    if cls.verbose_name not in SHEET_ORDER:
        raise ValueError(cls.verbose_name)
    _registry[cls.verbose_name] = cls
    return cls


def sheet_registry() -> list[type[SheetExporter]]:
    """The registered sheets in interfaces.md order (missing ones are skipped until they exist)."""
    return [_registry[name] for name in SHEET_ORDER if name in _registry]
