"""Django admin for customers, accounts, monthly figures, contact logs and lookups.

The customer table is large: searches go through the same index-backed search as the customer list,
filters avoid DISTINCT scans, and the full result count is not computed.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from crm.admin import ReadOnlyAdmin
from crm.client_ip import request_client_ip
from crm.models import CustomerUserObjectPermission, OrgUnit
from customers.masking import mask_id_number, mask_mobile
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
from .services.customer_profile import PROFILE_FIELDS, customer_co_maintainers_set, customer_update

# Shown masked in admin for everybody (change form, history list diffs, version pages); the full values are
# revealed only on the customer page, through the audited reveal (customers.services.access.customer_reveal).
MASKERS = {"id_number": mask_id_number, "mobile": mask_mobile}


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """History diffs mask the ID number and mobile exactly as the customer pages do."""

    def prepare_delta_change_value(self, change, value):
        masker = MASKERS.get(change.field)
        if masker is not None:
            return masker(value)
        return super().prepare_delta_change_value(change, value)


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
        if request.method == "POST":  # "revert to this version" would bypass the services: never offered
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(self.model, historical_record)


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
    """Edited here, saved by customers.services.customer_profile.customer_co_maintainers_set (CustomerAdmin)."""

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
    # Only the profile (customer_update) and co-maintainers (customer_co_maintainers_set) are edited here.
    # The number, kind and credit flags come from core banking and the credit system; org unit and
    # maintainer move by a recorded handover (/handovers/); ID number and mobile stay masked.
    readonly_fields = [
        "customer_no", "kind", "masked_id_number", "masked_mobile_field", "bad_credit_count", "malicious_overdraft",
        "org_unit", "maintainer_with_handover", "origin_maintainer", "created_at", "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["customer_no", "kind", "customer_type", "name"]}),
        (_("个人资料"), {"fields": [
            "gender", "birth_date", "id_type", "masked_id_number", "masked_mobile_field", "address", "region", "industry",
            "occupation", "position", "employer", "income_band", "hobbies", "risk_preference",
        ]}),
        (_("信用"), {"fields": ["credit_rating", "bad_credit_count", "malicious_overdraft", "since", "notes"]}),
        (_("对公客户"), {"classes": ["collapse"], "fields": [
            "credit_code", "legal_representative", "registered_capital", "total_assets", "credit_customer",
            "target_credit", "admin_level",
        ]}),
        (_("机构与维护人"), {"fields": ["org_unit", "maintainer_with_handover", "origin_maintainer"]}),
        (_("记录"), {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("证件号码"))
    def masked_id_number(self, customer: Customer):
        return self._with_reveal_link(customer, mask_id_number(customer.id_number))

    @admin.display(description=_("手机号码"))
    def masked_mobile_field(self, customer: Customer):
        return self._with_reveal_link(customer, mask_mobile(customer.mobile))

    @admin.display(description=_("维护人"))
    def maintainer_with_handover(self, customer: Customer):
        if not customer.maintainer_id:
            return "—"
        return format_html(
            '{} <a href="{}?from={}">{}</a>', customer.maintainer, reverse("access:handover_create"),
            customer.maintainer_id, _("办理客户交接"),
        )

    def _with_reveal_link(self, customer: Customer, masked: str):
        # The full value is only ever shown by the customer page's audited reveal (history versions: no link).
        user = getattr(customer, "_admin_user", None)
        if not masked or user is None or not user.has_perm("customers.view_sensitive"):
            return masked or "—"
        return format_html('{} <a href="{}#profile-title">{}</a>', masked, customer.get_absolute_url(), _("在客户页查看完整号码"))

    def get_object(self, request, object_id, from_field=None):
        customer = super().get_object(request, object_id, from_field)
        if customer is not None:
            customer._admin_user = request.user
        return customer

    def has_add_permission(self, request):
        return False  # customers arrive from core banking (imports)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The same service as the customer page's profile form (history author, only changed fields)."""
        fresh = self.get_queryset(request).select_related(None).get(pk=obj.pk)
        customer_update(
            customer=fresh, by=request.user,
            data={name: form.cleaned_data[name] for name in PROFILE_FIELDS if name in form.cleaned_data},
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not CoMaintainer:
            return super().save_formset(request, form, formset, change)
        users = [
            row.cleaned_data["user"] for row in formset.forms
            if row.cleaned_data and row.cleaned_data.get("user") and not row.cleaned_data.get("DELETE")
        ]
        customer_co_maintainers_set(customer=form.instance, users=users, by=request.user,
                                    client_ip=request_client_ip(request))
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

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
    """Accounts are created and updated by the balance import only: viewed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
class ContactLogAdmin(CustomerScopedAdminMixin, NoAddChangeAdmin):
    """Contacts are logged on the customer page (customers.services.contact_log); listed here."""

    def has_delete_permission(self, request, obj=None):
        return False

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
