"""fixtures/: the reference lookups and the sample import files a new bank starts from."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from crm import roles
from customers.importers.files import excel_cell_text
from customers.models import Customer, Lookup, MonthlyBalance
from customers.services.imports import balances_import, customers_import
from demo.bank import INDUSTRIES, OCCUPATIONS, REGIONS
from segmentation.models import Assignment, MonthClose
from segmentation.services import month_close
from tests.factories import UserFactory

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "samples"
OCTOBER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 11, 16), tick=False):
        yield


@pytest.fixture
def fresh_bank(org_tree):
    """A fresh database once its org units and staff exist (the samples' 维护人)."""
    for username, unit, role in [("rm_a1", "OUT-A", roles.RELATIONSHIP_MANAGER),
                                 ("rm_a2", "OUT-A", roles.RELATIONSHIP_MANAGER),
                                 ("rm_b1", "OUT-B", roles.RELATIONSHIP_MANAGER),
                                 ("wm_a", "OUT-A", roles.WEALTH_MANAGER)]:
        UserFactory(username=username, org_unit=org_tree[unit], roles=[role])
    return org_tree


def load_reference_data() -> str:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def test_reference_data_loads_twice_without_copies(db):
    load_reference_data()
    load_reference_data()

    assert Lookup.objects.filter(kind="region").count() == len(REGIONS)
    assert set(Lookup.objects.filter(kind="industry").values_list("code", "name")) == set(INDUSTRIES)
    assert list(Lookup.objects.filter(kind="occupation").values_list("name", flat=True)) == OCCUPATIONS


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_samples_import_into_a_fresh_bank_and_the_month_closes(fresh_bank, extension):
    load_reference_data()

    customers = customers_import(file=SAMPLES / f"customers.{extension}")
    assert customers.ok and customers.created == 12, customers.errors or customers.file_error
    balances = balances_import(file=SAMPLES / f"balances.{extension}", month=OCTOBER)
    assert balances.ok and balances.created == 26, balances.errors or balances.file_error
    close = month_close(month=OCTOBER)

    kinds = dict(Customer.objects.values_list("customer_no", "kind"))
    assert sorted(kinds.values()).count("individual") == 6 and list(kinds.values()).count("corporate") == 3
    assert Customer.objects.get(customer_no="SE000001").industry.name == "信息传输、软件和信息技术服务业"
    assert close.state == MonthClose.State.CLOSED
    tiers = dict(Assignment.objects.filter(month=OCTOBER).values_list("customer__customer_no", "asset_tier"))
    assert tiers["SP000001"] == "diamond" and tiers["SP000006"] == "regular"
    assert Assignment.objects.get(month=OCTOBER, customer__customer_no="SE000001").corporate_size


def test_samples_import_into_the_demo_bank(db):
    call_command("seed_demo", "--customers", "60", "--months", "1", "--until", "2026-10", stdout=io.StringIO())
    load_reference_data()  # the demo's lookups carry the same codes: nothing changes, nothing is added
    november = date(2026, 11, 1)  # the demo closed October; November is open

    customers = customers_import(file=SAMPLES / "customers.xlsx")
    balances = balances_import(file=SAMPLES / "balances.csv", month=november)

    assert customers.ok and customers.created == 12, customers.errors or customers.file_error
    assert balances.ok and balances.created == 26, balances.errors or balances.file_error
    assert MonthlyBalance.objects.filter(month=november, customer__customer_no__startswith="S").count() == 26


@pytest.mark.parametrize("stem", ["customers", "balances"])
def test_xlsx_and_csv_samples_hold_the_same_cells(stem):
    with open(SAMPLES / f"{stem}.csv", encoding="utf-8-sig", newline="") as handle:
        from_csv = list(csv.reader(handle))
    workbook = openpyxl.load_workbook(SAMPLES / f"{stem}.xlsx", read_only=True)
    from_xlsx = [[excel_cell_text(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()

    assert from_xlsx == from_csv
