"""Admin of rule versions (edit drafts, what-if, publish, copy) and of month closes (close, reopen)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin import VersionedAdminMixin
from crm.models import Job
from crm.month_lock import month_lock_key
from crm.months import MonthFormatError, month_parse
from crm.selectors import job_visible_get
from crm.services.jobs import JobConflict, JobStartError, job_enqueue
from customers.admin import CustomerScopedAdminMixin
from customers.tiers import ProfitGroup

from . import completeness, engine, services
from .models import (
    Assignment,
    MonthClose,
    MonthReopen,
    RuleVersion,
    RuleVersionChange,
    TierChange,
    rule_parameter_fields,
)
from .selectors import whatif_compute
from .tasks import CLOSE_TASK, REOPEN_TASK, WHATIF_TASK, whatif_from_payload

# The indicators of the two scores, edited as one row per indicator (not as JSON): <score>_<code>_<part>.
SCORES = {"profit": "profit_indicators", "stability": "stability_indicators"}
INDICATOR_PARTS = ("weight", "full_value", "group")


def indicator_field_name(score: str, code: str, part: str) -> str:
    return f"{score}_{code}_{part}"


def _indicator_fields() -> dict[str, forms.Field]:
    """Labelled fields per score and indicator; a blank weight leaves the indicator out of the score."""
    fields: dict[str, forms.Field] = {}
    for score in SCORES:
        for code, indicator in engine.INDICATORS.items():
            label = indicator.label
            fields[indicator_field_name(score, code, "weight")] = forms.DecimalField(
                label=format_lazy("{}：{}", label, gettext_lazy("权重(%)")), required=False, min_value=0,
                max_value=100, max_digits=5, decimal_places=2,
                error_messages={"invalid": gettext_lazy("权重应为数字"), "min_value": gettext_lazy("权重不能为负数"),
                                "max_value": gettext_lazy("权重不能超过100"),
                                "max_decimal_places": gettext_lazy("权重最多两位小数")})
            fields[indicator_field_name(score, code, "full_value")] = forms.DecimalField(
                label=format_lazy("{}：{}", label, gettext_lazy("满分值")), required=False, max_digits=18,
                decimal_places=4, error_messages={"invalid": gettext_lazy("满分值应为数字")})
            if score == "profit":
                fields[indicator_field_name(score, code, "group")] = forms.ChoiceField(
                    label=format_lazy("{}：{}", label, gettext_lazy("分组")), required=False,
                    choices=[("", "—"), *ProfitGroup.choices])
    return fields


INDICATOR_FIELDS = _indicator_fields()


class RuleVersionFormBase(forms.ModelForm):
    # The draft's updated_at when the form was opened: two admins editing one draft never lose an edit.
    opened_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = RuleVersion
        fields = ["change_note", *[f.name for f in rule_parameter_fields() if f.name not in SCORES.values()]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["opened_at"] = self.instance.updated_at
        for score, attribute in SCORES.items():
            for item in getattr(self.instance, attribute) or []:
                for part in INDICATOR_PARTS:
                    name = indicator_field_name(score, item.get("code"), part)
                    if name in self.fields and item.get(part) is not None:
                        self.initial[name] = item.get(part)

    def indicator_rows(self) -> dict[str, list[dict]]:
        """{score: [{label, weight, full_value, group} bound fields]} for the change form's tables."""
        return {score: [{"code": code, "label": indicator.label,
                         **{part: self[indicator_field_name(score, code, part)] for part in INDICATOR_PARTS
                            if indicator_field_name(score, code, part) in self.fields}}
                        for code, indicator in engine.INDICATORS.items()]
                for score in SCORES if indicator_field_name(score, "contribution", "weight") in self.fields}

    def clean(self):
        data = super().clean()
        if indicator_field_name("profit", "contribution", "weight") not in self.fields:
            return data
        for score, attribute in SCORES.items():
            items = []
            for code in engine.INDICATORS:
                weight = data.get(indicator_field_name(score, code, "weight"))
                if weight is None:
                    continue
                full_name = indicator_field_name(score, code, "full_value")
                full = data.get(full_name)
                if full is None or full <= 0:
                    if full_name not in self.errors:
                        self.add_error(full_name, _("填写了权重的指标须填写大于0的满分值"))
                    continue
                item = {"code": code, "weight": _decimal_text(weight), "full_value": _decimal_text(full)}
                if score == "profit":
                    group_name = indicator_field_name(score, code, "group")
                    if not data.get(group_name):
                        self.add_error(group_name, _("请选择当前价值或潜在价值"))
                        continue
                    item = {"code": code, "group": data[group_name], "weight": item["weight"],
                            "full_value": item["full_value"]}
                items.append(item)
            setattr(self.instance, attribute, items)
        return data

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk and "opened_at" in self.cleaned_data:
            # Inside admin's transaction: the row stays locked until the save.
            error = services.rule_version_stale_error(version=self.instance, opened_at=self.cleaned_data["opened_at"])
            if error:
                self.add_error(None, error)
        if not self.errors:
            for message in services.rule_version_errors(self.instance):
                self.add_error(None, message)


def _decimal_text(value) -> str:
    """'50.00' → '50', '0.5000' → '0.5': how the defaults spell the JSON values."""
    return format(value.normalize(), "f")


RuleVersionForm = type("RuleVersionForm", (RuleVersionFormBase,), {**INDICATOR_FIELDS, "__module__": __name__})


class RuleVersionChangeInline(admin.TabularInline):
    model = RuleVersionChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "field_label", "old_display", "new_display"]
    readonly_fields = fields
    ordering = ["-changed_at", "-id"]

    @admin.display(description=gettext_lazy("字段"))
    def field_label(self, obj):
        return services.rule_change_field_label(obj.field)

    @admin.display(description=gettext_lazy("原值"))
    def old_display(self, obj):
        return services.rule_change_value_label(obj.field, obj.old_value)

    @admin.display(description=gettext_lazy("新值"))
    def new_display(self, obj):
        return services.rule_change_value_label(obj.field, obj.new_value)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RuleVersion)
class RuleVersionAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = RuleVersionForm
    list_display = ["number", "state", "effective_month", "author", "published_at", "change_note"]
    list_filter = ["state"]
    inlines = [RuleVersionChangeInline]
    change_form_template = "admin/segmentation/ruleversion/change_form.html"
    fieldsets = [
        (gettext_lazy("版本"), {"fields": ["number", "state", "effective_month", "change_note", "author",
                                          "published_at", "published_by", "opened_at"]}),
        (gettext_lazy("贡献度（FTP）"), {"fields": ["deposit_ftp_rate", "loan_ftp_rate"]}),
        (gettext_lazy("资产等级"), {"fields": ["asset_metric", "gold_min", "platinum_min", "diamond_min",
                                            "downgrade_grace_months"]}),
        (gettext_lazy("价值分群"), {"fields": [
            "profit_current_weight", "profit_potential_weight", "profit_cutoff", "stability_cutoff"],
            "description": gettext_lazy("盈利性与稳定性指标见下方“评分指标”表格，每个指标一行。")}),
        (gettext_lazy("负值规则"), {"fields": [
            "overdraft_enabled", "bad_credit_enabled", "bad_credit_min", "low_value_aum_max",
            "dormant_enabled", "dormant_months", "dormant_balance", "inactive_card_enabled", "card_min_uses",
            "card_min_spend", "card_min_balance"],
            "description": gettext_lazy("风险类规则（恶意透支、不良记录）不论资产都生效；低价值类规则（睡眠户、低效银行卡）"
                                        "只对月日均金融资产低于“低价值规则适用上限”的客户生效。")}),
        (gettext_lazy("完整性校验"), {"fields": ["coverage_bank_min", "coverage_unit_min"]}),
        (gettext_lazy("分层维护"), {"fields": [
            "entry_aum", "entry_card_annual_spend", "entry_loan", "entry_margin", "entry_gold_card",
            "band_adopted_min", "band_wealth_min", "band_wealth_centre_min", "staff_band_max_age"]}),
        (gettext_lazy("企业规模"), {"fields": [
            "assets_small_min", "assets_medium_min", "assets_large_min", "assets_extra_large_min",
            "capital_small_min", "capital_medium_min", "capital_large_min", "capital_extra_large_min"]}),
        (gettext_lazy("存款类别与客户分类"), {"fields": [
            "class1_deposit_min", "class1_target_credit_min", "class2_deposit_min",
            "strategic_min_contribution", "strategic_min_products", "premium_min_contribution",
            "premium_min_products", "effective_min_contribution", "effective_min_products",
            "nurture_min_contribution", "nurture_min_products"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        always = ["number", "state", "author", "published_at", "published_by"]
        if obj is not None and obj.is_published:
            return [f.name for f in RuleVersion._meta.concrete_fields if f.name != "id"]
        return always

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The indicator rows are rendered as tables by the change form, not by the fieldsets; a published
        # version has none (read-only: its indicators are shown from the version itself).
        if not (obj is not None and obj.is_published):
            kwargs["fields"] = [*flatten_fieldsets(self.get_fieldsets(request, obj)), *INDICATOR_FIELDS]
        return super().get_form(request, obj, change=change, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        published = obj is not None and obj.is_published
        if published:  # read-only: no save buttons at all
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        context["indicator_rows"] = None if published else context["adminform"].form.indicator_rows()
        context["published_indicators"] = services.rule_version_indicator_rows(version=obj) if published else None
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("number", (RuleVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1)
        return initial

    def save_model(self, request, obj, form, change):
        services.rule_version_save(version=obj, by=request.user, opened_at=form.cleaned_data.get("opened_at"))

    def get_urls(self):
        whatif = path("<int:pk>/whatif/", self.admin_site.admin_view(self.whatif_view),
                      name="segmentation_ruleversion_whatif")
        return [whatif, *super().get_urls()]  # publish and copy: VersionedAdminMixin

    def version_publish(self, *, version, by) -> None:
        services.rule_version_publish(version=version, by=by)

    def version_copy(self, *, version, by):
        return services.rule_version_copy(version=version, by=by)

    def published_message(self, version) -> str:
        return _("v%(n)s 已发布，自 %(month)s 起适用；已月结的月份不会被改写") % {
            "n": version.number, "month": f"{version.effective_month:%Y-%m}"}

    def _require_change(self, request, version):
        if not self.has_change_permission(request, version):
            raise PermissionDenied

    def whatif_view(self, request, pk):
        """Preview a version on a closed month: matrices, AUM moved, bands, maintainers, affected customers."""
        version = get_object_or_404(RuleVersion, pk=pk)
        self._require_change(request, version)
        months = list(MonthClose.objects.filter(state=MonthClose.State.CLOSED).values_list("month", flat=True))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": version,
                   "version": version, "months": months, "title": _("规则影响模拟（What-if）")}
        if request.method == "POST" and "background" in request.POST:
            # The whole bank at once (~6 s at a million customers): a background job with a progress bar.
            try:
                month = month_parse(request.POST.get("month", ""))
                job = job_enqueue(kind=Job.Kind.WHATIF, task_name=WHATIF_TASK, by=request.user, month=month,
                                  parameters={"version": version.pk, "month": month.isoformat()})
            except (MonthFormatError, JobConflict, JobStartError) as exc:
                messages.error(request, str(exc))
            else:
                return HttpResponseRedirect(job.get_absolute_url())
        job = job_visible_get(user=request.user, pk=int(request.GET["job"])) \
            if request.GET.get("job", "").isdecimal() else None
        if job is not None and job.kind == Job.Kind.WHATIF and job.state == Job.State.SUCCEEDED \
                and job.parameters.get("version") == version.pk:
            preview = whatif_from_payload(job.result, version=version)
            context.update(month=preview.month, preview=preview, affected=None, from_job=job,
                           asset_rows=preview.matrix_rows("asset"), segment_rows=preview.matrix_rows("segment"))
            return TemplateResponse(request, "admin/segmentation/ruleversion/whatif.html", context)
        raw = request.GET.get("month")
        if raw:
            try:
                month = month_parse(raw)
            except (services.MonthCloseError, MonthFormatError) as exc:
                messages.error(request, str(exc))
                return TemplateResponse(request, "admin/segmentation/ruleversion/whatif.html", context)
            if month not in months:
                messages.error(request, _("%(month)s 尚未月结，无法模拟") % {"month": raw})
            else:
                show = request.GET.get("customers") == "1"
                result = whatif_compute(version=version, month=month, affected_limit=500 if show else 0,
                                        viewer=request.user)
                preview, affected = result if show else (result, None)
                context.update(month=month, preview=preview, affected=affected,
                               asset_rows=preview.matrix_rows("asset"), segment_rows=preview.matrix_rows("segment"))
        return TemplateResponse(request, "admin/segmentation/ruleversion/whatif.html", context)


class MonthActionForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("月份（YYYY-MM）"), max_length=7)
    reason = forms.CharField(label=gettext_lazy("原因（重新打开，或接受数据不完整时必填）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    # The confirmation step of a close the completeness gate refused: shown only after a refusal.
    accept_incomplete = forms.BooleanField(label=gettext_lazy("我确认接受余额数据不完整并月结"), required=False)


class MonthReopenInline(admin.TabularInline):
    model = MonthReopen
    extra = 0
    can_delete = False
    fields = ["reopened_at", "reopened_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthClose)
class MonthCloseAdmin(admin.ModelAdmin):
    list_display = ["month", "state", "rule_version", "customer_count", "closed_at", "closed_by"]
    list_filter = ["state"]
    inlines = [MonthReopenInline]
    change_list_template = "admin/segmentation/monthclose/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in MonthClose._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("run/", self.admin_site.admin_view(self.run_view), name="segmentation_monthclose_run"),
                *super().get_urls()]

    def run_view(self, request):
        """月结 page: close a month, or reopen a closed one with a reason."""
        if not request.user.is_superuser and not self.has_change_permission(request):
            raise PermissionDenied
        form = MonthActionForm(request.POST or None)
        coverage = None
        if request.method == "POST" and form.is_valid():
            # The close (~50 s at a million customers) and the reopen run as background jobs; the page
            # goes to the job's progress bar. A second request for a month in work is told what runs.
            try:
                month = month_parse(form.cleaned_data["month"])
                reopen = "reopen" in request.POST
                reason = (form.cleaned_data["reason"] or "").strip()
                accept = form.cleaned_data["accept_incomplete"]
                if reopen and not reason:
                    raise services.MonthCloseError(_("重新打开月份必须填写原因"))
                if accept and not reason:
                    raise services.MonthCloseError(_("接受数据不完整月结必须填写原因"))
                closed = MonthClose.objects.filter(month=month, state=MonthClose.State.CLOSED).exists()
                if closed and not reopen:  # said at once; the job checks again under the month lock
                    raise services.MonthCloseError(
                        _("%(month)s 已月结，不能重复月结；如需重算，请由管理员先重新打开该月") % {"month": f"{month:%Y-%m}"})
                if reopen and not closed:
                    raise services.MonthCloseError(_("%(month)s 尚未月结，无需重新打开") % {"month": f"{month:%Y-%m}"})
                version = services.rule_version_in_force(month=month)
                if not reopen and not accept and version is not None:
                    # The completeness gate answered here, with its table; the job checks it again.
                    gate = completeness.month_coverage(month=month, version=version)
                    if not gate.complete:
                        raise services.MonthIncompleteError(gate)
                job = job_enqueue(
                    kind=Job.Kind.MONTH_REOPEN if reopen else Job.Kind.MONTH_CLOSE,
                    task_name=REOPEN_TASK if reopen else CLOSE_TASK, by=request.user, month=month,
                    parameters={"month": month.isoformat(), "reason": reason, "accept_incomplete": accept},
                    lock_key=month_lock_key(month),
                )
                messages.info(request, _("%(month)s 的%(kind)s已提交为后台作业") % {
                    "month": f"{month:%Y-%m}", "kind": job.get_kind_display()})
                return HttpResponseRedirect(job.get_absolute_url())
            except services.MonthIncompleteError as exc:
                coverage = exc.coverage
                form.add_error(None, _("%(month)s 的余额数据未通过完整性校验，见下表；补齐数据后再月结，"
                                       "或填写原因并勾选确认后再次月结。") % {"month": f"{coverage.month:%Y-%m}"})
            except (services.MonthCloseError, MonthFormatError, JobConflict, JobStartError) as exc:
                form.add_error(None, str(exc))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "coverage": coverage, "title": _("月结")}
        return TemplateResponse(request, "admin/segmentation/monthclose/run.html", context)


@admin.register(Assignment)
class AssignmentAdmin(CustomerScopedAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "month", "asset_tier", "value_segment", "maintenance_band", "profit_score",
                    "stability_score", "negative_rule", "corporate_size", "corporate_class", "rule_version"]
    list_filter = ["month", "kind", "asset_tier", "value_segment", "maintenance_band", "negative_rule", "rule_version"]
    search_fields = ["customer__customer_no"]
    list_select_related = ["customer", "rule_version"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Assignment._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TierChange)
class TierChangeAdmin(CustomerScopedAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "month", "field", "from_value", "to_value", "direction"]
    list_filter = ["month", "field", "direction"]
    search_fields = ["customer__customer_no"]
    list_select_related = ["customer"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TierChange._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
