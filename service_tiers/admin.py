"""Admin of the service standards (versioned: drafts edited, published read-only), the holiday calendar,
call scripts, visiting-role holders, and the service tasks (scoped like the site)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin import VersionedAdminMixin
from customers.admin import CustomerScopedAdminMixin

from . import standard_services
from .generation import holiday_calendar_fill
from .models import (
    CallScript,
    Entitlement,
    Holiday,
    SegmentStandard,
    ServiceTask,
    StandardVersion,
    StandardVersionChange,
    TaskRule,
    UnitRoleHolder,
    VisitStandard,
)
from .scripts import script_render


class _VersionItemInline(admin.TabularInline):
    """Items of a version: editable while it is a draft, read-only once published."""

    extra = 0

    def _published(self, obj) -> bool:
        return obj is not None and obj.is_published

    def has_add_permission(self, request, obj=None):
        return not self._published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)


class SegmentStandardInline(_VersionItemInline):
    model = SegmentStandard
    fields = ["value_segment", "maintenance_band", "daily_maintenance", "special_maintenance", "care_items",
              "birthday_care", "holiday_care", "contact_interval_months"]
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"daily_maintenance", "special_maintenance", "care_items"}:
            field.widget = forms.Textarea(attrs={"rows": 2, "cols": 24})
        return field


class EntitlementInline(_VersionItemInline):
    model = Entitlement
    fields = ["name", "description", "asset_tier", "value_segment", "sort_order"]


class VisitStandardInline(_VersionItemInline):
    model = VisitStandard
    fields = ["deposit_class", "role", "visits_per_month"]


class TaskRuleInline(_VersionItemInline):
    model = TaskRule
    fields = ["kind", "enabled", "lead_days"]


class StandardVersionChangeInline(admin.TabularInline):
    model = StandardVersionChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "action", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StandardVersionForm(forms.ModelForm):
    class Meta:
        model = StandardVersion
        fields = ["effective_month", "change_note", "book_size_min", "book_size_max", "idle_login_days",
                  "recontact_days"]

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            for message in standard_services.standard_version_errors(self.instance):
                self.add_error(None, message)


@admin.register(StandardVersion)
class StandardVersionAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = StandardVersionForm
    list_display = ["number", "state", "effective_month", "author", "published_at", "change_note"]
    list_filter = ["state"]
    inlines = [SegmentStandardInline, EntitlementInline, VisitStandardInline, TaskRuleInline,
               StandardVersionChangeInline]
    change_form_template = "admin/service_tiers/standardversion/change_form.html"
    fieldsets = [
        (gettext_lazy("版本"), {"fields": ["number", "state", "effective_month", "change_note", "author",
                                          "published_at", "published_by"]}),
        (gettext_lazy("合规参数"), {"fields": ["book_size_min", "book_size_max", "idle_login_days",
                                              "recontact_days"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        always = ["number", "state", "author", "published_at", "published_by"]
        if obj is not None and obj.is_published:
            return [f.name for f in StandardVersion._meta.concrete_fields if f.name != "id"]
        return always

    def has_change_permission(self, request, obj=None):
        # A published version is shown read-only (Django's view page): copy it to change anything.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_month", timezone.localdate().replace(day=1))
        return initial

    def save_model(self, request, obj, form, change):
        standard_services.standard_version_save(version=obj, by=request.user,
                                                note=", ".join(form.changed_data))

    def version_publish(self, *, version, by) -> None:
        standard_services.standard_version_publish(version=version, by=by)

    def version_copy(self, *, version, by):
        return standard_services.standard_version_copy(version=version, by=by)

    def published_message(self, version) -> str:
        return _("服务标准 v%(n)s 已发布，自 %(month)s 起适用") % {
            "n": version.number, "month": f"{version.effective_month:%Y-%m}"}

    def may_publish_or_copy(self, request, version) -> bool:
        # A published version has no change permission (it is read-only): whoever may create versions may
        # publish a draft and copy any version.
        return self.has_add_permission(request)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "lead_days", "care"]
    list_editable = ["lead_days", "care"]
    list_filter = ["care", "code"]
    date_hierarchy = "date"
    actions = ["fill_from_library"]

    @admin.action(description=gettext_lazy("从节假日库补全今明两年的节日"))
    def fill_from_library(self, request, queryset):
        year = timezone.localdate().year
        added = holiday_calendar_fill(years=[year, year + 1])
        self.message_user(request, _("已补全 %(n)s 个节日") % {"n": added}, messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        # The calendar is never empty in admin: this year's and next year's holidays come from the library.
        year = timezone.localdate().year
        holiday_calendar_fill(years=[year, year + 1])
        return super().changelist_view(request, extra_context)


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "active"]
    list_filter = ["active"]
    readonly_fields = ["preview"]
    fields = ["kind", "title", "body", "active", "preview"]

    @admin.display(description=gettext_lazy("示例效果"))
    def preview(self, obj):
        if obj is None or not obj.body:
            return ""
        return script_render(template=obj.body, customer_name="张三", product="信用卡", rm_name="李经理")


@admin.register(UnitRoleHolder)
class UnitRoleHolderAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "role", "user"]
    list_filter = ["role"]
    raw_id_fields = ["org_unit", "user"]


@admin.register(ServiceTask)
class ServiceTaskAdmin(CustomerScopedAdminMixin, admin.ModelAdmin):
    """Read-only in admin: tasks are worked on My day (the services keep the contact log and versions)."""

    list_display = ["customer", "kind", "assignee", "due_date", "status", "org_unit"]
    list_filter = ["kind", "status"]
    search_fields = ["customer__customer_no"]
    list_select_related = ["customer", "assignee", "org_unit"]
    show_full_result_count = False
    date_hierarchy = "due_date"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ServiceTask._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


