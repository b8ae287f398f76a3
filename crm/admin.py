from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "org_unit", "employee_no", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "org_unit__level"]
    search_fields = ["username", "first_name", "last_name", "employee_no"]
    autocomplete_fields = ["org_unit"]
    list_select_related = ["org_unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("机构与岗位"), {"fields": ["org_unit", "employee_no", "title"]}),
    ]
