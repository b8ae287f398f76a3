"""Monthly report sheets (pretix exporter pattern): one class per sheet, registered in interfaces.md order."""

from . import tier_detail  # noqa: F401, E402  (registers the sheets)
from .base import ReportContext, SheetExporter, sheet_registry  # noqa: F401
