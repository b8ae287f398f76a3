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
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="handovers_done"
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
