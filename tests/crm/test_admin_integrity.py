"""Issue 10, items 1–3: Django admin cannot promote, unmask or bypass the services."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm import roles
from crm.models import AccessLog, User
from customers.models import CoMaintainer, Customer
from tests.crm.access_setup import ID_A, MOBILE_A
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def staff_admin(org_tree):
    """A 系统管理员 with admin access who is not a superuser (the account of issue 10, item 1)."""
    return UserFactory(username="cfg", org_unit=org_tree["HQ"], is_staff=True, roles=[roles.SYSTEM_ADMIN])


@pytest.fixture
def staff_head(org_tree):
    """A branch head who also has admin access (a staff business user)."""
    return UserFactory(username="head_staff", org_unit=org_tree["OUT-A"], is_staff=True, roles=[roles.BRANCH_HEAD])


def _user_form_data(client, user: User) -> tuple[str, dict]:
    url = reverse("admin:crm_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields
            and k not in ("groups", "user_permissions", "last_login", "date_joined", "password")}
    for name in ("groups", "user_permissions"):
        if name in form.fields:
            data[name] = [obj.pk for obj in form.initial.get(name, [])]
    data.update({"date_joined_0": "2024-01-01", "date_joined_1": "00:00:00"})
    if user.org_unit_id:
        data["org_unit"] = user.org_unit_id
    for flag in ("is_active", "is_staff", "is_superuser"):
        if flag in form.fields and not form.initial.get(flag):
            data.pop(flag, None)
    return url, data


def test_staff_admin_cannot_make_itself_superuser_or_join_management(client, staff_admin):
    # given the non-superuser system admin on its own record
    client.force_login(staff_admin)
    url, data = _user_form_data(client, staff_admin)
    # when it ticks 超级用户 and adds itself to 管理层
    data.update({"is_superuser": "on", "groups": [Group.objects.get(name=roles.HQ_MANAGEMENT).pk]})
    client.post(url, data)
    # then nothing of its roles changed
    staff_admin.refresh_from_db()
    assert not staff_admin.is_superuser
    assert set(staff_admin.groups.values_list("name", flat=True)) == {roles.SYSTEM_ADMIN}
    assert not AccessLog.objects.filter(action=AccessLog.Action.ROLE_CHANGE).exists()


def test_staff_admin_cannot_promote_another_user(client, staff_admin, rm_a1):
    client.force_login(staff_admin)
    url, data = _user_form_data(client, rm_a1)
    data.update({"is_superuser": "on", "is_staff": "on",
                 "groups": [Group.objects.get(name=roles.HQ_MANAGEMENT).pk]})
    client.post(url, data)
    rm_a1.refresh_from_db()
    assert not rm_a1.is_superuser and not rm_a1.is_staff
    assert set(rm_a1.groups.values_list("name", flat=True)) == {roles.RELATIONSHIP_MANAGER}


def test_staff_admin_cannot_change_a_superuser_account_or_its_password(client, staff_admin, sysadmin):
    client.force_login(staff_admin)
    # at most a read-only view of the account …
    assert client.post(reverse("admin:crm_user_change", args=[sysadmin.pk]), {"username": "x"}).status_code == 403
    # … and never its password (a way into the superuser's account)
    url = reverse("admin:auth_user_password_change", args=[sysadmin.pk])
    assert client.post(url, {"password1": "x9!Aqwerty12", "password2": "x9!Aqwerty12"}).status_code == 403
    sysadmin.refresh_from_db()
    assert sysadmin.username == "admin" and not sysadmin.check_password("x9!Aqwerty12")


def test_superuser_changes_roles_of_others_logged_but_not_its_own(client, sysadmin, rm_a1):
    client.force_login(sysadmin)
    # given a superuser promoting a relationship manager to branch head
    url, data = _user_form_data(client, rm_a1)
    data.update({"groups": [Group.objects.get(name=roles.BRANCH_HEAD).pk], "is_staff": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rm_a1.refresh_from_db()
    assert rm_a1.is_staff
    assert set(rm_a1.groups.values_list("name", flat=True)) == {roles.BRANCH_HEAD}
    # then the access log says who, whom, before → after
    row = AccessLog.objects.get(action=AccessLog.Action.ROLE_CHANGE)
    assert row.user == sysadmin and row.target == "rm_a1"
    assert row.detail["before"] == {"is_staff": False, "groups": [roles.RELATIONSHIP_MANAGER]}
    assert row.detail["after"] == {"is_staff": True, "groups": [roles.BRANCH_HEAD]}
    # and its own roles are read-only for it too
    own_url, own = _user_form_data(client, sysadmin)
    assert "is_superuser" not in client.get(own_url).context["adminform"].form.fields
    own.pop("is_superuser", None)
    client.post(own_url, own)
    sysadmin.refresh_from_db()
    assert sysadmin.is_superuser


def test_role_service_refuses_non_superuser_and_self(db):
    from django.core.exceptions import PermissionDenied

    from crm.services.staff import user_roles_set

    admin = UserFactory(username="su", is_superuser=True, is_staff=True)
    other = UserFactory(username="plain", is_staff=True)
    with pytest.raises(PermissionDenied):
        user_roles_set(user=admin, by=admin, is_superuser=False)
    with pytest.raises(PermissionDenied):
        user_roles_set(user=admin, by=other, is_staff=False)
    with pytest.raises(PermissionDenied):
        user_roles_set(user=other, by=other, is_superuser=True)
    assert user_roles_set(user=other, by=admin, is_staff=False) is not None


def test_admin_deactivation_goes_through_the_handover_service(client, sysadmin, rm_a1, wm_a):
    client.force_login(sysadmin)
    CoMaintainer.objects.create(customer=CustomerFactory(maintainer=wm_a), user=rm_a1)
    url, data = _user_form_data(client, rm_a1)
    data.pop("is_active", None)
    assert client.post(url, data).status_code == 302
    rm_a1.refresh_from_db()
    assert not rm_a1.is_active
    # the service's own effects: co-maintainer links removed, logged with them
    assert not CoMaintainer.objects.filter(user=rm_a1).exists()
    assert AccessLog.objects.get(action=AccessLog.Action.DEACTIVATE).detail["co_maintainer_links_removed"] == 1


# --- customers in admin ----------------------------------------------------------------------------------------


@pytest.fixture
def customer_a(org_tree, rm_a1):
    return CustomerFactory(customer_no="A0001", name="李雷", org_unit=org_tree["OUT-A"], maintainer=rm_a1,
                           id_number=ID_A, mobile=MOBILE_A, bad_credit_count=0)


def _customer_form(client, customer):
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    # the inlines' management forms, as the browser would send them back
    for name, value in re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d*)"',
                                  page.content.decode()):
        data[name] = value
    return url, page, data


def test_admin_customer_form_and_history_mask_id_and_mobile(client, staff_head, customer_a):
    client.force_login(staff_head)
    url, page, _data = _customer_form(client, customer_a)
    html = page.content.decode()
    assert ID_A not in html and MOBILE_A not in html
    assert "110101********1234" in html and "138****5678" in html
    # a change of the mobile elsewhere, then the history list and a version page
    customer_a.mobile = "13998765432"
    customer_a.save()
    history = client.get(reverse("admin:customers_customer_history", args=[customer_a.pk])).content.decode()
    assert MOBILE_A not in history and "13998765432" not in history
    assert "139****5432" in history
    version = customer_a.history.order_by("history_id").first()
    page = client.get(reverse("admin:customers_customer_simple_history", args=[customer_a.pk, version.history_id]))
    assert page.status_code == 200
    assert ID_A not in page.content.decode() and MOBILE_A not in page.content.decode()
    # reverting to a version (no service) is refused
    assert client.post(reverse("admin:customers_customer_simple_history",
                               args=[customer_a.pk, version.history_id]), {}).status_code == 403


def test_admin_customer_edit_uses_the_profile_service_and_cannot_move_or_raise_flags(
    client, staff_head, customer_a, rm_a2, org_tree
):
    client.force_login(staff_head)
    url, _page, data = _customer_form(client, customer_a)
    # when a branch head posts a new address plus a new maintainer, org unit and bad-credit count
    data.update({"address": "新地址1号", "maintainer": rm_a2.pk, "org_unit": org_tree["OUT-C"].pk,
                 "bad_credit_count": 3, "id_number": "X", "mobile": "1"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer_a.refresh_from_db()
    # then only the profile changed, with the branch head as the history author
    assert customer_a.address == "新地址1号"
    assert (customer_a.maintainer_id, customer_a.org_unit_id, customer_a.bad_credit_count) == (
        customer_a.maintainer_id, org_tree["OUT-A"].pk, 0)
    assert customer_a.maintainer.username == "rm_a1"
    assert (customer_a.id_number, customer_a.mobile) == (ID_A, MOBILE_A)
    assert customer_a.history.latest().history_user == staff_head


def test_admin_co_maintainers_go_through_the_service_with_a_log(client, org_tree, customer_a, wm_a):
    # the co-maintainer inline needs the CoMaintainer permissions: a superuser who also browses (管理层)
    client.force_login(UserFactory(username="root", org_unit=org_tree["HQ"], is_staff=True, is_superuser=True,
                                   roles=[roles.HQ_MANAGEMENT]))
    url, _page, data = _customer_form(client, customer_a)
    data.update({"co_maintainer_links-TOTAL_FORMS": 1, "co_maintainer_links-0-user": wm_a.pk,
                 "co_maintainer_links-0-customer": customer_a.pk})
    assert client.post(url, data).status_code == 302
    assert list(customer_a.co_maintainers.all()) == [wm_a]
    row = AccessLog.objects.get(action=AccessLog.Action.CO_MAINTAINERS)
    assert row.detail == {"before": [], "after": ["wm_a"]} and row.customer == customer_a


def test_admin_offers_no_add_or_delete_of_customers(client, staff_head, customer_a):
    client.force_login(staff_head)
    assert client.get(reverse("admin:customers_customer_add")).status_code == 403
    assert client.post(reverse("admin:customers_customer_delete", args=[customer_a.pk]),
                       {"post": "yes"}).status_code == 403
    assert Customer.objects.filter(pk=customer_a.pk).exists()
