"""Labels of the tiers a customer is assigned each month (interfaces.md: exactly these)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetTier(models.TextChoices):
    REGULAR = "regular", _("普通")
    GOLD = "gold", _("金卡")
    PLATINUM = "platinum", _("白金")
    DIAMOND = "diamond", _("钻石")


class ValueSegment(models.TextChoices):
    VIP = "vip", _("贵宾")
    POTENTIAL = "potential", _("潜力")
    MASS = "mass", _("大众")
    NEGATIVE = "negative", _("负值")


class MaintenanceBand(models.TextChoices):
    WEALTH_CENTRE = "wealth_centre", _("财富管理")
    WEALTH = "wealth", _("理财")
    ADOPTED = "adopted", _("领养")
    STAFF = "staff", _("员工维护")


class CorporateSize(models.TextChoices):
    EXTRA_LARGE = "extra_large", _("特大型")
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("小微型")


class DepositClass(models.TextChoices):
    CLASS_1 = "class_1", _("一类")
    CLASS_2 = "class_2", _("二类")
    CLASS_3 = "class_3", _("三类")


class CorporateClass(models.TextChoices):
    STRATEGIC = "strategic", _("战略基础")
    PREMIUM = "premium", _("优质基础")
    EFFECTIVE = "effective", _("有效基础")
    NURTURE = "nurture", _("培育型")
    ADJUST = "adjust", _("调整型")


class NegativeRule(models.TextChoices):
    """The negative rules (domain.md §3.2) in the order they are recorded: risk rules first, then low-value."""

    MALICIOUS_OVERDRAFT = "malicious_overdraft", _("恶意透支/逃避债务")
    BAD_CREDIT = "bad_credit", _("信誉不良记录")
    DORMANT = "dormant", _("睡眠户")
    INACTIVE_CARD = "inactive_card", _("低效银行卡")
