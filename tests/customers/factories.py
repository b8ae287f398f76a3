"""Factories for the customers app's screens (shared ones live in tests/factories.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from customers.models import ContactLog, CustomerMonth, Lookup
from tests.factories import CustomerFactory, UserFactory


class LookupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lookup
        django_get_or_create = ["kind", "code"]

    kind = Lookup.Kind.REGION
    code = factory.Sequence(lambda n: f"L{n:03d}")
    name = factory.LazyAttribute(lambda o: f"代码{o.code}")


class CustomerMonthFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMonth

    customer = factory.SubFactory(CustomerFactory)
    month = datetime.date(2025, 1, 1)
    aum_avg = Decimal("100000.00")
    aum_end = Decimal("110000.00")


class ContactLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactLog

    customer = factory.SubFactory(CustomerFactory)
    staff = factory.SubFactory(UserFactory)
    contacted_on = datetime.date(2025, 1, 15)
    channel = ContactLog.Channel.PHONE
    summary = factory.Sequence(lambda n: f"电话回访第{n}次")
