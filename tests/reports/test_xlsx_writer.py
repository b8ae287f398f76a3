"""The workbook writer with hostile text (property-based): whatever a customer's name holds, the file opens,
the text comes back as text (never a formula), and numbers, dates and money keep their values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.exporters.base import Column, ReportContext, SheetExporter, Table
from reports.exporters.xlsx import _Writer

CONTEXT = ReportContext(month=dt.date(2024, 6, 1), rule_version=3, generated_at=dt.datetime(2024, 7, 1, 8, 0),
                        bank_name="测试银行")
# XML 1.0 cannot hold most C0 controls (xlsxwriter writes them as _xHHHH_) nor surrogates.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


class Hostile(SheetExporter):
    verbose_name = "客户等级明细"

    def __init__(self, rows):
        super().__init__(CONTEXT)
        self._rows = rows

    def table(self) -> Table:
        return Table("t", [Column("客户号"), Column("姓名"), Column("金额", kind="money"), Column("日期", kind="date")],
                     self._rows)


def expected_text(value: str) -> str:
    if value.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")):
        value = "'" + value
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(TEXT, min_size=1, max_size=5),
       amounts=st.lists(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2), min_size=5,
                        max_size=5))
def test_hostile_text_round_trips_as_text(tmp_path_factory, names, amounts):
    path = tmp_path_factory.mktemp("x") / "hostile.xlsx"
    rows = [[f"C{i}", name, amounts[i], dt.date(2024, 6, i + 1)] for i, name in enumerate(names)]
    writer = _Writer(path, CONTEXT)
    writer.sheet(Hostile(rows), None)
    writer.close()
    sheet = openpyxl.load_workbook(path)["客户等级明细"]
    assert sheet["A2"].value == "月份" and sheet["H2"].value == "2024-07-01 08:00:00"
    got = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(got) == len(rows)
    for (no, name, amount, day), row in zip(rows, got, strict=True):
        assert row[0] == no
        written = expected_text(name)
        assert (row[1] or "") == written or "_x" in (row[1] or "")  # control characters come back escaped
        assert not isinstance(row[1], int | float)
        assert Decimal(str(row[2])).quantize(Decimal("0.01")) == amount
        assert row[3] == dt.datetime(day.year, day.month, day.day)
    assert sheet["C5"].number_format == "#,##0.00" and sheet.freeze_panes == "A5"
