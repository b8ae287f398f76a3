"""Writing real import files (xlsx / csv) for the import tests."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

CUSTOMER_HEADER = ["客户号", "客户类型", "姓名", "性别", "出生日期", "证件类型", "证件号码", "手机号", "所属机构", "维护人",
                   "建立关系日期", "信用等级", "不良记录次数", "恶意透支"]
BALANCE_HEADER = ["客户号", "账号", "账户类型", "月末余额", "月日均余额", "年利率", "交易笔数", "交易天数", "最后交易日",
                  "当月消费额", "已激活", "中间业务收入"]

# Valid resident IDs (check digits computed by GB 11643).
ID_1 = "11010519491231002X"
ID_2 = "440524198001010013"


def customer_row(no: str = "C001", **over) -> list[object]:
    values = {
        "客户号": no, "客户类型": "个人", "姓名": "张三", "性别": "男", "出生日期": "1980-05-01", "证件类型": "居民身份证",
        "证件号码": ID_1, "手机号": "13800138000", "所属机构": "OUT-A", "维护人": "rm_a1", "建立关系日期": "2015-03-02",
        "信用等级": "AA", "不良记录次数": "0", "恶意透支": "否",
    }
    values.update(over)
    return [values[h] for h in CUSTOMER_HEADER]


def balance_row(no: str = "C001", account: str = "A001", **over) -> list[object]:
    values = {
        "客户号": no, "账号": account, "账户类型": "活期", "月末余额": "1000.00", "月日均余额": "900.50", "年利率": "0.25",
        "交易笔数": "3", "交易天数": "2", "最后交易日": "2025-01-20", "当月消费额": "", "已激活": "", "中间业务收入": "",
    }
    values.update(over)
    return [values[h] for h in BALANCE_HEADER]


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
