"""Rule versions, month closes and the monthly assignments the tier engine writes.

Every parameter of domain.md §3 is a field of :class:`RuleVersion`; the engine
(segmentation.engine) turns one version plus one month of facts into one
:class:`Assignment` per customer with set-based SQL.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.models import OrgUnit, TimeStampedModel
from crm.money import format_amount
from crm.partitions import MonthPartitioned
from customers.models import Customer
from customers.tiers import (
    AssetTier,
    CorporateClass,
    CorporateSize,
    DepositClass,
    MaintenanceBand,
    NegativeRule,
    ValueSegment,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2}
W = Decimal(10_000)
CENT = Decimal("0.01")
YI = Decimal(100_000_000)


def default_profit_indicators() -> list[dict]:
    """Profitability indicators (domain.md §3.2); weights are percent within their group."""
    return [
        {"code": "contribution", "group": "current", "weight": "50", "full_value": "2000"},
        {"code": "fee_income", "group": "current", "weight": "20", "full_value": "500"},
        {"code": "product_count", "group": "current", "weight": "30", "full_value": "5"},
        {"code": "aum_growth_3m", "group": "potential", "weight": "50", "full_value": "50000"},
        {"code": "products_not_held", "group": "potential", "weight": "20", "full_value": "6"},
        {"code": "income_band", "group": "potential", "weight": "30", "full_value": "100"},
    ]


def default_stability_indicators() -> list[dict]:
    """Stability indicators (domain.md §3.2); weights are percent and sum to 100."""
    return [
        {"code": "credit_rating", "weight": "20", "full_value": "100"},
        {"code": "tenure_months", "weight": "20", "full_value": "60"},
        {"code": "active_days", "weight": "15", "full_value": "20"},
        {"code": "product_breadth", "weight": "15", "full_value": "4"},
        {"code": "aum_volatility_6m", "weight": "15", "full_value": "1"},
        {"code": "bad_credit_count", "weight": "15", "full_value": "2"},
    ]


class RuleVersion(TimeStampedModel):
    """One complete, versioned set of tier rules (draft → published)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    class AssetMetric(models.TextChoices):
        AVG = "avg", _("月日均金融资产")
        END = "end", _("月末金融资产")
        AVG3 = "avg3", _("近3个月日均金融资产")

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    effective_month = models.DateField(_("生效月份"), help_text=_("该月第一天；自该月起适用"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    change_note = models.TextField(_("变更说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    # Contribution (domain.md §2)
    deposit_ftp_rate = models.DecimalField(_("存款FTP年利率(%)"), default=Decimal("2.5000"), **RATE)
    loan_ftp_rate = models.DecimalField(_("贷款FTP年利率(%)"), default=Decimal("2.5000"), **RATE)

    # 3.1 Asset tier
    asset_metric = models.CharField(_("资产等级口径"), max_length=8, choices=AssetMetric.choices, default=AssetMetric.AVG)
    gold_min = models.DecimalField(_("金卡下限"), default=Decimal("100000.00"), **MONEY)
    platinum_min = models.DecimalField(_("白金下限"), default=Decimal("1000000.00"), **MONEY)
    diamond_min = models.DecimalField(_("钻石下限"), default=Decimal("5000000.00"), **MONEY)
    downgrade_grace_months = models.PositiveSmallIntegerField(_("降级保级期(月)"), default=0)

    # 3.2 Value segment
    profit_current_weight = models.DecimalField(_("当前价值权重(%)"), default=Decimal("60.00"), **PERCENT)
    profit_potential_weight = models.DecimalField(_("潜在价值权重(%)"), default=Decimal("40.00"), **PERCENT)
    profit_indicators = models.JSONField(_("盈利性指标"), default=default_profit_indicators)
    stability_indicators = models.JSONField(_("稳定性指标"), default=default_stability_indicators)
    profit_cutoff = models.DecimalField(_("盈利性分界P*"), default=Decimal("60.00"), **PERCENT)
    stability_cutoff = models.DecimalField(_("稳定性分界S*"), default=Decimal("60.00"), **PERCENT)
    dormant_enabled = models.BooleanField(_("启用睡眠户规则"), default=True)
    dormant_months = models.PositiveSmallIntegerField(_("睡眠户无交易月数"), default=6)
    dormant_balance = models.DecimalField(_("睡眠户账户余额上限"), default=Decimal("300.00"), **MONEY)
    inactive_card_enabled = models.BooleanField(_("启用低效银行卡规则"), default=True)
    card_min_uses = models.DecimalField(_("月均用卡次数下限"), max_digits=7, decimal_places=2, default=Decimal("2"))
    card_min_spend = models.DecimalField(_("月均消费额下限"), default=Decimal("80.00"), **MONEY)
    card_min_balance = models.DecimalField(_("唯一存款账户余额下限"), default=Decimal("100.00"), **MONEY)
    bad_credit_enabled = models.BooleanField(_("启用不良记录规则"), default=True)
    bad_credit_min = models.PositiveSmallIntegerField(_("不良记录次数阈值"), default=2)
    overdraft_enabled = models.BooleanField(_("启用恶意透支规则"), default=True)
    # Dormant and inactive-card fire only below it (domain.md §3.2 revised: an idle card never makes a rich
    # customer 负值); the risk rules fire whatever the wealth.
    low_value_aum_max = models.DecimalField(
        _("低价值规则适用上限(月日均金融资产)"), default=Decimal("50000.00"),
        help_text=_("睡眠户与低效银行卡规则只对月日均金融资产低于此值（分层维护准入，默认5万）的客户生效"), **MONEY)

    # 2 Completeness gate: a month closes only when its balance rows cover enough of the previous closed month's
    coverage_bank_min = models.DecimalField(_("完整性校验：全行账户覆盖率下限(%)"), default=Decimal("95.00"), **PERCENT)
    coverage_unit_min = models.DecimalField(_("完整性校验：机构账户覆盖率下限(%)"), default=Decimal("80.00"), **PERCENT)

    # 3.3 Maintenance bands
    entry_aum = models.DecimalField(_("准入：金融资产"), default=Decimal("50000.00"), **MONEY)
    entry_card_annual_spend = models.DecimalField(_("准入：信用卡年消费额"), default=Decimal("50000.00"), **MONEY)
    entry_loan = models.DecimalField(_("准入：个人贷款余额"), default=Decimal("300000.00"), **MONEY)
    entry_margin = models.DecimalField(_("准入：三方存管保证金"), default=Decimal("10000.00"), **MONEY)
    entry_gold_card = models.BooleanField(_("准入：金卡及以上客户"), default=True)
    band_adopted_min = models.DecimalField(_("领养下限"), default=Decimal("100000.00"), **MONEY)
    band_wealth_min = models.DecimalField(_("理财下限"), default=Decimal("200000.00"), **MONEY)
    band_wealth_centre_min = models.DecimalField(_("财富管理下限"), default=Decimal("2000000.00"), **MONEY)
    staff_band_max_age = models.PositiveSmallIntegerField(_("员工维护年龄上限(不含)"), default=60)

    # 3.4 Corporate size — credit customers by total assets
    assets_small_min = models.DecimalField(_("总资产：小型下限"), default=Decimal("0.1") * YI, **MONEY)
    assets_medium_min = models.DecimalField(_("总资产：中型下限"), default=Decimal("0.6") * YI, **MONEY)
    assets_large_min = models.DecimalField(_("总资产：大型下限"), default=6 * YI, **MONEY)
    assets_extra_large_min = models.DecimalField(_("总资产：特大型下限"), default=300 * YI, **MONEY)
    # non-credit customers by registered capital
    capital_small_min = models.DecimalField(_("注册资本：小型下限"), default=Decimal("0.05") * YI, **MONEY)
    capital_medium_min = models.DecimalField(_("注册资本：中型下限"), default=Decimal("0.1") * YI, **MONEY)
    capital_large_min = models.DecimalField(_("注册资本：大型下限"), default=1 * YI, **MONEY)
    capital_extra_large_min = models.DecimalField(_("注册资本：特大型下限"), default=50 * YI, **MONEY)
    # deposit classes
    class1_deposit_min = models.DecimalField(_("一类：存款下限"), default=2 * YI, **MONEY)
    class1_target_credit_min = models.DecimalField(_("一类：目标授信下限"), default=2 * YI, **MONEY)
    class2_deposit_min = models.DecimalField(_("二类：存款下限"), default=5000 * W, **MONEY)
    # corporate classes: monthly contribution and product breadth (both must be reached)
    strategic_min_contribution = models.DecimalField(_("战略基础：月贡献度下限"), default=Decimal("500000.00"), **MONEY)
    strategic_min_products = models.PositiveSmallIntegerField(_("战略基础：产品种类下限"), default=4)
    premium_min_contribution = models.DecimalField(_("优质基础：月贡献度下限"), default=Decimal("100000.00"), **MONEY)
    premium_min_products = models.PositiveSmallIntegerField(_("优质基础：产品种类下限"), default=3)
    effective_min_contribution = models.DecimalField(_("有效基础：月贡献度下限"), default=Decimal("10000.00"), **MONEY)
    effective_min_products = models.PositiveSmallIntegerField(_("有效基础：产品种类下限"), default=2)
    nurture_min_contribution = models.DecimalField(_("培育型：月贡献度下限"), default=Decimal("0.00"), **MONEY)
    nurture_min_products = models.PositiveSmallIntegerField(_("培育型：产品种类下限"), default=1)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("分层规则版本")
        verbose_name_plural = _("分层规则版本")
        indexes = [models.Index(fields=["state", "-effective_month"], name="ruleversion_state_month")]
        constraints = [
            models.CheckConstraint(condition=Q(effective_month__day=1), name="ruleversion_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}（{self.get_state_display()}，{self.effective_month:%Y-%m}起）"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


# Fields that are bookkeeping, not rules: never compared/copied as parameters.
RULE_META_FIELDS = {
    "id", "number", "state", "author", "change_note", "published_at", "published_by", "created_at", "updated_at",
}


def rule_parameter_fields() -> list[models.Field]:
    """The editable parameter fields of a rule version (everything but bookkeeping)."""
    return [f for f in RuleVersion._meta.concrete_fields if f.name not in RULE_META_FIELDS]


class RuleVersionChange(models.Model):
    """One field change of a rule version (who, when, field, from → to)."""

    version = models.ForeignKey(RuleVersion, verbose_name=_("规则版本"), on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    field = models.CharField(_("字段"), max_length=64)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("规则修改记录")
        verbose_name_plural = _("规则修改记录")

    def __str__(self) -> str:
        return f"v{self.version_id} {self.field}"


class MonthClose(TimeStampedModel):
    """The state of one month: closed months are immutable until an admin reopens them."""

    timings: dict[str, float]  # not a column: set by month_close on the row it returns ({step: seconds})

    class State(models.TextChoices):
        OPEN = "open", _("未结")
        CLOSED = "closed", _("已月结")

    month = models.DateField(_("月份"), unique=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name=_("适用规则版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("月结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("月结人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    customer_count = models.PositiveIntegerField(_("客户数"), default=0)
    # Set when an admin closed the month although it failed the completeness gate (segmentation.completeness).
    incomplete_reason = models.TextField(_("接受数据不完整的原因"), blank=True)
    coverage = models.JSONField(_("完整性校验结果"), default=dict, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月结")
        verbose_name_plural = _("月结")
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="monthclose_month_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}（{self.get_state_display()}）"


class MonthReopen(models.Model):
    """Log of an admin reopening a closed month."""

    month_close = models.ForeignKey(MonthClose, verbose_name=_("月结"), on_delete=models.CASCADE, related_name="reopens")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("重新打开时间"), auto_now_add=True)
    reason = models.TextField(_("原因"))

    class Meta:
        ordering = ["-reopened_at"]
        verbose_name = _("重新打开记录")
        verbose_name_plural = _("重新打开记录")

    def __str__(self) -> str:
        return f"{self.month_close} {self.reopened_at:%Y-%m-%d}"


class Assignment(MonthPartitioned):
    """One customer's tiers for one closed month, with everything needed to explain them."""

    # A monthly snapshot written only by the engine from a join on customers_customer: the foreign keys are
    # enforced by Django (on_delete) but carry no database constraint and no single-column index, because
    # at 1,000,000 rows a month the deferred RI checks and extra indexes cost more than the whole assignment
    # (docs/tier_rules.md, "Speed"). (customer, -month) and (month, customer) cover every lookup.
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="assignments",
                                 db_constraint=False, db_index=False)
    month = models.DateField(_("月份"))
    rule_version = models.ForeignKey(RuleVersion, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="+",
                                     db_constraint=False, db_index=False)
    # Snapshots at close time, so a closed month's report never changes after a handover.
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False, db_index=False)
    maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_constraint=False, db_index=False,
    )
    kind = models.CharField(_("客户类型"), max_length=16, choices=Customer.Kind.choices)
    aum_avg = models.DecimalField(_("月日均金融资产"), default=0, **MONEY)
    asset_metric_value = models.DecimalField(_("资产等级口径值"), default=0, **MONEY)
    raw_asset_tier = models.CharField(_("按口径应得等级"), max_length=16, choices=AssetTier.choices, blank=True)
    asset_tier = models.CharField(_("资产等级"), max_length=16, choices=AssetTier.choices, blank=True)
    grace_months_used = models.PositiveSmallIntegerField(_("已用保级月数"), default=0)
    value_segment = models.CharField(_("价值分群"), max_length=16, choices=ValueSegment.choices, blank=True)
    profit_score = models.DecimalField(_("盈利性得分"), null=True, blank=True, **PERCENT)
    stability_score = models.DecimalField(_("稳定性得分"), null=True, blank=True, **PERCENT)
    # Each indicator's value and points live in fixed columns val_<code> / pt_<code> (added below the class),
    # not in JSON: building a JSON document per customer was a third of the engine's time.
    negative_rule = models.CharField(_("触发负值规则"), max_length=24, blank=True)  # the first of negative_rules
    negative_rules = ArrayField(models.CharField(max_length=24), verbose_name=_("触发的全部负值规则"), default=list,
                               blank=True)
    maintenance_band = models.CharField(_("维护层级"), max_length=16, choices=MaintenanceBand.choices, blank=True)
    proposed_role = models.CharField(_("建议维护岗位"), max_length=16, blank=True)
    corporate_size = models.CharField(_("企业规模"), max_length=16, choices=CorporateSize.choices, blank=True)
    deposit_class = models.CharField(_("存款类别"), max_length=16, choices=DepositClass.choices, blank=True)
    corporate_class = models.CharField(_("客户分类"), max_length=16, choices=CorporateClass.choices, blank=True)
    # The version-independent inputs the rules were applied to (segmentation.engine.BASIS): the what-if
    # preview of a closed month re-runs the rules from these instead of re-reading 12 months of facts.
    # Empty on months closed before they were recorded (the preview then recomputes them from the facts).
    malicious_overdraft = models.BooleanField(_("恶意透支"), null=True, blank=True)
    registered_capital = models.DecimalField(_("注册资本"), null=True, blank=True, **MONEY)
    total_assets = models.DecimalField(_("总资产"), null=True, blank=True, **MONEY)
    credit_customer = models.BooleanField(_("信用客户"), null=True, blank=True)
    target_credit = models.DecimalField(_("目标授信"), null=True, blank=True, **MONEY)
    admin_level = models.CharField(_("行政级别"), max_length=16, blank=True, null=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    aum_end = models.DecimalField(_("月末金融资产"), null=True, blank=True, **MONEY)
    aum_avg3 = models.DecimalField(_("近3个月日均金融资产"), null=True, blank=True, **MONEY)
    deposit_avg = models.DecimalField(_("月日均存款"), null=True, blank=True, **MONEY)
    loan_end = models.DecimalField(_("月末贷款余额(绝对值)"), null=True, blank=True, **MONEY)
    margin_end = models.DecimalField(_("月末三方存管保证金"), null=True, blank=True, **MONEY)
    # card_balance / has_card: the inputs of the inactive-card rule up to rule 0010 (credit cards only); since,
    # holds_card and sole_deposit_balance (debit or credit card; the balance of the only deposit account).
    card_balance = models.DecimalField(_("信用卡账户余额"), null=True, blank=True, **MONEY)
    has_card = models.BooleanField(_("持有信用卡"), null=True, blank=True)
    holds_card = models.BooleanField(_("持有银行卡"), null=True, blank=True)
    sole_deposit_balance = models.DecimalField(_("唯一存款账户月末余额"), null=True, blank=True, **MONEY)
    max_balance = models.DecimalField(_("单账户最高余额"), null=True, blank=True, **MONEY)
    card_uses_3m = models.BigIntegerField(_("近3个月用卡次数合计"), null=True, blank=True)
    card_spend_3m = models.DecimalField(_("近3个月信用卡消费合计"), null=True, blank=True, **MONEY)
    facts_3m = models.PositiveSmallIntegerField(_("近3个月计入平均的月数"), null=True, blank=True)
    card_spend_12m = models.DecimalField(_("近12个月信用卡消费合计"), null=True, blank=True, **MONEY)
    last_activity = models.DateField(_("最后活动日"), null=True, blank=True)
    prev_rank = models.SmallIntegerField(_("上月资产等级序号"), null=True, blank=True)
    prev_grace = models.PositiveSmallIntegerField(_("上月已用保级月数"), null=True, blank=True)

    class Meta:
        ordering = ["month", "customer"]
        verbose_name = _("月度分层结果")
        verbose_name_plural = _("月度分层结果")
        # One key serves both lookups: a month's rows are a partition of their own, a customer's months are this
        # index scanned backwards (every index is rebuilt for each month's partition by the close).
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="assignment_customer_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"

    @property
    def indicators(self) -> dict[str, list] | None:
        """{code: [value, points]} for every known indicator (None for corporate customers)."""
        if self.kind and self.kind != Customer.Kind.INDIVIDUAL:
            return None
        result = {}
        for code, places in INDICATOR_PLACES.items():
            value, points = getattr(self, f"val_{code}"), getattr(self, f"pt_{code}")
            if value is not None:
                value = value.quantize(Decimal(1).scaleb(-places))
            result[code] = [value, points if points is not None else Decimal("0.00")]
        return result

    @property
    def first_negative_rule(self) -> str:
        """The rule a one-line view (report sheets, lists) shows: the first recorded, risk rules first."""
        return self.negative_rule

    @property
    def negative_evidence(self) -> list[tuple[str, object]]:
        """The first negative rule's evidence (see ``negative_explanations`` for every rule that fired)."""
        return self.rule_evidence(self.negative_rule)

    @property
    def negative_explanations(self) -> list[dict]:
        """Every negative rule that fired, in order, each with its label and labelled evidence."""
        codes = list(self.negative_rules or ([self.negative_rule] if self.negative_rule else []))
        labels = dict(NegativeRule.choices)
        return [{"code": code, "label": labels.get(code, code), "evidence": self.rule_evidence(code)}
                for code in codes]

    def rule_evidence(self, code: str) -> list[tuple[str, object]]:
        """The recorded inputs negative rule ``code`` read, labelled (empty if none were recorded).

        Read from the rule basis columns rather than stored again as a document per customer. Months closed
        before rule 0010 recorded the credit card's balance (card_balance) instead of the only deposit account's.
        """
        months = max(self.facts_3m or 0, 1)
        deposit = ((_("唯一存款账户月末余额"), self.sole_deposit_balance) if self.holds_card is not None
                   else (_("信用卡账户余额"), self.card_balance))
        low_value = [(_("月日均金融资产"), self.aum_avg)]
        evidence = {
            "dormant": [(_("最后交易日"), self.last_activity), (_("单账户最高余额"), self.max_balance), *low_value],
            "inactive_card": [
                (_("近3个月月均用卡次数"), None if self.card_uses_3m is None
                 else (Decimal(self.card_uses_3m) / months).quantize(CENT, rounding=ROUND_HALF_UP)),
                (_("近3个月月均消费额"), None if self.card_spend_3m is None
                 else (self.card_spend_3m / months).quantize(CENT, rounding=ROUND_HALF_UP)),
                deposit, *low_value,
            ],
            "bad_credit": [(_("不良记录次数"), None if self.val_bad_credit_count is None
                            else int(self.val_bad_credit_count))],
            "malicious_overdraft": [(_("恶意透支"), _("是") if self.malicious_overdraft else None)],
        }.get(code, [])
        return [(label, format_amount(value) if isinstance(value, Decimal) else value)
                for label, value in evidence if value is not None]


# The allow-list of indicator codes (segmentation.engine.INDICATORS has the SQL) and the decimal places of
# each value as shown; every code has a value column and a points column on Assignment.
INDICATOR_PLACES = {
    "contribution": 2, "fee_income": 2, "product_count": 0, "aum_growth_3m": 2, "products_not_held": 0,
    "income_band": 0, "credit_rating": 0, "tenure_months": 0, "active_days": 0, "product_breadth": 0,
    "aum_volatility_6m": 4, "bad_credit_count": 0,
}
for _code in INDICATOR_PLACES:
    Assignment.add_to_class(
        f"val_{_code}", models.DecimalField(format_lazy("{}{}", _("指标值："), _code), max_digits=22, decimal_places=4,
                                            null=True, blank=True))
    Assignment.add_to_class(
        f"pt_{_code}", models.DecimalField(format_lazy("{}{}", _("指标得分："), _code), null=True, blank=True, **PERCENT))


class TierChange(MonthPartitioned):
    """A tier, segment or band change of one customer against the previous month."""

    class Field(models.TextChoices):
        ASSET_TIER = "asset_tier", _("资产等级")
        VALUE_SEGMENT = "value_segment", _("价值分群")
        MAINTENANCE_BAND = "maintenance_band", _("维护层级")

    class Direction(models.TextChoices):
        UP = "up", _("升级")
        DOWN = "down", _("降级")

    # No database constraint / single-column index: see Assignment.customer.
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="tier_changes",
                                 db_constraint=False, db_index=False)
    month = models.DateField(_("月份"))
    field = models.CharField(_("变动项"), max_length=20, choices=Field.choices)
    from_value = models.CharField(_("变动前"), max_length=16, blank=True)
    to_value = models.CharField(_("变动后"), max_length=16, blank=True)
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)

    class Meta:
        ordering = ["month", "customer", "field"]
        verbose_name = _("等级变动")
        verbose_name_plural = _("等级变动")
        constraints = [models.UniqueConstraint(fields=["customer", "month", "field"], name="tierchange_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.field} {self.from_value}→{self.to_value}"


class RollingHistory(models.Model):
    """Each customer's running sums over the trailing 3-, 6- and 12-month windows of facts at a month.

    Written only by the close (segmentation.engine.history_build): a month's rows come from the previous
    month's by adding the month's facts and subtracting the facts that leave each window, instead of
    re-aggregating 12 months of facts. The table is partitioned by month like the assignments.
    """

    pk = models.CompositePrimaryKey("customer", "month")
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    month = models.DateField(_("月份"))
    # n3 / n6: the months the window averages divide by, from the relationship's first month (engine.WINDOW_MONTHS)
    n3 = models.PositiveSmallIntegerField(_("近3个月计入平均的月数"))
    uses_sum3 = models.BigIntegerField(_("近3个月用卡次数合计"))
    spend_sum3 = models.DecimalField(_("近3个月信用卡消费合计"), max_digits=20, decimal_places=2)
    aum_sum3 = models.DecimalField(_("近3个月日均金融资产合计"), max_digits=20, decimal_places=2)
    aum_avg_m3 = models.DecimalField(_("3个月前的月日均金融资产"), null=True, blank=True, **MONEY)
    n6 = models.PositiveSmallIntegerField(_("近6个月计入平均的月数"))
    aum_sum6 = models.DecimalField(_("近6个月日均金融资产合计"), max_digits=20, decimal_places=2)
    aum_sumsq6 = models.DecimalField(_("近6个月日均金融资产平方和"), max_digits=40, decimal_places=4)
    card_spend12 = models.DecimalField(_("近12个月信用卡消费合计"), max_digits=20, decimal_places=2)
    last_txn = models.DateField(_("最后交易日"), null=True, blank=True)
    first_month = models.DateField(_("首个有数据的月份"), null=True, blank=True)

    class Meta:
        verbose_name = _("滚动历史")
        verbose_name_plural = _("滚动历史")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"
