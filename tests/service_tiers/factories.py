"""Service task rows for tests (the generator builds them in production)."""

from __future__ import annotations

import datetime as dt

import factory

from service_tiers.models import ServiceTask
from tests.factories import CustomerFactory


class ServiceTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTask

    customer = factory.SubFactory(CustomerFactory)
    org_unit = factory.LazyAttribute(lambda o: o.customer.org_unit)
    assignee = factory.LazyAttribute(lambda o: o.customer.maintainer)
    kind = ServiceTask.Kind.PERIODIC_CONTACT
    due_date = dt.date(2026, 11, 30)
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
