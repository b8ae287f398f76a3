"""负值客户清单 and 潜力客户名单: the month's negative customers (with the rule that made them so) and the
potential customers for marketing, each one row per customer."""

from __future__ import annotations

from django.db.models import F

from customers.masking import mask_mobile
from customers.tiers import AssetTier, MaintenanceBand, ValueSegment
from segmentation.engine import NEGATIVE_RULES

from .base import Column, SheetExporter, Table, register
from .tier_detail import labels, month_assignments


def first_negative_rule(value) -> str:
    """The rule to show: the first one recorded (risk rules come first), '' when the scores made it negative.

    Accepts one code, a comma-separated list or a list of codes (all the rules fired).
    """
    if not value:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    code = str(value).split(",")[0].strip()
    return str(NEGATIVE_RULES.get(code, code))


@register
class NegativeCustomers(SheetExporter):
    identifier = "negative_customers"
    verbose_name = "负值客户清单"

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("姓名", 12), Column("所属机构", 16), Column("维护人", 10),
                   Column("触发规则", 18), Column("月日均金融资产", 18, "money"), Column("资产等级", 10),
                   Column("盈利性得分", 10, "score"), Column("稳定性得分", 10, "score"), Column("最后活动日", 12, "date")]
        return Table(self.verbose_name, columns, self._rows())

    def _rows(self):
        tiers = labels(AssetTier.choices)
        qs = month_assignments(self.context, individual=True).filter(value_segment=ValueSegment.NEGATIVE).values_list(
            "customer__customer_no", "customer__name", "org_unit__name", "maintainer_name", "negative_rule",
            "aum_avg", "asset_tier", "profit_score", "stability_score", "last_activity")
        for no, name, org, maint, rule, aum, tier, p, s, last in qs.iterator(chunk_size=5000):
            yield [no, name, org, maint, first_negative_rule(rule), aum, tiers.get(tier, ""), p, s, last]


@register
class PotentialCustomers(SheetExporter):
    identifier = "potential_customers"
    verbose_name = "潜力客户名单"

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("姓名", 12), Column("手机号", 14), Column("所属机构", 16),
                   Column("维护人", 10), Column("月日均金融资产", 18, "money"), Column("资产等级", 10),
                   Column("维护层级", 10), Column("盈利性得分", 10, "score"), Column("稳定性得分", 10, "score")]
        return Table(self.verbose_name, columns, self._rows())

    def _rows(self):
        tiers, bands = labels(AssetTier.choices), labels(MaintenanceBand.choices)
        # Marketing works the list from the most profitable down; customer number breaks ties (stable files).
        qs = month_assignments(self.context, individual=True).filter(value_segment=ValueSegment.POTENTIAL).order_by(
            F("profit_score").desc(nulls_last=True), "customer__customer_no").values_list(
            "customer__customer_no", "customer__name", "customer__mobile", "org_unit__name", "maintainer_name",
            "aum_avg", "asset_tier", "maintenance_band", "profit_score", "stability_score")
        for no, name, mobile, org, maint, aum, tier, band, p, s in qs.iterator(chunk_size=5000):
            # Masked as on the customer list: the full number only through the audited reveal on the 360 page.
            yield [no, name, mask_mobile(mobile), org, maint, aum, tiers.get(tier, ""), bands.get(band, ""), p, s]
