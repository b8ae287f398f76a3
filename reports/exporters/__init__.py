"""Monthly report sheets (pretix exporter pattern): one class per sheet, registered under its interfaces.md name."""

from . import lists, summary, tasks, tier_detail  # noqa: F401  (registers the sheets)
from .base import Column, ReportContext, SheetExporter, Table, sheet_registry  # noqa: F401
