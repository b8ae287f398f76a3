from datetime import UTC, datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app as procrastinate_app

from crm.client_ip import request_client_ip
from crm.services.staff import (
    ROLE_FIELDS,
    user_deactivate,
    user_deactivation_error,
    user_roles_may_change,
    user_roles_set,
)

from .models import AccessLog, Handover, Job, OrgUnit, User
from .selectors import visible_jobs


class VersionedAdminMixin:
    """Publish and copy of a versioned model (rule versions, service standards): the two POST-only URLs
    ``<app>_<model>_publish`` / ``_copy``, the views behind them and the "copy as a new draft" list action.

    The admin supplies the service calls (``version_publish``, ``version_copy``), the message after publishing
    (``published_message``) and, if it is not the change permission, who may publish and copy
    (``may_publish_or_copy``). Errors of publishing are ValidationErrors shown as messages, never a 500.
    """

    actions = ["copy_as_draft"]

    def version_publish(self, *, version, by) -> None:
        raise NotImplementedError

    def version_copy(self, *, version, by):
        raise NotImplementedError

    def published_message(self, version) -> str:
        raise NotImplementedError

    def may_publish_or_copy(self, request, version) -> bool:
        return self.has_change_permission(request, version)

    def _version_url(self, pk) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path("<int:pk>/publish/", view(self.publish_view), name=f"{prefix}_publish"),
            path("<int:pk>/copy/", view(self.copy_view), name=f"{prefix}_copy"),
            *super().get_urls(),
        ]

    @admin.action(description=_("复制为新草稿"))
    def copy_as_draft(self, request, queryset):
        versions = list(queryset)
        if not all(self.may_publish_or_copy(request, version) for version in versions):
            raise PermissionDenied  # the same rule as the copy view: reading the list is not enough
        for version in versions:
            copy = self.version_copy(version=version, by=request.user)
            self.message_user(request, gettext("已复制为草稿 v%(n)s") % {"n": copy.number},
                              messages.SUCCESS)

    def _version_for_post(self, request, pk):
        version = get_object_or_404(self.model, pk=pk)
        if not self.may_publish_or_copy(request, version):
            raise PermissionDenied
        return version

    def publish_view(self, request, pk):
        version = self._version_for_post(request, pk)
        if request.method == "POST":
            try:
                self.version_publish(version=version, by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, gettext("不能发布：%(reason)s") % {"reason": message})
            else:
                messages.success(request, self.published_message(version))
        return HttpResponseRedirect(self._version_url(pk))

    def copy_view(self, request, pk):
        version = self._version_for_post(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._version_url(pk))
        copy = self.version_copy(version=version, by=request.user)
        messages.success(request, gettext("已复制为草稿 v%(n)s") % {"n": copy.number})
        return HttpResponseRedirect(self._version_url(copy.pk))


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class StaffChangeForm(BaseUserAdmin.form):
    def clean_is_active(self):
        is_active = self.cleaned_data.get("is_active")
        if self.instance.pk and self.instance.is_active and not is_active:
            error = user_deactivation_error(user=self.instance)
            if error:
                raise forms.ValidationError(error)
        return is_active


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffChangeForm
    list_display = ["username", "last_name", "first_name", "org_unit", "employee_no", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "org_unit__level"]
    search_fields = ["username", "first_name", "last_name", "employee_no"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["org_unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("机构与岗位"), {"fields": ["org_unit", "employee_no", "title"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Nobody promotes themselves, and only a superuser grants roles (issue 10, item 1).
        if obj is not None and not user_roles_may_change(user=obj, by=request.user):
            readonly += [name for name in ROLE_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        # A non-superuser must not reach a superuser's account (password, e-mail …): that is a way in.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Staff are deactivated (through the handover checks), never deleted: their audit trail stays.
        return False

    def save_model(self, request, obj, form, change):
        """Plain fields are saved here; roles and deactivation go through their services (save_related)."""
        if change:
            stored = type(obj).objects.only(*ROLE_FIELDS[:2], "is_active").get(pk=obj.pk)
            obj._admin_deactivate = stored.is_active and not obj.is_active
            obj.is_active = stored.is_active
            obj.is_superuser, obj.is_staff = stored.is_superuser, stored.is_staff
        else:
            obj._admin_deactivate = False
            obj.is_superuser = obj.is_staff = False
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        roles = {name: form.cleaned_data.pop(name) for name in ROLE_FIELDS if name in form.cleaned_data}
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if roles:
            user_roles_set(user=obj, by=request.user, client_ip=request_client_ip(request), **roles)
        if obj._admin_deactivate:
            user_deactivate(user=obj, by=request.user, client_ip=request_client_ip(request), via="admin")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: viewable by those with the view permission, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "username", "target", "ip"]
    list_filter = ["action", "at"]
    search_fields = ["username", "target"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "org_unit", "from_maintainer", "to_maintainer", "customer_count", "reason", "by"]
    list_select_related = ["org_unit", "from_maintainer", "to_maintainer", "by"]
    list_filter = ["created_at"]
    search_fields = ["reason", "to_maintainer__username", "from_maintainer__username"]
    # No inline of the items: a handover may move thousands of customers; its page lists them paginated.


admin.site.site_header = _("客户差别化管理 · 系统管理")
admin.site.site_title = _("银行CRM系统管理")
admin.site.index_title = _("配置与数据")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Every background job, read-only (system admins); plus the schedule of the periodic ones."""

    list_display = ["id", "kind", "state", "month", "started_by", "progress_done", "progress_total", "created_at",
                    "finished_at"]
    list_filter = ["state", "kind", "queue"]
    list_select_related = ["started_by"]
    change_list_template = "admin/crm/job/change_list.html"

    def get_queryset(self, request):
        return visible_jobs(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Job._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("schedules/", self.admin_site.admin_view(self.schedules_view), name="crm_job_schedules"),
                *super().get_urls()]

    def schedules_view(self, request):
        """计划任务: each periodic task, its cron (UTC) and its next run in the bank's time."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        rows = []
        for periodic in procrastinate_app.periodic_registry.periodic_tasks.values():
            next_run = datetime.fromtimestamp(periodic.croniter.get_next(float, now.timestamp()), tz=UTC)
            rows.append({"task": periodic.task.name, "doc": (periodic.task.func.__doc__ or "").strip(),
                         "cron": periodic.cron, "queue": periodic.task.queue, "next_run": timezone.localtime(next_run)})
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows,
                   "title": _("计划任务")}
        return TemplateResponse(request, "admin/crm/job/schedules.html", context)
