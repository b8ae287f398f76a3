from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


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
