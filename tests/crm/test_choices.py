"""The ``choice_label`` template filter: the label ``get_<field>_display()`` gives, cached per language."""

import pytest
from django.template import Context, Template
from django.utils import translation

from customers.models import Account, AccountType, ContactLog
from customers.tiers import AssetTier, MaintenanceBand
from segmentation.models import Assignment


def label(obj, field_name: str) -> str:
    return Template('{% load choices %}{{ obj|choice_label:field }}').render(Context({"obj": obj, "field": field_name}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_is_what_get_display_shows_in_each_language(language):
    with translation.override(language):
        for value in AccountType.values:
            account = Account(account_type=value)
            assert label(account, "account_type") == account.get_account_type_display()
        for value in ContactLog.Channel.values:
            contact = ContactLog(channel=value)
            assert label(contact, "channel") == contact.get_channel_display()
        for tier in AssetTier.values:
            assignment = Assignment(asset_tier=tier, maintenance_band=MaintenanceBand.values[0])
            assert label(assignment, "asset_tier") == assignment.get_asset_tier_display()
            assert label(assignment, "maintenance_band") == assignment.get_maintenance_band_display()


def test_choice_label_follows_the_active_language():
    contact = ContactLog(channel=ContactLog.Channel.PHONE)
    with translation.override("zh-hans"):
        assert label(contact, "channel") == "电话"
    with translation.override("en"):
        assert label(contact, "channel") == contact.get_channel_display() != "电话"


def test_a_value_outside_the_choices_is_shown_as_it_is():
    assert label(Assignment(asset_tier=""), "asset_tier") == ""
    assert label(Account(account_type="legacy"), "account_type") == "legacy"
