"""The template workbooks users download to fill in an import: the header row and one example row."""

from __future__ import annotations

import io

import openpyxl
from django.utils.translation import gettext as _

from customers.importers.columns import BALANCE_COLUMNS, CUSTOMER_COLUMNS

EXAMPLES = {
    "customers": {
        "customer_no": "C000000001", "kind": "个人", "name": "张三", "gender": "男", "birth_date": "1980-05-01",
        "id_type": "居民身份证", "id_number": "11010519491231002X", "mobile": "13800138000", "org_code": "OUT-A",
        "maintainer": "rm_a1", "since": "2015-03-02", "credit_rating": "AA", "bad_credit_count": 0,
        "malicious_overdraft": "否", "industry": "", "occupation": "", "registered_capital": "", "total_assets": "",
        "credit_customer": "否", "target_credit": "", "admin_level": "",
    },
    "balances": {
        "customer_no": "C000000001", "account_no": "6222000000000001", "account_type": "活期",
        "month_end_balance": "120000.00", "avg_daily_balance": "115000.50", "annual_rate": "0.25", "txn_count": 12,
        "txn_days": 8, "last_txn_date": "2025-01-28", "card_spend": "", "activated": "", "fee_income": "0",
    },
}

TEMPLATE_KINDS = tuple(EXAMPLES)


def template_workbook(*, kind: str) -> bytes:
    """The ``customers`` or ``balances`` template as .xlsx bytes (cells as text, so long numbers keep every digit)."""
    columns = CUSTOMER_COLUMNS if kind == "customers" else BALANCE_COLUMNS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("客户") if kind == "customers" else _("余额")
    sheet.append([c.header for c in columns])
    sheet.append([EXAMPLES[kind][c.key] for c in columns])
    for column_cells in sheet.columns:
        sheet.column_dimensions[column_cells[0].column_letter].width = 16
        for cell in column_cells:
            cell.number_format = "@"  # text, so numbers like account numbers keep every digit
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
