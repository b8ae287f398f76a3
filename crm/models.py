from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class OrgUnit(TimeStampedModel):
    """A node of the bank's organisation tree: 总行 → 分行 → 支行 → 网点."""

    class Level(models.TextChoices):
        HQ = "hq", _("总行")
        BRANCH = "branch", _("分行")
        SUB_BRANCH = "sub_branch", _("支行")
        OUTLET = "outlet", _("网点")

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("HQ/BR1/OUT-A/"): a subtree is one indexed prefix match.
    path = models.CharField(_("路径"), max_length=500, editable=False, db_index=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        indexes = [models.Index(fields=["path"], name="orgunit_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path if self.parent else ''}{self.code}/"
        super().save(*args, **kwargs)

    @cached_property
    def subtree_ids(self) -> list[int]:
        """Ids of this unit and every unit below it, as a literal list for customer queries (read once per instance).

        ``org_unit_id IN (4)`` lets PostgreSQL walk the standing's ``(org_unit, -aum)`` / ``(org_unit, tier,
        -aum)`` indexes in order (0.7 ms at 1,000,000 customers); ``IN (SELECT … path LIKE …)`` made it walk the
        bank-wide AUM index and skip other units' rows (330 ms for an outlet's 普通 customers).
        """
        return list(OrgUnit.objects.filter(path__startswith=self.path).values_list("pk", flat=True))


class User(AbstractUser):
    """A member of staff. Roles are Django groups (see crm.roles)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    employee_no = models.CharField(_("工号"), max_length=32, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        indexes = [models.Index(Upper("username"), name="user_username_upper")]

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def display_name(self) -> str:
        return str(self)


# --- Object-level exceptions (django-guardian, direct foreign keys for speed) -------------------------------


class CustomerUserObjectPermission(UserObjectPermissionBase):
    """One customer shared with one colleague (view or change), granted by a branch head."""

    content_object = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="user_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("授权人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("客户授权（员工）")
        verbose_name_plural = _("客户授权（员工）")
        permissions = [("grant_customer_access", _("授予/撤销单个客户的查看或修改权限"))]
        # scoping unions "customers granted to me": look up by user first.
        indexes = [models.Index(fields=["user", "content_object"], name="custuserperm_user")]


class CustomerGroupObjectPermission(GroupObjectPermissionBase):
    """One customer shared with a whole group (kept for completeness; the UI grants to users)."""

    content_object = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("客户授权（角色）")
        verbose_name_plural = _("客户授权（角色）")
        indexes = [models.Index(fields=["group", "content_object"], name="custgroupperm_group")]


# --- Audit ---------------------------------------------------------------------------------------------------


class AccessLog(models.Model):
    """An append-only record of a sensitive action; written by crm.services.audit, never edited in the UI."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("查看完整证件/手机号")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        HANDOVER = "handover", _("客户交接")
        GRANT = "grant", _("授予客户权限")
        REVOKE = "revoke", _("撤销客户权限")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        DEACTIVATE = "deactivate", _("停用账号")
        BULK = "bulk", _("批量操作")
        ROLE_CHANGE = "role_change", _("修改角色权限")
        CO_MAINTAINERS = "co_maintainers", _("修改协同维护人")

    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text as well, so the row still says who it was after a user is renamed or removed,
    # and so failed logins for unknown usernames can be recorded.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_constraint=False,
    )
    target = models.CharField(_("对象"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        indexes = [
            models.Index(fields=["-at"], name="accesslog_at"),
            models.Index(fields=["action", "-at"], name="accesslog_action_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["customer", "-at"], name="accesslog_customer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


# --- Customer handover (客户交接) -----------------------------------------------------------------------------


class Handover(models.Model):
    """One reassignment of customers from one maintainer (or several) to another, with a reason."""

    created_at = models.DateTimeField(_("交接时间"), default=timezone.now)
    # Empty for a handover made by an import run from the command line (the reason names the file).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handovers_done",
    )
    # Empty when the selection spanned several previous maintainers (each is on its item).
    from_maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("原维护人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handovers_from",
    )
    to_maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("新维护人"), on_delete=models.PROTECT, related_name="handovers_to"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="handovers"
    )
    reason = models.CharField(_("交接原因"), max_length=300)
    customer_count = models.PositiveIntegerField(_("客户数"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("客户交接")
        verbose_name_plural = _("客户交接")
        permissions = [("handover_customers", _("办理客户交接"))]
        indexes = [
            models.Index(fields=["org_unit", "-created_at"], name="handover_org_at"),
            models.Index(fields=["from_maintainer", "-created_at"], name="handover_from_at"),
            models.Index(fields=["to_maintainer", "-created_at"], name="handover_to_at"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} → {self.to_maintainer}（{self.customer_count}）"

    def get_absolute_url(self) -> str:
        return reverse("access:handover_detail", args=[self.pk])


class HandoverItem(models.Model):
    """One customer moved by a handover, with the maintainer it had before."""

    handover = models.ForeignKey(Handover, verbose_name=_("交接"), on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="handover_items"
    )
    previous_maintainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("原维护人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["handover", "customer"]
        verbose_name = _("交接明细")
        verbose_name_plural = _("交接明细")
        constraints = [models.UniqueConstraint(fields=["handover", "customer"], name="handoveritem_unique")]
        indexes = [models.Index(fields=["customer"], name="handoveritem_customer")]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.customer_id}"


# --- Background jobs (procrastinate runs them; this row is what people see) ----------------------------------


class Job(models.Model):
    """One run of long work (an import, a month close, a report package …) and its progress.

    The procrastinate job that executes it is deferred in the same transaction that creates this row
    (crm.services.jobs), so a confirmed request can never lose its job nor a job its record.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class Kind(models.TextChoices):
        IMPORT_CUSTOMERS = "import_customers", _("导入客户")
        IMPORT_BALANCES = "import_balances", _("导入月度余额")
        MONTH_CLOSE = "month_close", _("月结")
        MONTH_REOPEN = "month_reopen", _("重新打开月份")
        WHATIF = "whatif", _("规则影响模拟")
        TASKS_GENERATE = "tasks_generate", _("生成服务任务")
        REPORT_PACKAGE = "report_package", _("生成月度报表包")
        MONTH_END = "month_end", _("月末自动处理")
        UPLOADS_PURGE = "uploads_purge", _("清理过期上传文件")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    queue = models.CharField(_("队列"), max_length=32)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="jobs",
    )
    # Scope: the org unit and month the work concerns (both optional).
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("机构"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    month = models.DateField(_("月份"), null=True, blank=True)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    # Two jobs with the same key (e.g. "month:2026-10" for a close and that month's balance import)
    # can never be queued or running at once: a partial unique index holds it (see Meta).
    lock_key = models.CharField(_("互斥键"), max_length=64, blank=True)
    task_name = models.CharField(_("任务名"), max_length=100, editable=False)
    procrastinate_id = models.BigIntegerField(_("队列任务号"), null=True, blank=True, editable=False)
    progress_done = models.BigIntegerField(_("已完成"), default=0)
    progress_total = models.BigIntegerField(_("总量"), default=0)
    step = models.CharField(_("当前步骤"), max_length=200, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=100, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    retry_of = models.ForeignKey(
        "self", verbose_name=_("重试自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台作业")
        verbose_name_plural = _("后台作业")
        indexes = [
            models.Index(fields=["started_by", "-created_at"], name="job_started_by_created"),
            models.Index(fields=["-created_at"], name="job_created"),
            models.Index(fields=["state", "heartbeat_at"], name="job_state_heartbeat"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lock_key"], name="job_one_active_per_lock_key",
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(lock_key=""),
            ),
            models.CheckConstraint(condition=models.Q(progress_done__gte=0, progress_total__gte=0),
                                   name="job_progress_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def percent(self) -> int:
        """Whole percent for the progress bar (100 once succeeded, whatever the counters say)."""
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 // self.progress_total))

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 1)
