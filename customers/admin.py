"""Django admin for customers, accounts, monthly figures, contact logs and lookups.

The customer table is large: searches go through the same index-backed search as the customer list,
filters avoid DISTINCT scans, and the full result count is not computed.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin import ReadOnlyAdmin
from crm.models import CustomerUserObjectPermission, OrgUnit
from customers.masking import mask_mobile
from customers.scoping import visible_customers

from .models import (
    Account,
    CoMaintainer,
    ContactLog,
    Customer,
    CustomerMonth,
    CustomerStanding,
    Lookup,
    MonthlyBalance,
)
from .selectors import customer_search


class CustomerScopedAdminMixin:
    """Admin lists of customer data follow the same scope as the site (issue 3: a system admin without a
    business role configures but does not browse personal data)."""

    customer_path = "customer"  # how this model reaches its customer; "" for Customer itself

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = visible_customers(user=request.user)
        if not self.customer_path:
            return queryset & visible
        return queryset.filter(**{f"{self.customer_path}__in": visible.values("pk")})

    def _require_in_scope(self, request, object_id) -> None:
        """History pages read history rows directly: check the object is in the user's scope first."""
        try:
            in_scope = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            in_scope = False
        if not in_scope:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


class OrgSubtreeListFilter(admin.SimpleListFilter):
    """Customers booked in an org unit or anywhere below it (outlets are many: only upper levels are listed)."""

    title = _("所属机构（含下级）")
    parameter_name = "org"

    def lookups(self, request, model_admin):
        units = OrgUnit.objects.exclude(level=OrgUnit.Level.OUTLET).only("pk", "name", "code").order_by("path")
        return [(str(unit.pk), str(unit)) for unit in units]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            unit = OrgUnit.objects.get(pk=int(self.value()))
        except (OrgUnit.DoesNotExist, ValueError):
            return queryset.none()
        return queryset.filter(org_unit__in=OrgUnit.objects.filter(path__startswith=unit.path).values("pk"))


@admin.register(Lookup)
class LookupAdmin(admin.ModelAdmin):
    list_display = ["kind", "code", "name", "sort_order", "active"]
    list_display_links = ["code", "name"]
    list_editable = ["sort_order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    ordering = ["kind", "sort_order", "code"]


class CoMaintainerInline(admin.TabularInline):
    model = CoMaintainer
    extra = 0
    raw_id_fields = ["user"]
    verbose_name = _("协同维护人")
    verbose_name_plural = _("协同维护人")


class CustomerStandingInline(admin.StackedInline):
    """The current tiers, read-only: written by the month close, never by hand."""

    model = CustomerStanding
    can_delete = False
    max_num = 0
    fields = readonly_fields = [
        "aum", "aum_month", "asset_tier", "value_segment", "maintenance_band", "profit_score", "stability_score",
        "corporate_size", "deposit_class", "corporate_class",
    ]
    verbose_name = verbose_name_plural = _("当前等级（由月结计算）")
    classes = ["collapse"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(CustomerScopedAdminMixin, SimpleHistoryAdmin):
    customer_path = ""
    list_display = [
        "customer_no", "name", "kind", "org_unit", "maintainer", "masked_mobile", "standing_aum", "standing_asset_tier",
        "standing_value_segment", "standing_maintenance_band",
    ]
    list_display_links = ["customer_no", "name"]

    @admin.display(description=_("手机号"))
    def masked_mobile(self, customer: Customer) -> str:
        return mask_mobile(customer.mobile)

    @admin.display(description=_("月日均金融资产"), ordering="standing__aum_cents")
    def standing_aum(self, customer: Customer):
        return customer.standing.aum

    @admin.display(description=_("资产等级"), ordering="standing__asset_tier")
    def standing_asset_tier(self, customer: Customer) -> str:
        return customer.standing.get_asset_tier_display()

    @admin.display(description=_("价值分群"), ordering="standing__value_segment")
    def standing_value_segment(self, customer: Customer) -> str:
        return customer.standing.get_value_segment_display()

    @admin.display(description=_("维护层级"), ordering="standing__maintenance_band")
    def standing_maintenance_band(self, customer: Customer) -> str:
        return customer.standing.get_maintenance_band_display()

    list_filter = [
        "kind", "org_unit__level", OrgSubtreeListFilter, "standing__asset_tier", "standing__value_segment",
        "standing__maintenance_band", "standing__corporate_size",
    ]
    # Declared so the search box and autocompletes appear; get_search_results answers them from indexes.
    search_fields = ["customer_no", "name", "mobile"]
    search_help_text = _("客户号（前缀）、姓名（包含）、手机号、手机尾号或证件号码")
    list_select_related = ["org_unit", "maintainer", "standing"]
    autocomplete_fields = ["org_unit"]
    raw_id_fields = ["maintainer", "origin_maintainer", "customer_type", "region", "industry", "occupation"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-standing__aum_cents", "pk"]
    inlines = [CustomerStandingInline, CoMaintainerInline]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["customer_no", "kind", "customer_type", "name"]}),
        (_("个人资料"), {"fields": [
            "gender", "birth_date", "id_type", "id_number", "mobile", "address", "region", "industry", "occupation",
            "position", "employer", "income_band", "hobbies", "risk_preference",
        ]}),
        (_("信用"), {"fields": ["credit_rating", "bad_credit_count", "malicious_overdraft", "since", "notes"]}),
        (_("对公客户"), {"classes": ["collapse"], "fields": [
            "credit_code", "legal_representative", "registered_capital", "total_assets", "credit_customer",
            "target_credit", "admin_level",
        ]}),
        (_("机构与维护人"), {"fields": ["org_unit", "maintainer", "origin_maintainer"]}),
        (_("记录"), {"classes": ["collapse"], "fields": readonly_fields}),
    ]

    def get_search_results(self, request, queryset, search_term):
        return customer_search(customers=queryset, q=search_term), False


class NoAddChangeAdmin(admin.ModelAdmin):
    """Figures delivered by core banking or built by month close: viewed here, changed only by imports."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _customer_or_account_search(queryset, term: str, *, account_field: str | None):
    term = term.strip()
    if not term:
        return queryset
    match = Q(customer__customer_no=term)
    if account_field:
        match |= Q(**{account_field: term})
    return queryset.filter(match)


@admin.register(Account)
class AccountAdmin(CustomerScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["account_no", "customer", "account_type", "balance", "annual_rate", "last_txn_date", "closed_on"]
    list_filter = ["account_type", "activated"]
    search_fields = ["account_no"]
    search_help_text = _("账号或客户号（完整）")
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    show_full_result_count = False
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        return _customer_or_account_search(queryset, search_term, account_field="account_no"), False


@admin.register(MonthlyBalance)
class MonthlyBalanceAdmin(CustomerScopedAdminMixin, NoAddChangeAdmin):
    list_display = ["month", "account", "customer", "account_type", "month_end_balance", "avg_daily_balance",
                    "txn_count"]
    list_filter = ["account_type"]
    search_fields = ["account__account_no"]
    search_help_text = _("账号或客户号（完整）")
    raw_id_fields = ["account", "customer"]
    list_select_related = ["account", "customer"]
    ordering = ["-month", "account"]

    def get_search_results(self, request, queryset, search_term):
        return _customer_or_account_search(queryset, search_term, account_field="account__account_no"), False


@admin.register(CustomerMonth)
class CustomerMonthAdmin(CustomerScopedAdminMixin, NoAddChangeAdmin):
    list_display = ["month", "customer", "aum_avg", "aum_end", "deposit_avg", "loan_avg", "contribution",
                    "product_count"]
    search_fields = ["customer__customer_no"]
    search_help_text = _("客户号（完整）")
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    ordering = ["-month", "customer"]

    def get_search_results(self, request, queryset, search_term):
        return _customer_or_account_search(queryset, search_term, account_field=None), False


@admin.register(ContactLog)
class ContactLogAdmin(CustomerScopedAdminMixin, admin.ModelAdmin):
    list_display = ["contacted_on", "customer", "staff", "channel", "summary", "next_step"]
    list_filter = ["channel"]
    search_fields = ["customer__customer_no"]
    search_help_text = _("客户号（完整）")
    raw_id_fields = ["customer", "staff"]
    list_select_related = ["customer", "staff"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-contacted_on", "-id"]

    def get_search_results(self, request, queryset, search_term):
        return _customer_or_account_search(queryset, search_term, account_field=None), False


@admin.register(CustomerUserObjectPermission)
class CustomerGrantAdmin(CustomerScopedAdminMixin, ReadOnlyAdmin):
    """Grants are made and revoked from the customer page (by branch heads); admin only lists them."""

    customer_path = "content_object"
    list_display = ["content_object", "user", "permission", "granted_by", "granted_at"]
    list_select_related = ["content_object", "user", "permission__content_type", "granted_by"]
    search_fields = ["user__username", "content_object__customer_no"]
