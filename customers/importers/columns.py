"""The columns of the two import files (interfaces.md "Import columns").

Chinese headers are canonical; the English alias (and a few common variants)
are accepted, case-insensitively, with surrounding spaces ignored.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # English alias, also the internal name
    header: str  # canonical Chinese header
    required: bool = False
    extra_aliases: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.header, self.key, *self.extra_aliases)


CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("customer_no", "客户号", required=True),
    # Needed for new customers only: checked per row by the service (an update-only file may omit them).
    Column("kind", "客户类型"),
    Column("name", "姓名", extra_aliases=("名称", "姓名/名称", "客户名称")),
    Column("gender", "性别"),
    Column("birth_date", "出生日期"),
    Column("id_type", "证件类型"),
    Column("id_number", "证件号码"),
    Column("mobile", "手机号", extra_aliases=("手机号码",)),
    Column("org_code", "所属机构", extra_aliases=("机构代码",)),
    Column("maintainer", "维护人"),
    Column("since", "建立关系日期"),
    Column("credit_rating", "信用等级"),
    Column("bad_credit_count", "不良记录次数"),
    Column("malicious_overdraft", "恶意透支"),
    Column("industry", "行业"),
    Column("occupation", "职业"),
    Column("registered_capital", "注册资本"),
    Column("total_assets", "总资产"),
    Column("credit_customer", "信用客户"),
    Column("target_credit", "目标授信"),
    Column("admin_level", "行政级别"),
)

BALANCE_COLUMNS: tuple[Column, ...] = (
    Column("customer_no", "客户号", required=True),
    Column("account_no", "账号", required=True),
    Column("account_type", "账户类型", required=True),
    Column("month_end_balance", "月末余额", required=True),
    Column("avg_daily_balance", "月日均余额", required=True),
    Column("annual_rate", "年利率", extra_aliases=("年利率(%)", "年利率（%）")),
    Column("txn_count", "交易笔数"),
    Column("txn_days", "交易天数"),
    Column("last_txn_date", "最后交易日"),
    Column("card_spend", "当月消费额"),
    Column("activated", "已激活"),
    Column("fee_income", "中间业务收入"),
)


def normalise_header(text: object) -> str:
    """Header text as compared: BOM and spaces removed, lower case (Chinese is unaffected)."""
    return str(text if text is not None else "").replace("\ufeff", "").strip().lower()


def template_rows(columns: tuple[Column, ...]) -> list[str]:
    return [c.header for c in columns]
