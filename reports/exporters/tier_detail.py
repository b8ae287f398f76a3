"""客户等级明细 and 对公客户分层明细: one row per customer of the month, from the month's assignments."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from customers.tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment
from segmentation.engine import NEGATIVE_RULES
from segmentation.models import Assignment

from .base import SheetExporter, register


def month_assignments(context, *, individual: bool):
    """The month's assignments in scope (org subtree snapshot taken at close), ordered by customer number."""
    qs = Assignment.objects.filter(month=context.month)
    qs = qs.filter(kind="individual") if individual else qs.exclude(kind="individual")
    if context.org is not None:
        qs = qs.filter(org_unit__path__startswith=context.org_path)
    return qs.annotate(
        maintainer_name=Coalesce(
            NullIf(Trim(Concat(F("maintainer__last_name"), F("maintainer__first_name"))), Value("")),
            F("maintainer__username"), Value(""),
        ),
    ).order_by("customer__customer_no")


def labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


@register
class CustomerTierDetail(SheetExporter):
    identifier = "customer_tier_detail"
    verbose_name = "客户等级明细"
    column_widths = [16, 12, 16, 10, 18, 10, 10, 10, 10, 10, 14, 10]

    def rows(self) -> Iterator[list]:
        tiers, segments, bands = labels(AssetTier.choices), labels(ValueSegment.choices), labels(MaintenanceBand.choices)
        yield ["客户号", "姓名", "所属机构", "维护人", "月日均金融资产", "资产等级", "价值分群", "维护层级",
               "盈利性得分", "稳定性得分", "触发负值规则", "规则版本"]
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
    column_widths = [16, 24, 10, 10, 12, 16, 10]

    def rows(self) -> Iterator[list]:
        sizes, classes, kinds = labels(CorporateSize.choices), labels(DepositClass.choices), labels(CorporateClass.choices)
        yield ["客户号", "名称", "企业规模", "存款类别", "客户分类", "所属机构", "维护人"]
        qs = month_assignments(self.context, individual=False).values_list(
            "customer__customer_no", "customer__name", "corporate_size", "deposit_class", "corporate_class",
            "org_unit__name", "maintainer_name",
        )
        for no, name, size, klass, kind, org, maint in qs.iterator(chunk_size=5000):
            yield [no, name, sizes.get(size, ""), classes.get(klass, ""), kinds.get(kind, ""), org, maint]
