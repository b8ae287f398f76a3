"""Tables of the reports app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import OrgUnit

# ── The report package archive (branch s14b) ─────────────────────────────────────────────────────────────


class ReportArchive(models.Model):
    """One generated report file, kept under MEDIA_ROOT: downloading it again gives the identical bytes."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        PDF = "pdf", _("PDF")

    class Source(models.TextChoices):
        PAGE = "page", _("报表页面")
        CLOSE = "close", _("月结自动生成")
        COMMAND = "command", _("命令行")

    month = models.DateField(_("月份"))
    # None: the whole bank.
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("范围"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    format = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    rule_version = models.PositiveIntegerField(_("规则版本"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("生成时间"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.PAGE)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小(字节)"))
    file_path = models.CharField(_("文件路径"), max_length=300, help_text=_("相对于 MEDIA_ROOT"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报表归档")
        verbose_name_plural = _("报表归档")
        indexes = [models.Index(fields=["month", "org_unit", "format"], name="reportarchive_month_scope")]
        constraints = [models.CheckConstraint(condition=models.Q(month__day=1), name="reportarchive_month_first_day")]

    def __str__(self) -> str:
        scope = self.org_unit.name if self.org_unit_id else "全行"
        return f"{self.month:%Y-%m} {scope} {self.format}"

    @property
    def download_name(self) -> str:
        scope = self.org_unit.code if self.org_unit_id else "全行"
        return f"客户分层月报_{self.month:%Y-%m}_{scope}.{self.format}"
