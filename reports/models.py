"""Monthly aggregates the dashboards and the report package read (written by the month close).

Each table is a month's snapshot grouped by the org unit and maintainer the customer had *at the close*
(segmentation.Assignment's snapshot columns), so a closed month's dashboard never changes after a handover
and never scans customers or balances at request time. Rows are replaced whole by each (re-)close of the
month (reports.aggregates).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OrgUnit
from customers.models import Customer
from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment

MONEY_SUM = {"max_digits": 20, "decimal_places": 2}


class TierAggregate(models.Model):
    """Customers and 月日均 AUM of one month × unit × maintainer × credited maintainer × tier combination.

    ``credit_maintainer`` is the origin maintainer (初始维护人) when the customer has one, else the maintainer:
    the RM league table credits upgraded customers' business to whoever first maintained them.
    ``contacted_count``: customers with at least one contact log dated in the month (maintenance compliance).
    """

    month = models.DateField(_("月份"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属机构"), on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    maintainer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True,
                                   on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                   db_index=False)
    credit_maintainer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("业绩归属人"), null=True,
                                          blank=True, on_delete=models.DO_NOTHING, related_name="+",
                                          db_constraint=False, db_index=False)
    kind = models.CharField(_("客户类型"), max_length=16, choices=Customer.Kind.choices)
    asset_tier = models.CharField(_("资产等级"), max_length=16, choices=AssetTier.choices, blank=True)
    value_segment = models.CharField(_("价值分群"), max_length=16, choices=ValueSegment.choices, blank=True)
    maintenance_band = models.CharField(_("维护层级"), max_length=16, choices=MaintenanceBand.choices, blank=True)
    corporate_size = models.CharField(_("企业规模"), max_length=16, choices=CorporateSize.choices, blank=True)
    deposit_class = models.CharField(_("存款类别"), max_length=16, choices=DepositClass.choices, blank=True)
    corporate_class = models.CharField(_("客户分类"), max_length=16, choices=CorporateClass.choices, blank=True)
    customer_count = models.IntegerField(_("客户数"))
    aum_sum = models.DecimalField(_("月日均金融资产合计"), **MONEY_SUM)
    contacted_count = models.IntegerField(_("当月已联系客户数"), default=0)

    class Meta:
        ordering = ["month", "org_unit", "maintainer"]
        verbose_name = _("月度分层汇总")
        verbose_name_plural = _("月度分层汇总")
        indexes = [
            models.Index(fields=["month", "org_unit"], name="tieragg_month_org"),
            models.Index(fields=["maintainer", "month"], name="tieragg_maintainer_month"),
            models.Index(fields=["credit_maintainer", "month"], name="tieragg_credit_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.org_unit_id} {self.maintainer_id} {self.customer_count}"


class MigrationAggregate(models.Model):
    """Customers moving from one asset tier / value segment (previous month) to another (this month).

    ``from_value`` is empty for customers without an assignment the previous month (new); unchanged
    customers are counted too (the matrix's diagonal).
    """

    class Field(models.TextChoices):
        ASSET_TIER = "asset_tier", _("资产等级")
        VALUE_SEGMENT = "value_segment", _("价值分群")

    month = models.DateField(_("月份"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属机构"), on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    maintainer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True,
                                   on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                   db_index=False)
    field = models.CharField(_("变动项"), max_length=16, choices=Field.choices)
    from_value = models.CharField(_("上月"), max_length=16, blank=True)
    to_value = models.CharField(_("本月"), max_length=16, blank=True)
    customer_count = models.IntegerField(_("客户数"))
    aum_sum = models.DecimalField(_("月日均金融资产合计"), **MONEY_SUM)

    class Meta:
        ordering = ["month", "field", "from_value", "to_value"]
        verbose_name = _("月度迁移汇总")
        verbose_name_plural = _("月度迁移汇总")
        indexes = [
            models.Index(fields=["month", "org_unit"], name="migagg_month_org"),
            models.Index(fields=["maintainer", "month"], name="migagg_maintainer_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.field} {self.from_value}→{self.to_value} {self.customer_count}"


class ScoreAggregate(models.Model):
    """Individual customers per profitability × stability score decile (0 = [0, 10) … 9 = [90, 100])."""

    month = models.DateField(_("月份"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属机构"), on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    maintainer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("维护人"), null=True, blank=True,
                                   on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                   db_index=False)
    profit_decile = models.SmallIntegerField(_("盈利性分段"))
    stability_decile = models.SmallIntegerField(_("稳定性分段"))
    customer_count = models.IntegerField(_("客户数"))

    class Meta:
        ordering = ["month", "profit_decile", "stability_decile"]
        verbose_name = _("月度得分分布")
        verbose_name_plural = _("月度得分分布")
        indexes = [
            models.Index(fields=["month", "org_unit"], name="scoreagg_month_org"),
            models.Index(fields=["maintainer", "month"], name="scoreagg_maintainer_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} P{self.profit_decile} S{self.stability_decile} {self.customer_count}"

# ── The report package archive (branch s14b) ─────────────────────────────────────────────────────────────


class ReportArchive(models.Model):
    """One generated report file, kept under MEDIA_ROOT: downloading it again gives the identical bytes."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        PDF = "pdf", _("PDF")

    class Source(models.TextChoices):
        PAGE = "page", _("报表页面")
        CLOSE = "close", _("月结自动生成")
        COMMAND = "command", _("命令行")

    month = models.DateField(_("月份"))
    # None: the whole bank.
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    format = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("生成时间"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.PAGE)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小(字节)"))
    file_path = models.CharField(_("文件路径"), max_length=300, help_text=_("相对于 MEDIA_ROOT"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报表归档")
        verbose_name_plural = _("报表归档")
        indexes = [models.Index(fields=["month", "org_unit", "format"], name="reportarchive_month_scope")]
        constraints = [models.CheckConstraint(condition=models.Q(month__day=1), name="reportarchive_month_first_day")]

    def __str__(self) -> str:
        scope = self.org_unit.name if self.org_unit_id else "全行"
        return f"{self.month:%Y-%m} {scope} {self.format}"

    @property
    def download_name(self) -> str:
        scope = self.org_unit.code if self.org_unit_id else "全行"
        return f"客户分层月报_{self.month:%Y-%m}_{scope}.{self.format}"
