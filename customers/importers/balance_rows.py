"""Checks of the monthly balances file, one chunk at a time (vectorised: a million rows must stay fast).

Sign convention: every amount in the file is a non-negative number. Loans and
credit cards report what the customer owes as a positive balance, deposits and
products what the customer holds; a negative amount is refused everywhere
(an overpaid card with a credit balance is reported as 0 by core banking).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from django.utils.translation import gettext as _

from customers.models import AccountType

from .cells import ChunkChecker, choice_mapping, text_or_none
from .files import ROW
from .results import RowError

ACCOUNT_TYPE = choice_mapping(AccountType.choices, ("三方存管保证金", "custody_margin"), ("活期存款", "demand"),
                              ("定期存款", "time"))

# COPY order of the temporary table and its types.
TEMP_COLUMNS = {
    "row": "integer", "customer_no": "text", "account_no": "text", "account_type": "text",
    "month_end_balance": "numeric(18,2)", "avg_daily_balance": "numeric(18,2)", "annual_rate": "numeric(7,4)",
    "txn_count": "integer", "txn_days": "smallint", "last_txn_date": "date", "card_spend": "numeric(18,2)",
    "activated": "boolean", "fee_income": "numeric(18,2)",
}


def check_balance_chunk(
    frame: pd.DataFrame, headers: dict[str, str], errors: list[RowError], *, month_end: date, today: date
) -> pd.DataFrame:
    """Validate one chunk; return its rows in TEMP_COLUMNS order, None where blank (or bad)."""
    c = ChunkChecker(frame, headers, errors)
    out = pd.DataFrame({"row": frame[ROW]})
    out["customer_no"] = c.code("customer_no", required=True, max_length=32)
    out["account_no"] = c.code("account_no", required=True, max_length=40)
    out["account_type"] = c.choice("account_type", ACCOUNT_TYPE, required=True)
    out["month_end_balance"] = c.money("month_end_balance", required=True)
    out["avg_daily_balance"] = c.money("avg_daily_balance", required=True)
    out["annual_rate"] = c.rate("annual_rate")
    out["txn_count"] = c.integer("txn_count", maximum=999_999_999)
    out["txn_days"] = c.integer("txn_days", maximum=31)
    if month_end < today:
        limit, message = month_end, _("最后交易日不能晚于导入月份的月末（%(d)s）。") % {"d": month_end.isoformat()}
    else:
        limit, message = today, _("日期不能晚于今天。")
    out["last_txn_date"] = c.date("last_txn_date", not_after=limit, not_after_message=message)
    out["card_spend"] = c.money("card_spend")
    out["activated"] = c.yes_no("activated")
    out["fee_income"] = c.money("fee_income")
    return out.apply(text_or_none).assign(row=frame[ROW])
