"""客户等级明细 and 对公客户分层明细: one row per customer of the month, from the month's assignments."""

from __future__ import annotations

from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment
from segmentation.engine import NEGATIVE_RULES

from ..package_scope import scoped_assignments
from ..staff_names import staff_name
from .base import Column, SheetExporter, Table, register


def month_assignments(context, *, individual: bool | None = True):
    """The month's assignments in scope (org subtree snapshot taken at close), ordered by customer number.

    ``individual=None`` keeps both kinds.
    """
    qs = scoped_assignments(context)
    if individual is True:
        qs = qs.filter(kind="individual")
    elif individual is False:
        qs = qs.exclude(kind="individual")
    return qs.annotate(maintainer_name=staff_name("maintainer__")).order_by("customer__customer_no")


def labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


@register
class CustomerTierDetail(SheetExporter):
    identifier = "customer_tier_detail"
    verbose_name = "客户等级明细"

    def table(self) -> Table:
        columns = [
            Column("客户号", 16), Column("姓名", 12), Column("所属机构", 16), Column("维护人", 10),
            Column("月日均金融资产", 18, "money"), Column("资产等级", 10), Column("价值分群", 10),
            Column("维护层级", 10), Column("盈利性得分", 10, "score"), Column("稳定性得分", 10, "score"),
            Column("触发负值规则", 14), Column("规则版本", 10),
        ]
        return Table(self.verbose_name, columns, self._rows())

    def _rows(self):
        tiers, segments, bands = labels(AssetTier.choices), labels(ValueSegment.choices), labels(MaintenanceBand.choices)
        qs = month_assignments(self.context, individual=True).values_list(
            "customer__customer_no", "customer__name", "org_unit__name", "maintainer_name", "aum_avg", "asset_tier",
            "value_segment", "maintenance_band", "profit_score", "stability_score", "negative_rule",
            "rule_version__number",
        )
        for no, name, org, maint, aum, tier, seg, band, p, s, neg, version in qs.iterator(chunk_size=5000):
            yield [no, name, org, maint, aum, tiers.get(tier, ""), segments.get(seg, ""), bands.get(band, ""),
                   p, s, str(NEGATIVE_RULES.get(neg, "")), f"v{version}"]


@register
class CorporateTierDetail(SheetExporter):
    identifier = "corporate_tier_detail"
    verbose_name = "对公客户分层明细"

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("名称", 24), Column("企业规模", 10), Column("存款类别", 10),
                   Column("客户分类", 12), Column("所属机构", 16), Column("维护人", 10)]
        return Table(self.verbose_name, columns, self._rows())

    def _rows(self):
        sizes, classes, kinds = labels(CorporateSize.choices), labels(DepositClass.choices), labels(CorporateClass.choices)
        qs = month_assignments(self.context, individual=False).values_list(
            "customer__customer_no", "customer__name", "corporate_size", "deposit_class", "corporate_class",
            "org_unit__name", "maintainer_name",
        )
        for no, name, size, klass, kind, org, maint in qs.iterator(chunk_size=5000):
            yield [no, name, sizes.get(size, ""), classes.get(klass, ""), kinds.get(kind, ""), org, maint]
