"""Service standards in Django admin: drafts edited, published versions read-only, publish and copy; the
calendar, scripts and tasks admin; who may open them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import roles
from service_tiers.models import Holiday, ServiceTask, StandardVersion, StandardVersionChange
from service_tiers.standard_services import standard_version_copy, standard_version_publish, standard_version_save
from tests.factories import CustomerFactory, UserFactory


@pytest.fixture
def configurer(org_tree):
    """A system administrator by role (staff, not a superuser)."""
    user = UserFactory(username="config", org_unit=org_tree["HQ"], roles=[roles.SYSTEM_ADMIN])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("model", ["standardversion", "holiday", "callscript", "unitroleholder"])
def test_system_admin_opens_the_standards_admin(client, configurer, model):
    client.force_login(configurer)
    assert client.get(reverse(f"admin:service_tiers_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("username", ["rm", "head"])
def test_business_users_are_kept_out_of_the_standards_admin(client, org_tree, username):
    role = roles.RELATIONSHIP_MANAGER if username == "rm" else roles.BRANCH_HEAD
    user = UserFactory(username=username, org_unit=org_tree["OUT-A"], roles=[role])
    client.force_login(user)
    assert client.get(reverse("admin:service_tiers_standardversion_changelist")).status_code == 302


def test_published_version_is_read_only_and_a_copy_becomes_a_draft(client, configurer):
    v1 = StandardVersion.objects.get(number=1)
    client.force_login(configurer)
    page = client.get(reverse("admin:service_tiers_standardversion_change", args=[v1.pk])).content.decode()
    assert 'name="_save"' not in page and "专属柜台" in page
    response = client.post(reverse("admin:service_tiers_standardversion_copy", args=[v1.pk]))
    draft = StandardVersion.objects.get(number=2)
    assert response.status_code == 302 and draft.state == "draft"
    assert draft.segment_standards.count() == v1.segment_standards.count() == 8
    assert draft.visit_standards.count() == 7 and draft.task_rules.count() == v1.task_rules.count()
    page = client.get(reverse("admin:service_tiers_standardversion_change", args=[draft.pk])).content.decode()
    assert 'name="_save"' in page
    client.post(reverse("admin:service_tiers_standardversion_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == "published" and draft.published_by == configurer
    assert list(StandardVersionChange.objects.filter(version=draft).values_list("action", flat=True)) == [
        "published", "created"]


def test_a_published_version_cannot_be_changed_through_the_service(configurer):
    v1 = StandardVersion.objects.get(number=1)
    v1.book_size_max = 900
    with pytest.raises(ValidationError, match="已发布"):
        standard_version_save(version=v1, by=configurer)
    with pytest.raises(ValidationError, match="已发布"):
        standard_version_publish(version=v1, by=configurer)


def test_a_draft_with_an_inverted_book_range_is_refused_in_chinese(configurer):
    draft = standard_version_copy(version=StandardVersion.objects.get(number=1), by=configurer)
    draft.book_size_min, draft.book_size_max = 900, 800
    with pytest.raises(ValidationError, match="下限不能大于上限"):
        standard_version_save(version=draft, by=configurer)


def test_the_draft_applies_from_its_effective_month_only_once_published(configurer, org_tree, rm_a1):
    from service_tiers.standards import standard_version_in_force

    draft = standard_version_copy(version=StandardVersion.objects.get(number=1), by=configurer)
    draft.effective_month = dt.date(2027, 1, 1)
    standard_version_save(version=draft, by=configurer)
    assert standard_version_in_force(day=dt.date(2027, 1, 5)).number == 1
    standard_version_publish(version=draft, by=configurer)
    assert standard_version_in_force(day=dt.date(2026, 12, 31)).number == 1
    assert standard_version_in_force(day=dt.date(2027, 1, 5)).number == draft.number


def test_holiday_calendar_is_filled_from_the_library_and_editable(client, configurer):
    client.force_login(configurer)
    client.get(reverse("admin:service_tiers_holiday_changelist"))
    assert Holiday.objects.filter(name="中秋").count() == 2  # this year and next


def test_task_admin_is_read_only_and_scoped(client, configurer, org_tree, rm_a1):
    customer = CustomerFactory(org_unit=org_tree["OUT-A"], maintainer=rm_a1)
    ServiceTask.objects.create(customer=customer, org_unit=customer.org_unit, assignee=rm_a1, kind="birthday",
                               due_date=dt.date(2026, 12, 1), dedupe_key="birthday:2026")
    client.force_login(configurer)
    # a system admin configures; customers' tasks are not theirs to browse
    response = client.get(reverse("admin:service_tiers_servicetask_changelist"))
    assert response.status_code == 403
