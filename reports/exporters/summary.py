"""分层汇总, 迁移矩阵, 客户经理业绩: the report dataset (reports.dataset) laid out as sheets."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from segmentation.models import Assignment, TierChange

from ..package_scope import scoped_assignments
from .base import Column, SheetExporter, Table, register
from .tier_detail import labels


def fraction(percent: Decimal | None) -> float | None:
    """The dataset's percent (25.0) as the fraction Excel's 0.0% format shows (0.25)."""
    return None if percent is None else float(percent) / 100


def distribution_sections(dataset) -> list[tuple[str, list]]:
    """(dimension, rows) of every distribution the package prints, individuals first."""
    return [("资产等级", dataset.asset_tiers), ("价值分群", dataset.value_segments), ("维护层级", dataset.bands),
            ("企业规模", dataset.corporate_sizes), ("存款类别", dataset.deposit_classes),
            ("客户分类", dataset.corporate_classes)]


@register
class TierSummary(SheetExporter):
    identifier = "tier_summary"
    verbose_name = "分层汇总"

    def table(self) -> Table:
        """Every distribution in one long table: filter 维度 to read one of them; each ends with its 合计."""
        columns = [Column("维度", 10), Column("分类", 14), Column("客户数", 12, "count"), Column("占比", 10, "percent"),
                   Column("月日均金融资产", 22, "money")]
        rows = []
        for dimension, distribution in distribution_sections(self.dataset):
            for row in distribution:
                rows.append([dimension, row.label, row.count, fraction(row.share), row.aum])
            rows.append([dimension, "合计", sum(r.count for r in distribution), 1.0 if distribution else None,
                         sum((r.aum for r in distribution), Decimal("0.00"))])
        return Table(self.verbose_name, columns, rows)


@register
class MigrationMatrix(SheetExporter):
    identifier = "migration_matrix"
    verbose_name = "迁移矩阵"

    def summaries(self) -> list[Table]:
        tables = []
        for name, title in (("asset_tier", "资产等级迁移矩阵"), ("value_segment", "价值分群迁移矩阵")):
            matrix = self.dataset.migrations[name]
            columns = [Column("上月 \\ 本月", 14), *[Column(label, 12, "count") for _c, label in matrix.columns],
                       Column("合计", 12, "count")]
            rows = [[label, *[cell.count for cell in cells], total] for _code, label, cells, total in matrix.table]
            rows.append(["合计", *[matrix.column_totals[code] for code, _l in matrix.columns],
                         sum(matrix.column_totals.values())])
            rows += [["升级", matrix.upgrades], ["降级", matrix.downgrades], ["新增", matrix.new]]
            tables.append(Table(title, columns, rows))
        return tables

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("姓名", 12), Column("所属机构", 14), Column("变动项", 12),
                   Column("变动前", 10), Column("变动后", 10), Column("方向", 8)]
        return Table("升降级客户名单", columns, self._rows())

    def _rows(self):
        fields, directions = labels(TierChange.Field.choices), labels(TierChange.Direction.choices)
        vocab = {name: labels(Assignment._meta.get_field(name).choices) for name in fields}
        # The customer's unit at this month's close decides the scope, as on every other sheet.
        this_month = scoped_assignments(self.context).filter(customer_id=OuterRef("customer_id"))
        qs = (TierChange.objects.filter(month=self.context.month)
              .annotate(org_name=Subquery(this_month.values("org_unit__name")[:1]))
              .filter(org_name__isnull=False)
              .order_by("customer__customer_no", "field")
              .values_list("customer__customer_no", "customer__name", "org_name", "field", "from_value", "to_value",
                           "direction"))
        for no, name, org, field_name, before, after, direction in qs.iterator(chunk_size=5000):
            names = vocab.get(field_name, {})
            yield [no, name, org, fields.get(field_name, field_name), names.get(before, before),
                   names.get(after, after), directions.get(direction, direction)]


@register
class RelationshipManagerPerformance(SheetExporter):
    identifier = "rm_performance"
    verbose_name = "客户经理业绩"

    def table(self) -> Table:
        columns = [Column("维护人", 14), Column("客户数", 10, "count"), Column("月日均金融资产", 20, "money"),
                   Column("客户数较上月", 12, "count"), Column("金融资产较上月", 18, "money"),
                   Column("钻石", 8, "count"), Column("白金", 8, "count"), Column("金卡", 8, "count"),
                   Column("普通", 8, "count"), Column("归属业绩客户数", 14, "count"),
                   Column("归属业绩金融资产", 20, "money"), Column("本月任务", 10, "count"), Column("已完成", 10, "count"),
                   Column("逾期", 8, "count"), Column("任务完成率", 10, "percent"), Column("维护达标率", 10, "percent")]
        rows = [[r.name, r.customers, r.aum, r.customers_change, r.aum_change, r.by_tier["diamond"][0],
                 r.by_tier["platinum"][0], r.by_tier["gold"][0], r.by_tier["regular"][0], r.credited_customers,
                 r.credited_aum, r.tasks_total, r.tasks_done, r.tasks_overdue, fraction(r.task_completion),
                 fraction(r.compliance)] for r in self.dataset.league]
        return Table(self.verbose_name, columns, rows)
