"""The profile and contact forms: Chinese messages beside the fields, personal data kept off the page."""

from __future__ import annotations

import datetime

import time_machine

from customers.forms import ContactLogForm, CustomerProfileForm
from customers.models import Customer
from customers.validators import resident_id_check_digit
from tests.factories import CustomerFactory

ID_17 = "32010219800229001"  # born on a leap day
ID_NUMBER = ID_17 + resident_id_check_digit(ID_17)


def _data(**changes) -> dict:
    data = {"name": "刘一", "id_type": "", "id_number": "", "mobile": "", "gender": "", "birth_date": "",
            "version": "2026-01-01T00:00:00+00:00"}  # the form only parses it; the service compares it
    data.update(changes)
    return data


def test_profile_form_hides_stored_id_and_mobile(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], id_type="resident_id", id_number=ID_NUMBER,
                               mobile="13812345678")
    html = str(CustomerProfileForm(instance=customer).as_p())
    assert ID_NUMBER not in html and "13812345678" not in html
    assert "320102********" in html and "138****5678" in html


def test_profile_form_blank_sensitive_fields_keep_stored_values(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], id_type="resident_id", id_number=ID_NUMBER,
                               mobile="13812345678", birth_date=datetime.date(1980, 2, 29))
    form = CustomerProfileForm(_data(id_type="resident_id", birth_date="1980-02-29"), instance=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == ID_NUMBER and form.cleaned_data["mobile"] == "13812345678"


def test_profile_form_checks_the_stored_id_when_type_becomes_resident_id(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], id_type="passport", id_number="E12345678")
    form = CustomerProfileForm(_data(id_type="resident_id"), instance=customer)
    assert not form.is_valid()
    assert "身份证号码应为18位" in form.errors["id_number"][0]


def test_profile_form_birth_date_must_match_the_id(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"])
    form = CustomerProfileForm(_data(id_type="resident_id", id_number=ID_NUMBER, birth_date="1980-03-01"),
                               instance=customer)
    assert not form.is_valid()
    assert form.errors["birth_date"] == ["出生日期与身份证号码中的出生日期（1980-02-29）不一致。"]


def test_other_id_types_are_not_checked_as_resident_ids(org_tree):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"])
    form = CustomerProfileForm(_data(id_type="passport", id_number="e1234567"), instance=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == "E1234567"


def test_corporate_profile_form_leaves_out_personal_fields(org_tree):
    company = CustomerFactory(org_unit=org_tree["OUT-A"], kind=Customer.Kind.CORPORATE)
    form = CustomerProfileForm(instance=company)
    assert "birth_date" not in form.fields and "gender" not in form.fields
    assert "registered_capital" in form.fields and "legal_representative" in form.fields
    person = CustomerProfileForm(instance=CustomerFactory(org_unit=org_tree["OUT-A"]))
    assert "registered_capital" not in person.fields and "birth_date" in person.fields


@time_machine.travel(datetime.datetime(2025, 6, 15, 10, 0, tzinfo=datetime.UTC))
def test_contact_form_defaults_to_today_and_refuses_the_future(db):  # the model check constraint is validated by a query
    assert ContactLogForm().initial["contacted_on"] == datetime.date(2025, 6, 15)
    form = ContactLogForm({"contacted_on": "2025-06-16", "channel": "phone", "summary": "x"})
    assert not form.is_valid()
    assert form.errors["contacted_on"] == ["联系日期不能晚于今天。"]
    assert ContactLogForm({"contacted_on": "2025-06-15", "channel": "wechat", "summary": "微信沟通"}).is_valid()
