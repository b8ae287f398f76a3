"""Load the defaults of domain.md §3 as rule version 1, published, in force from 2000-01."""

import datetime as dt

from django.db import migrations


def load_defaults(apps, schema_editor):
    RuleVersion = apps.get_model("segmentation", "RuleVersion")
    RuleVersionChange = apps.get_model("segmentation", "RuleVersionChange")
    if RuleVersion.objects.filter(number=1).exists():
        return
    version = RuleVersion.objects.create(
        number=1,
        effective_month=dt.date(2000, 1, 1),
        state="published",
        change_note="默认规则（domain.md 第3节）",
        published_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    RuleVersionChange.objects.create(version=version, field="state", old_value="", new_value="published")


def unload_defaults(apps, schema_editor):
    apps.get_model("segmentation", "RuleVersion").objects.filter(number=1, change_note__startswith="默认规则").delete()


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0001_rules_engine")]

    operations = [migrations.RunPython(load_defaults, unload_defaults)]
