"""Masking of personal data for display and export (masked by default everywhere)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """110101199001011234 → 110101********1234 (first 6 and last 4 kept)."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """13812345678 → 138****5678."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
