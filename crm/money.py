"""Formatting money the way a banker reads it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation

CENT = Decimal("0.01")
WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def to_money(value) -> Decimal:
    """Quantise to two decimals (half-up, as banks round)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value) -> str:
    """12345678.9 → '12,345,678.90'."""
    if value is None or value == "":
        return ""
    return f"{to_money(value):,.2f}"


def format_wan(value) -> str:
    """Compact form for dashboards and lists: '1,234.57万', '3.20亿', '8,500.00'.

    In English the same amounts read '12.35M', '320.00M', '8,500.00' (万 and 亿 mean nothing there).
    """
    if value is None or value == "":
        return ""
    amount = to_money(value)
    if not (translation.get_language() or "zh").startswith("zh"):
        return _format_western(amount)
    if abs(amount) >= YI:
        return f"{(amount / YI).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}亿"
    if abs(amount) >= WAN:
        return f"{(amount / WAN).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}万"
    return f"{amount:,.2f}"


def _format_western(amount: Decimal) -> str:
    for size, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K")):
        if abs(amount) >= size and abs(amount) >= WAN:
            return f"{(amount / size).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}{suffix}"
    return f"{amount:,.2f}"
