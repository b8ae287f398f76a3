"""Fixtures for the access-control tests (imported by tests/crm/test_access*.py, test_handover.py …)."""

from __future__ import annotations

import pytest

from crm import roles
from tests.factories import CustomerFactory, UserFactory

ID_A = "110101199001011234"
MOBILE_A = "13812345678"


@pytest.fixture
def wm_a(org_tree):
    return UserFactory(username="wm_a", org_unit=org_tree["OUT-A"], roles=[roles.WEALTH_MANAGER])


@pytest.fixture
def rm_a2(org_tree):
    return UserFactory(username="rm_a2", org_unit=org_tree["OUT-A"], roles=[roles.RELATIONSHIP_MANAGER])


@pytest.fixture
def head_b(org_tree):
    return UserFactory(username="head_b", org_unit=org_tree["OUT-B"], roles=[roles.BRANCH_HEAD])


@pytest.fixture
def sysadmin(org_tree):
    user = UserFactory(username="admin", org_unit=org_tree["HQ"], roles=[roles.SYSTEM_ADMIN])
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def auditor(org_tree):
    return UserFactory(username="auditor", org_unit=org_tree["HQ"], roles=[roles.AUDITOR])


@pytest.fixture
def cust_a(org_tree, rm_a1):
    return CustomerFactory(
        customer_no="A0001", name="李雷", org_unit=org_tree["OUT-A"], maintainer=rm_a1,
        id_number=ID_A, mobile=MOBILE_A,
    )


@pytest.fixture
def cust_b(org_tree, rm_b1):
    return CustomerFactory(
        customer_no="B0001", name="韩梅梅", org_unit=org_tree["OUT-B"], maintainer=rm_b1,
        id_number="310101198506061111", mobile="13900001111",
    )
