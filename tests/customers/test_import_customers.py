from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from customers.models import Customer, Lookup
from customers.services.imports import customers_import
from tests.customers.import_files import CUSTOMER_HEADER, ID_2, customer_row, write_csv, write_xlsx
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def staff(rm_a1, rm_b1):
    return {"rm_a1": rm_a1, "rm_b1": rm_b1}


def test_good_file_creates_then_reimport_is_unchanged(tmp_path, staff):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002", 姓名="李四",
                                                              证件号码=ID_2, 性别="女")])

    first = customers_import(file=path, by=None)
    second = customers_import(file=path, by=None)

    assert first.ok and (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert second.ok and (second.created, second.updated, second.unchanged) == (0, 0, 2)
    c1 = Customer.objects.get(customer_no="C001")
    assert c1.name == "张三" and c1.gender == "M" and c1.birth_date == date(1980, 5, 1)
    assert c1.org_unit.code == "OUT-A" and c1.maintainer == staff["rm_a1"]
    assert c1.origin_maintainer == staff["rm_a1"]
    assert c1.id_type == "resident_id" and c1.credit_rating == "AA" and c1.malicious_overdraft is False
    assert Customer.objects.get(customer_no="C002").gender == "F"


def test_update_changes_fields_but_keeps_origin_maintainer(tmp_path, staff):
    customers_import(file=write_xlsx(tmp_path / "a.xlsx", CUSTOMER_HEADER, [customer_row("C001")]))
    path = write_xlsx(tmp_path / "b.xlsx", CUSTOMER_HEADER, [customer_row("C001", 维护人="rm_b1", 所属机构="OUT-B",
                                                                         恶意透支="是")])

    result = customers_import(file=path)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    customer = Customer.objects.get(customer_no="C001")
    assert customer.maintainer == staff["rm_b1"] and customer.org_unit.code == "OUT-B"
    assert customer.origin_maintainer == staff["rm_a1"]
    assert customer.malicious_overdraft is True


def test_columns_absent_from_file_are_left_alone(tmp_path, staff):
    customers_import(file=write_xlsx(tmp_path / "a.xlsx", CUSTOMER_HEADER, [customer_row("C001")]))
    path = write_csv(tmp_path / "b.csv", ["客户号", "客户类型", "姓名", "所属机构"], [["C001", "个人", "张三丰", "OUT-A"]])

    result = customers_import(file=path)

    assert result.ok and result.updated == 1
    customer = Customer.objects.get(customer_no="C001")
    assert customer.name == "张三丰" and customer.mobile == "13800138000" and customer.maintainer == staff["rm_a1"]


def test_one_bad_row_writes_nothing_and_names_row_column_reason(tmp_path, staff):
    rows = [customer_row("C001"), customer_row("C002", 手机号="12345"), customer_row("C003")]
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, rows)

    result = customers_import(file=path)

    assert not result.ok and result.created == 0
    assert Customer.objects.count() == 0
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (3, "手机号")
    assert "11位" in error.message
    assert str(error).startswith("行 3, 列 手机号:")


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"客户类型": "公司"}, "客户类型", "个人"),
        ({"所属机构": "NOPE"}, "所属机构", "NOPE"),
        ({"维护人": "ghost"}, "维护人", "ghost"),
        ({"证件号码": "110105194912310021"}, "证件号码", "校验位"),
        ({"手机号": "2380013800"}, "手机号", "11位"),
        ({"性别": "未知"}, "性别", "男"),
        ({"出生日期": "1980-02-30"}, "出生日期", "有效的日期"),
        ({"出生日期": "05/01/1980"}, "出生日期", "YYYY-MM-DD"),
        ({"建立关系日期": "2999-01-01"}, "建立关系日期", "晚于今天"),
        ({"信用等级": "AAAA"}, "信用等级", "AAA"),
        ({"不良记录次数": "-1"}, "不良记录次数", "整数"),
        ({"恶意透支": "也许"}, "恶意透支", "是/否"),
        ({"姓名": ""}, "姓名", "必填"),
        ({"客户号": ""}, "客户号", "必填"),
    ],
)
def test_each_bad_cell_is_reported(tmp_path, staff, override, column, fragment):
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row("C001"), customer_row("C002", **override)])

    result = customers_import(file=path)

    assert Customer.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert fragment in result.errors[0].message


def test_corporate_columns_lookups_and_admin_level(tmp_path, staff):
    Lookup.objects.create(kind=Lookup.Kind.INDUSTRY, code="C39", name="制造业")
    Lookup.objects.create(kind=Lookup.Kind.OCCUPATION, code="P01", name="工程师")
    header = ["customer_no", "kind", "name", "org_code", "industry", "occupation", "registered_capital",
              "total_assets", "credit_customer", "target_credit", "admin_level"]
    rows = [
        ["E001", "企业", "某某制造有限公司", "OUT-A", "制造业", "", "12,000,000.50", "30000000", "Y", "5000000", ""],
        ["G001", "机构", "某市第一医院", "OUT-A", "c39", "P01", "", "", "N", "", "地市区县"],
    ]
    result = customers_import(file=write_csv(tmp_path / "c.csv", header, rows))

    assert result.ok, result.errors
    corporate = Customer.objects.get(customer_no="E001")
    assert corporate.kind == "corporate" and corporate.industry.code == "C39"
    assert corporate.registered_capital == Decimal("12000000.50") and corporate.credit_customer is True
    assert corporate.total_assets == Decimal("30000000.00") and corporate.target_credit == Decimal("5000000.00")
    institution = Customer.objects.get(customer_no="G001")
    assert institution.admin_level == "municipal" and institution.occupation.code == "P01"


def test_bad_corporate_values(tmp_path, staff):
    header = ["客户号", "客户类型", "名称", "所属机构", "行业", "注册资本", "行政级别", "信用客户"]
    rows = [["E001", "企业", "甲公司", "OUT-A", "不存在的行业", "-5", "国家级", "maybe"]]

    result = customers_import(file=write_csv(tmp_path / "c.csv", header, rows))

    assert {e.column for e in result.errors} == {"行业", "注册资本", "行政级别", "信用客户"}
    assert any("负数" in e.message for e in result.errors)


def test_duplicate_customer_numbers_in_one_file(tmp_path, staff):
    rows = [customer_row("C001"), customer_row("C002"), customer_row("C001")]

    result = customers_import(file=write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, rows))

    assert [(e.row, e.column) for e in result.errors] == [(4, "客户号")]
    assert "第 2 行" in result.errors[0].message
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path, staff, encoding):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [customer_row("C001", 姓名="欧阳娜娜")], encoding=encoding)

    result = customers_import(file=path)

    assert result.ok, result.errors
    assert Customer.objects.get(customer_no="C001").name == "欧阳娜娜"


def test_english_headers_and_file_like_input(staff):
    text = "customer_no,kind,name,org_code,Mobile\nC009,individual,王五,out-a,13900139000\n"

    result = customers_import(file=io.BytesIO(text.encode()))

    assert result.ok, result.errors
    assert Customer.objects.get(customer_no="C009").mobile == "13900139000"


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.xlsx", b"", "为空"),
        ("fake.xlsx", b"%PDF-1.4 not a workbook", "PDF"),
        ("fake.xlsx", b"customer_no,name\n1,2\n", "不是有效的 Excel"),
        ("report.pdf", b"%PDF-1.4", "只接受 .xlsx 或 .csv"),
        ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("zip.xlsx", b"PK\x03\x04garbage", "不是有效的 Excel"),
        ("header_only.csv", "客户号,客户类型,姓名,所属机构\n".encode(), "没有数据行"),
        ("missing.csv", "姓名\n张三\n".encode(), "缺少必需的列：客户号"),
        ("blank_header.csv", b"\n\nC1\n", "表头"),
    ],
)
def test_file_level_problems(tmp_path, staff, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)

    result = customers_import(file=path)

    assert result.file_error and fragment in result.file_error
    assert Customer.objects.count() == 0


def test_csv_with_xlsx_content_is_refused(tmp_path, staff):
    source = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, [customer_row()])
    renamed = tmp_path / "c.csv"
    renamed.write_bytes(source.read_bytes())

    assert ".xlsx" in customers_import(file=renamed).file_error


def test_more_than_max_rows_is_refused_with_a_file_message(tmp_path, staff):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("客户号,客户类型,姓名,所属机构\n")
        handle.writelines(f"C{n:07d},个人,客户{n},OUT-A\n" for n in range(100_001))

    result = customers_import(file=path, max_rows=100_000)

    assert result.file_error and "100,000" in result.file_error
    assert result.errors == []
    assert Customer.objects.count() == 0


def test_blank_rows_do_not_count_against_the_row_cap(tmp_path, staff):
    rows = [customer_row("C001"), [""] * len(CUSTOMER_HEADER), customer_row("C002")]
    path = write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, rows)

    result = customers_import(file=path, max_rows=2)

    assert result.ok and result.created == 2


def test_dry_run_counts_without_writing(tmp_path, staff):
    CustomerFactory(customer_no="C001", name="旧名", org_unit=staff["rm_a1"].org_unit)
    rows = [customer_row("C001"), customer_row("C002")]

    result = customers_import(file=write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER, rows), dry_run=True)

    assert result.ok and (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert Customer.objects.get(customer_no="C001").name == "旧名"
    assert not Customer.objects.filter(customer_no="C002").exists()


def test_inactive_maintainer_is_unknown(tmp_path, org_tree):
    UserFactory(username="gone", org_unit=org_tree["OUT-A"], is_active=False)

    result = customers_import(file=write_xlsx(tmp_path / "c.xlsx", CUSTOMER_HEADER,
                                              [customer_row("C001", 维护人="gone")]))

    assert [e.column for e in result.errors] == ["维护人"]


def test_update_only_file_needs_just_the_customer_number(tmp_path, staff):
    # given an existing customer
    customers_import(file=write_xlsx(tmp_path / "a.xlsx", CUSTOMER_HEADER, [customer_row("C001")]))
    # when a file carries only 客户号 and 手机号
    update = tmp_path / "mobile.csv"
    update.write_text("客户号,手机号\nC001,13900001111\n", encoding="utf-8")
    result = customers_import(file=update)
    # then the mobile changes and nothing else
    assert result.ok and result.updated == 1
    customer = Customer.objects.get(customer_no="C001")
    assert customer.mobile == "13900001111" and customer.name == "张三" and customer.org_unit.code == "OUT-A"
    # and a file of customer numbers alone changes nothing
    numbers_only = tmp_path / "numbers.csv"
    numbers_only.write_text("客户号\nC001\n", encoding="utf-8")
    assert customers_import(file=numbers_only).unchanged == 1


def test_new_customer_in_an_update_only_file_is_a_row_error(tmp_path, staff):
    path = tmp_path / "new.csv"
    path.write_text("客户号,手机号\nC404,13900001111\n", encoding="utf-8")

    result = customers_import(file=path)

    assert not result.ok and Customer.objects.count() == 0
    assert result.errors[0].row == 2 and "客户类型、姓名、所属机构" in result.errors[0].message
