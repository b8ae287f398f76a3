"""分层汇总, 迁移矩阵, 客户经理业绩: the package's aggregates (PackageFigures) laid out as sheets."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from segmentation.models import Assignment, TierChange

from .base import Column, SheetExporter, Table, register
from .tier_detail import labels

DISTRIBUTION_COLUMNS = [Column("分类", 14), Column("客户数", 12, "count"), Column("占比", 10, "percent"),
                        Column("月日均金融资产", 20, "money")]


def _share(part: int, whole: int):
    return round(part / whole, 6) if whole else None


def distribution_table(dist, *, with_aum: bool = True) -> Table:
    total = dist.total_count
    columns = DISTRIBUTION_COLUMNS if with_aum else DISTRIBUTION_COLUMNS[:3]
    rows = [[label, n, _share(n, total), aum][: len(columns)] for label, n, aum in dist.rows]
    rows.append(["合计", total, _share(total, total), dist.total_aum][: len(columns)])
    return Table(dist.title, columns, rows)


@register
class TierSummary(SheetExporter):
    identifier = "tier_summary"
    verbose_name = "分层汇总"

    def summaries(self) -> list[Table]:
        tables = [distribution_table(d) for d in self.figures.distributions]
        return tables + [distribution_table(d, with_aum=False) for d in self.figures.corporate]

    def table(self) -> Table:
        columns = [Column("资产等级", 14), Column("价值分群", 12), Column("客户数", 12, "count"),
                   Column("月日均金融资产", 20, "money")]
        return Table("资产等级 × 价值分群", columns, [list(r) for r in self.figures.cross])


@register
class MigrationMatrix(SheetExporter):
    identifier = "migration_matrix"
    verbose_name = "迁移矩阵"

    def summaries(self) -> list[Table]:
        tables = []
        for matrix in self.figures.matrices:
            columns = [Column("上月 \\ 本月", 14)] + [Column(label, 12, "count") for label in matrix.labels] + [
                Column("合计", 12, "count")]
            rows = []
            for before in matrix.row_labels:
                counts = [matrix.count(before, after) for after in matrix.labels]
                rows.append([before, *counts, sum(counts)])
            totals = [sum(matrix.count(b, a) for b in matrix.row_labels) for a in matrix.labels]
            rows.append(["合计", *totals, sum(totals)])
            rows.append(["升级", matrix.up])
            rows.append(["降级", matrix.down])
            tables.append(Table(matrix.title, columns, rows))
        return tables

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("姓名", 12), Column("所属机构", 14), Column("变动项", 12),
                   Column("变动前", 10), Column("变动后", 10), Column("方向", 8)]
        return Table("升降级客户名单", columns, self._rows())

    def _rows(self):
        fields, directions = labels(TierChange.Field.choices), labels(TierChange.Direction.choices)
        vocab = {}
        for field_name in fields:
            vocab[field_name] = dict(labels(Assignment._meta.get_field(field_name).choices))
        this_month = Assignment.objects.filter(month=self.context.month, customer_id=OuterRef("customer_id"))
        qs = TierChange.objects.filter(month=self.context.month).annotate(
            org_name=Subquery(this_month.values("org_unit__name")[:1]),
            org_path=Subquery(this_month.values("org_unit__path")[:1]),
        )
        if self.context.org is not None:
            qs = qs.filter(org_path__startswith=self.context.org_path)
        qs = qs.order_by("customer__customer_no", "field").values_list(
            "customer__customer_no", "customer__name", "org_name", "field", "from_value", "to_value", "direction")
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
                   Column("钻石", 8, "count"), Column("白金", 8, "count"), Column("金卡", 8, "count"),
                   Column("普通", 8, "count"), Column("贵宾", 8, "count"), Column("本月任务", 10, "count"),
                   Column("已完成", 10, "count"), Column("逾期", 8, "count"), Column("完成率", 10, "percent")]
        rows = [[r["name"], r["customers"], r["aum"], r["n_diamond"], r["n_platinum"], r["n_gold"], r["n_regular"],
                 r["vip"], r["tasks"], r["tasks_done"], r["tasks_overdue"],
                 float(r["completion"]) if r["completion"] is not None else None] for r in self.figures.rms]
        return Table(self.verbose_name, columns, rows)

