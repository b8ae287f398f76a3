"""The tier vocabulary, defined once: each tier, segment, band, corporate tier, negative rule, indicator and
profit group, with its code, its Chinese label (gettext) and its order. Labels are interfaces.md's, exactly.

The engine's SQL is generated from these (``sql_text``, ``sql_rank_array``), so renaming a label or adding a
tier changes this module only.
"""

from __future__ import annotations

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
    """The crisp rules that make a customer 负值 (domain.md 3.2), in the order they are recorded and explain a
    customer: the risk rules (whatever the wealth) first, then the low-value rules."""

    MALICIOUS_OVERDRAFT = "malicious_overdraft", _("恶意透支/逃避债务")
    BAD_CREDIT = "bad_credit", _("信誉不良记录")
    DORMANT = "dormant", _("睡眠户")
    INACTIVE_CARD = "inactive_card", _("低效银行卡")


class ProfitGroup(models.TextChoices):
    CURRENT = "current", _("当前价值")
    POTENTIAL = "potential", _("潜在价值")


class IndicatorLabel(models.TextChoices):
    """The scoring indicators of profitability and stability (their SQL lives with the engine)."""

    CONTRIBUTION = "contribution", _("月贡献度(元)")
    FEE_INCOME = "fee_income", _("中间业务收入(元)")
    PRODUCT_COUNT = "product_count", _("持有产品种类")
    AUM_GROWTH_3M = "aum_growth_3m", _("近3个月金融资产增长(元)")
    PRODUCTS_NOT_HELD = "products_not_held", _("未持有产品种类")
    INCOME_BAND = "income_band", _("收入水平分")
    CREDIT_RATING = "credit_rating", _("信用等级分")
    TENURE_MONTHS = "tenure_months", _("建立关系月数")
    ACTIVE_DAYS = "active_days", _("当月活跃天数")
    PRODUCT_BREADTH = "product_breadth", _("产品广度")
    AUM_VOLATILITY_6M = "aum_volatility_6m", _("近6个月金融资产波动率")
    BAD_CREDIT_COUNT = "bad_credit_count", _("不良记录次数")


# Low to high: the order that makes a change an upgrade or a downgrade.
ASSET_TIERS_RANKED = [AssetTier.REGULAR, AssetTier.GOLD, AssetTier.PLATINUM, AssetTier.DIAMOND]
VALUE_SEGMENTS_RANKED = [ValueSegment.NEGATIVE, ValueSegment.MASS, ValueSegment.POTENTIAL, ValueSegment.VIP]
MAINTENANCE_BANDS_RANKED = [MaintenanceBand.STAFF, MaintenanceBand.ADOPTED, MaintenanceBand.WEALTH,
                            MaintenanceBand.WEALTH_CENTRE]


def sql_text(value: str) -> str:
    """A constant of this vocabulary as an SQL string literal (quotes doubled; never user input)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_rank_array(ranked: list) -> str:
    """``ARRAY['', low, …, high]``: array_position() gives 1 for blank, then each code's rank."""
    return "ARRAY[" + ",".join(sql_text(v) for v in ["", *ranked]) + "]::varchar[]"
