"""Service tasks: the work each tier's service standard asks of its maintainers (domain.md section 4).

The task model is the contract the reports read (服务任务 sheet, task completion per RM); the service
standards, holiday calendar, call scripts and the generator build on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import OrgUnit, TimeStampedModel
from customers.tiers import AssetTier, DepositClass, MaintenanceBand, ValueSegment


class ServiceTask(TimeStampedModel):
    class Kind(models.TextChoices):
        PERIODIC_CONTACT = "periodic_contact", _("定期联系")
        BIRTHDAY = "birthday", _("生日问候")
        HOLIDAY = "holiday", _("节日关怀")
        WELCOME = "welcome", _("升级欢迎")
        RETENTION = "retention", _("降级挽留")
        DORMANT = "dormant", _("睡眠户激活")
        CARD_ACTIVATION = "card_activation", _("信用卡未激活")
        HANDOVER = "handover", _("交接回访")
        CORPORATE_VISIT = "corporate_visit", _("对公拜访")
        RECONTACT = "recontact", _("失联客户重新联系")
        NEW_CUSTOMER = "new_customer", _("新客户欢迎")
        FOLLOW_UP = "follow_up", _("跟进")

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    # No single-column indexes on the foreign keys: the unique key leads with the customer and the list
    # indexes with the assignee and the unit; three more indexes would slow the generator's million-row days.
    # No database foreign-key constraints either (like the monthly balances and assignments): the generator
    # writes rows only from joins on the customers, units and users, and a million rows' deferred checks
    # cost over a minute at commit. Django still cascades and protects on delete.
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="service_tasks",
                                 verbose_name=_("客户"), db_index=False, db_constraint=False)
    # The unit the task belongs to (the customer's unit when it was created): branch heads' task lists and
    # the reports' scope filter on it without joining the customers.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属机构"),
                                 db_index=False, db_constraint=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_tasks",
                                 verbose_name=_("负责人"), db_index=False, db_constraint=False)
    kind = models.CharField(_("任务类型"), max_length=24, choices=Kind.choices)
    due_date = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # What makes a generated task unique, so a second run of the generator for the same day creates nothing:
    # e.g. "birthday:2026", "holiday:2026-spring", "close:2026-10", "periodic:2026-11".
    dedupe_key = models.CharField(_("去重键"), max_length=64)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    script = models.TextField(_("话术"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=200, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, blank=True)
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("服务任务")
        verbose_name_plural = _("服务任务")
        permissions = [("view_compliance", _("查看服务合规（跟进率、未登录员工、对公拜访、管户数）"))]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "dedupe_key"], name="servicetask_unique_dedupe"),
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False) | ~Q(status="done"),
                name="servicetask_done_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="servicetask_assignee_due"),
            models.Index(fields=["org_unit", "status", "due_date"], name="servicetask_org_due"),
            models.Index(fields=["due_date"], name="servicetask_due"),
            # The dashboard's "overdue by assignee" alert counts every open task due before today in a unit
            # subtree: an index-only scan of open tasks (a day's generation leaves ~400,000 of them overdue in a
            # branch of the 1M benchmark bank: 139 ms by the index above and the heap, 54 ms this way).
            models.Index(fields=["org_unit", "due_date"], include=["assignee"], condition=Q(status="open"),
                         name="servicetask_open_org_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id} · {self.due_date}"


# --- Service standards (versioned like the rule versions: draft → published, read-only once published) -------


class StandardVersion(TimeStampedModel):
    """One published set of service standards: per-segment/band items, entitlements, visit frequencies,
    task switches and lead times, and the compliance parameters. The generator uses the latest published
    version whose effective month is on or before the day it runs for."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    effective_month = models.DateField(_("生效月份"), help_text=_("该月第一天；自该月起适用"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("作者"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    change_note = models.TextField(_("变更说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # Compliance parameters (domain.md §4; issue 13).
    book_size_min = models.PositiveIntegerField(_("客户经理管户数下限"), default=500)
    book_size_max = models.PositiveIntegerField(_("客户经理管户数上限"), default=800)
    idle_login_days = models.PositiveSmallIntegerField(_("未登录提醒天数"), default=14)
    recontact_days = models.PositiveSmallIntegerField(_("失联天数（无交往记录）"), default=90)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("服务标准版本")
        verbose_name_plural = _("服务标准版本")
        constraints = [
            models.CheckConstraint(condition=Q(book_size_min__lte=models.F("book_size_max")),
                                   name="standardversion_book_size_order"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}（{self.get_state_display()}，{self.effective_month:%Y-%m}）"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class SegmentStandard(models.Model):
    """The service a value segment (or a maintenance band) is entitled to, and how often to contact it.

    A row names either a segment or a band (not both). A customer gets the items of its segment's row and
    its band's row; the stricter contact interval and either row's care switches apply.
    """

    version = models.ForeignKey(StandardVersion, verbose_name=_("服务标准版本"), on_delete=models.CASCADE,
                                related_name="segment_standards")
    value_segment = models.CharField(_("价值分群"), max_length=16, choices=ValueSegment.choices, blank=True)
    maintenance_band = models.CharField(_("维护层级"), max_length=16, choices=MaintenanceBand.choices, blank=True)
    daily_maintenance = models.TextField(_("日常维护"), blank=True)
    special_maintenance = models.TextField(_("特殊维护"), blank=True)
    care_items = models.TextField(_("客户关怀"), blank=True)
    birthday_care = models.BooleanField(_("生日关怀"), default=False)
    holiday_care = models.BooleanField(_("节日关怀"), default=False)
    contact_interval_months = models.PositiveSmallIntegerField(
        _("最低联系频率（每几个月至少一次）"), null=True, blank=True, help_text=_("留空：不生成定期联系任务"))

    class Meta:
        ordering = ["version", "value_segment", "maintenance_band"]
        verbose_name = _("分群服务标准")
        verbose_name_plural = _("分群服务标准")
        constraints = [
            models.UniqueConstraint(fields=["version", "value_segment", "maintenance_band"],
                                    name="segmentstandard_unique"),
            models.CheckConstraint(condition=(Q(value_segment="") & ~Q(maintenance_band=""))
                                   | (~Q(value_segment="") & Q(maintenance_band="")),
                                   name="segmentstandard_segment_xor_band"),
            models.CheckConstraint(condition=Q(contact_interval_months__isnull=True)
                                   | Q(contact_interval_months__gte=1, contact_interval_months__lte=12),
                                   name="segmentstandard_interval_range"),
        ]

    def __str__(self) -> str:
        return self.get_value_segment_display() or self.get_maintenance_band_display()


class Entitlement(models.Model):
    """客户权益: a privilege (fee waiver, rate preference, VIP counter, lounge …) for an asset tier and/or segment.

    Empty tier or segment means "any"; a customer is entitled when both match.
    """

    version = models.ForeignKey(StandardVersion, verbose_name=_("服务标准版本"), on_delete=models.CASCADE,
                                related_name="entitlements")
    name = models.CharField(_("权益"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    asset_tier = models.CharField(_("资产等级"), max_length=16, choices=AssetTier.choices, blank=True)
    value_segment = models.CharField(_("价值分群"), max_length=16, choices=ValueSegment.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["version", "sort_order", "id"]
        verbose_name = _("客户权益")
        verbose_name_plural = _("客户权益")
        indexes = [models.Index(fields=["version", "asset_tier", "value_segment"], name="entitlement_match")]

    def __str__(self) -> str:
        return self.name


class VisitRole(models.TextChoices):
    """Who visits corporate customers (domain.md §4); holders are named per unit in UnitRoleHolder."""

    PRESIDENT = "president", _("行长/副行长")
    CORPORATE_HEAD = "corporate_head", _("公司业务部负责人")
    OUTLET_HEAD = "outlet_head", _("网点主任/副主任")
    RM = "rm", _("客户经理")


class VisitStandard(models.Model):
    """Corporate visits per month a role owes a customer of a deposit class."""

    version = models.ForeignKey(StandardVersion, verbose_name=_("服务标准版本"), on_delete=models.CASCADE,
                                related_name="visit_standards")
    deposit_class = models.CharField(_("存款类别"), max_length=16, choices=DepositClass.choices)
    role = models.CharField(_("拜访岗位"), max_length=16, choices=VisitRole.choices)
    visits_per_month = models.PositiveSmallIntegerField(_("每月最少拜访次数"))

    class Meta:
        ordering = ["version", "deposit_class", "role"]
        verbose_name = _("对公拜访频率")
        verbose_name_plural = _("对公拜访频率")
        constraints = [
            models.UniqueConstraint(fields=["version", "deposit_class", "role"], name="visitstandard_unique"),
            models.CheckConstraint(condition=Q(visits_per_month__lte=31), name="visitstandard_max_31"),
        ]

    def __str__(self) -> str:
        return f"{self.get_deposit_class_display()} · {self.get_role_display()} ≥ {self.visits_per_month}"


class TaskRule(models.Model):
    """One task kind's switch and lead time in a standards version (admin turns each on or off)."""

    version = models.ForeignKey(StandardVersion, verbose_name=_("服务标准版本"), on_delete=models.CASCADE,
                                related_name="task_rules")
    kind = models.CharField(_("任务类型"), max_length=24, choices=ServiceTask.Kind.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    # Days before the event the task appears (birthday, holiday) or days after it the task is due
    # (welcome, retention, handover, dormant, card, recontact). See docs/service_tasks.md.
    lead_days = models.PositiveSmallIntegerField(_("提前/期限天数"), default=7)

    class Meta:
        ordering = ["version", "kind"]
        verbose_name = _("任务生成规则")
        verbose_name_plural = _("任务生成规则")
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="taskrule_unique"),
            models.CheckConstraint(condition=Q(lead_days__lte=90), name="taskrule_lead_max_90"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class StandardVersionChange(models.Model):
    """Audit of a standards version: who changed what (state changes included)."""

    version = models.ForeignKey(StandardVersion, verbose_name=_("服务标准版本"), on_delete=models.CASCADE,
                                related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    action = models.CharField(_("操作"), max_length=32)
    detail = models.TextField(_("详情"), blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("服务标准变更记录")
        verbose_name_plural = _("服务标准变更记录")

    def __str__(self) -> str:
        return f"v{self.version_id} {self.action}"


class UnitRoleHolder(TimeStampedModel):
    """Who holds a visiting role (行长/副行长, 公司业务部负责人, 网点主任) at an org unit.

    Corporate visit tasks go to the holder at the customer's unit or the nearest unit above it.
    """

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("岗位"), max_length=16, choices=VisitRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("任职人"), on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        ordering = ["org_unit", "role"]
        verbose_name = _("岗位任职")
        verbose_name_plural = _("岗位任职")
        constraints = [models.UniqueConstraint(fields=["org_unit", "role", "user"], name="unitroleholder_unique")]

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.get_role_display()} · {self.user}"


# --- Holiday calendar and call scripts -------------------------------------------------------------------------


class Holiday(TimeStampedModel):
    """One holiday of one year (dates filled from the `holidays` library, lunar ones included; editable)."""

    code = models.CharField(_("节日代码"), max_length=32)
    name = models.CharField(_("节日"), max_length=50)
    date = models.DateField(_("日期"))
    lead_days = models.PositiveSmallIntegerField(_("关怀提前天数"), default=7)
    care = models.BooleanField(_("生成节日关怀任务"), default=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节日")
        verbose_name_plural = _("节日日历")
        constraints = [
            models.UniqueConstraint(fields=["code", "date"], name="holiday_unique_code_date"),
            models.CheckConstraint(condition=Q(lead_days__lte=60), name="holiday_lead_max_60"),
        ]
        indexes = [models.Index(fields=["date"], name="holiday_date")]

    def __str__(self) -> str:
        return f"{self.name} {self.date:%Y-%m-%d}"


class CallScript(TimeStampedModel):
    """话术: a call-script template for a task kind with $customer_name, $product, $rm_name placeholders."""

    kind = models.CharField(_("任务类型"), max_length=24, choices=ServiceTask.Kind.choices, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("话术"), help_text=_("可用占位符：$customer_name 客户姓名、$product 产品、$rm_name 客户经理姓名"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("营销话术")
        verbose_name_plural = _("营销话术")

    def __str__(self) -> str:
        return self.title


class TaskEvent(models.Model):
    """The audit row of every change a person makes to a task (complete, reschedule, cancel, reassign)."""

    class Action(models.TextChoices):
        COMPLETE = "complete", _("完成")
        RESCHEDULE = "reschedule", _("改期")
        CANCEL = "cancel", _("取消")
        REASSIGN = "reassign", _("转派")

    task = models.ForeignKey(ServiceTask, on_delete=models.CASCADE, related_name="events", verbose_name=_("任务"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("操作人"))
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("任务操作记录")
        verbose_name_plural = _("任务操作记录")

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"
