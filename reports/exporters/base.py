"""The exporter base: a sheet yields rows (header first); one writer streams them to XLSX.

Further sheets (分层汇总, 迁移矩阵, 客户经理业绩, 服务任务, 负值客户清单, 潜力客户名单) and a
PDF mixin slot in by subclassing :class:`SheetExporter` and registering with ``order``
set to their place in interfaces.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from crm.models import OrgUnit

# interfaces.md: the workbook's sheets, in this order.
SHEET_ORDER = ["分层汇总", "迁移矩阵", "客户经理业绩", "服务任务", "负值客户清单", "潜力客户名单", "客户等级明细",
               "对公客户分层明细"]



@dataclass(frozen=True)
class ReportContext:
    """What every sheet is built for: a closed month and an org subtree (None = the whole bank)."""

    month: dt.date
    org: OrgUnit | None = None

    @property
    def org_path(self) -> str:
        return self.org.path if self.org else ""


class SheetExporter:
    """One sheet of the monthly report. Subclasses set identifier/verbose_name and implement rows()."""

    identifier: str = ""
    verbose_name: str = ""  # the sheet name, exactly as interfaces.md
    column_widths: list[int] = []

    def __init__(self, context: ReportContext):
        self.context = context

    def rows(self) -> Iterator[list]:
        """Yield the header row first, then one list per data row."""
        raise NotImplementedError


_registry: dict[str, type[SheetExporter]] = {}


def register(cls: type[SheetExporter]) -> type[SheetExporter]:
    if cls.verbose_name not in SHEET_ORDER:
        raise ValueError(cls.verbose_name)
    _registry[cls.verbose_name] = cls
    return cls


def sheet_registry() -> list[type[SheetExporter]]:
    """The registered sheets in interfaces.md order (missing ones are skipped until they exist)."""
    return [_registry[name] for name in SHEET_ORDER if name in _registry]
