"""factory_boy factories shared by every test package."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from crm.models import OrgUnit, User
from customers.models import Account, AccountType, Customer, CustomerStanding

STANDING_FIELDS = [f.name for f in CustomerStanding._meta.concrete_fields if f.name not in {"customer", "org_unit", "maintainer"}]


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"机构{o.code}")
    level = OrgUnit.Level.OUTLET


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"员工{n}")
    org_unit = factory.SubFactory(OrgUnitFactory)
    password = factory.django.Password("demo12345")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_no = factory.Sequence(lambda n: f"C{n:09d}")  # tests that fix a number use another prefix
    kind = Customer.Kind.INDIVIDUAL
    name = factory.Sequence(lambda n: f"张{n}")
    org_unit = factory.SubFactory(OrgUnitFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Standing fields (aum, asset_tier, …) go to the customer's standing row, which the trigger creates."""
        standing = {k: kwargs.pop(k) for k in STANDING_FIELDS if k in kwargs}
        customer = super()._create(model_class, *args, **kwargs)
        if standing:
            CustomerStanding.objects.filter(pk=customer.pk).update(**standing)
        return customer


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    customer = factory.SubFactory(CustomerFactory)
    account_no = factory.Sequence(lambda n: f"6222{n:012d}")
    account_type = AccountType.DEMAND
    balance = Decimal("0.00")
