"""服务任务: one row per service task due in the month, under a summary per task type."""

from __future__ import annotations

from django.utils import timezone

from service_tiers.models import ServiceTask

from ..package_scope import scoped_tasks
from ..staff_names import staff_name
from .base import Column, SheetExporter, Table, register
from .summary import fraction
from .tier_detail import labels


@register
class ServiceTasks(SheetExporter):
    identifier = "service_tasks"
    verbose_name = "服务任务"

    def summaries(self) -> list[Table]:
        tasks = self.dataset.tasks
        by_kind = [Column("任务类型", 16), Column("任务数", 10, "count"), Column("已完成", 10, "count"),
                   Column("完成率", 10, "percent")]
        rows = [[label, total, done, done / total if total else None] for _code, label, total, done in tasks.by_kind]
        rows.append(["合计", tasks.total - tasks.cancelled, tasks.done, fraction(tasks.completion)])
        rows += [["其中待办", tasks.open], ["其中逾期", tasks.overdue], ["已取消", tasks.cancelled]]
        return [Table("任务完成情况（任务数不含已取消）", by_kind, rows)]

    def table(self) -> Table:
        columns = [Column("客户号", 16), Column("客户名称", 14), Column("任务类型", 14), Column("负责人", 10),
                   Column("到期日", 12, "date"), Column("状态", 8), Column("完成时间", 18), Column("所属机构", 14),
                   Column("标题", 30)]
        return Table(self.verbose_name, columns, self._rows())

    def _rows(self):
        kinds, statuses = labels(ServiceTask.Kind.choices), labels(ServiceTask.Status.choices)
        qs = scoped_tasks(self.context).annotate(assignee_name=staff_name("assignee__")).order_by(
            "due_date", "customer__customer_no", "id").values_list(
            "customer__customer_no", "customer__name", "kind", "assignee_name", "due_date", "status", "completed_at",
            "org_unit__name", "title")
        for no, name, kind, who, due, status, done_at, org, title in qs.iterator(chunk_size=5000):
            yield [no, name, kinds.get(kind, kind), who, due, statuses.get(status, status),
                   f"{timezone.localtime(done_at):%Y-%m-%d %H:%M}" if done_at else "", org, title]
