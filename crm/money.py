"""Formatting money the way a banker reads it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
    """Compact form for dashboards and lists: '1,234.57万', '3.20亿', '8,500.00'."""
    if value is None or value == "":
        return ""
    amount = to_money(value)
    if abs(amount) >= YI:
        return f"{(amount / YI).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}亿"
    if abs(amount) >= WAN:
        return f"{(amount / WAN).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}万"
    return f"{amount:,.2f}"
