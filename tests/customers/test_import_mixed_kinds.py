"""Individuals' and corporate rows in one file, each with only the columns that apply to its kind."""

from __future__ import annotations

import pytest

from customers.models import Customer
from customers.services.imports import customers_import
from tests.customers.import_files import ID_1, write_csv, write_xlsx

HEADER = ["客户号", "客户类型", "姓名", "性别", "出生日期", "证件类型", "证件号码", "手机号", "所属机构", "维护人",
          "建立关系日期", "行业", "注册资本", "总资产", "信用客户", "目标授信", "行政级别"]
ROWS = [
    ["P001", "个人", "张三", "男", "1980-05-01", "居民身份证", ID_1, "13800138000", "OUT-A", "rm_a1", "2015-03-02",
     "", "", "", "", "", ""],
    # A company and an institution: no gender, birth date, ID type/number or mobile.
    ["E001", "企业", "某某科技有限公司", "", "", "", "", "", "OUT-A", "rm_a1", "2018-01-01",
     "", "5000000", "80000000", "是", "2000000", ""],
    ["G001", "机构", "某某区教育局", "", "", "", "", "", "OUT-A", "rm_a1", "2019-06-30",
     "", "", "", "否", "", "地市区县"],
]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_individual_and_corporate_rows_with_blank_cells_import_cleanly(tmp_path, rm_a1, writer):
    path = writer(tmp_path / f"mixed.{'csv' if writer is write_csv else 'xlsx'}", HEADER, ROWS)

    result = customers_import(file=path)

    assert result.ok, [str(e) for e in result.errors] or result.file_error
    assert result.created == 3
    company = Customer.objects.get(customer_no="E001")
    assert company.kind == "corporate" and company.id_number == "" and company.mobile == ""
    assert company.registered_capital == 5_000_000 and company.credit_customer is True
    institution = Customer.objects.get(customer_no="G001")
    assert institution.admin_level and institution.gender == ""
    assert Customer.objects.get(customer_no="P001").mobile == "13800138000"


def test_company_credit_codes_are_checked(tmp_path, rm_a1):
    rows = [["E001", "企业", "甲公司", "统一社会信用代码", "91330106MA2H000011", "OUT-A"],
            ["E002", "企业", "乙公司", "", "91330106ma2h00001", "OUT-A"]]
    path = write_csv(tmp_path / "companies.csv", ["客户号", "客户类型", "姓名", "证件类型", "证件号码", "所属机构"], rows)

    result = customers_import(file=path)

    assert [(e.row, e.column) for e in result.errors] == [(3, "证件号码")]
