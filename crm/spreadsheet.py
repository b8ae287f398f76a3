"""Writing user-provided text into spreadsheets safely (CSV/Excel formula injection)."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by Excel/WPS/LibreOffice (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """Return ``value`` ready for a spreadsheet cell: text that could start a formula gets a leading ``'``.

    Numbers, dates, booleans and None pass through unchanged (a negative *number* is not a formula);
    only strings are neutralised, so ``=HYPERLINK(…)``, ``+1``, ``-1`` and ``@x`` are written as text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values) -> list[Any]:
    """``safe_cell`` over a whole row."""
    return [safe_cell(value) for value in values]
