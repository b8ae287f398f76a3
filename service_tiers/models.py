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

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="service_tasks",
                                 verbose_name=_("客户"))
    # The unit the task belongs to (the customer's unit when it was created): branch heads' task lists and
    # the reports' scope filter on it without joining the customers.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属机构"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_tasks",
                                 verbose_name=_("负责人"))
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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id} · {self.due_date}"
