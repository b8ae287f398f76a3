"""The relationship manager's customer screens: list and search, 360 page, profile edit, contact log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from customers.masking import mask_id_number, mask_mobile
from customers.scoping import editable_customers, visible_customers, visible_standings

from .exports import ExportTooLarge, customer_list_export
from .filters import DEFAULT_SORT, CustomerFilter
from .forms import ContactLogForm, CustomerProfileForm
from .models import Customer
from .selectors import SearchShape, customer_360, customer_page, search_shape
from .services.contact_log import contact_log_create
from .services.customer_profile import PROFILE_FIELDS, customer_update

RESULTS_TARGET = "results"

# Columns of the results table: (label, sort key or None, key used when first clicked, numeric).
COLUMNS = [
    (gettext_lazy("客户号"), "customer_no", "customer_no", False),
    (gettext_lazy("姓名/名称"), "name", "name", False),
    (gettext_lazy("类型"), None, None, False),
    (gettext_lazy("所属机构"), None, None, False),
    (gettext_lazy("维护人"), None, None, False),
    (gettext_lazy("手机号"), None, None, False),
    (gettext_lazy("证件号码"), None, None, False),
    (gettext_lazy("月日均金融资产"), "aum", "-aum", True),
    (gettext_lazy("资产等级"), "asset_tier", "-asset_tier", False),
    (gettext_lazy("价值分群"), "value_segment", "value_segment", False),
    (gettext_lazy("维护层级"), "maintenance_band", "maintenance_band", False),
    (gettext_lazy("盈利性"), "profit_score", "-profit_score", True),
    (gettext_lazy("稳定性"), "stability_score", "-stability_score", True),
    (gettext_lazy("建立关系"), "since", "-since", False),
]
# The corporate view (the list filtered to companies or institutions): the tier columns are the corporate tiers.
CORPORATE_COLUMNS = {
    "asset_tier": (gettext_lazy("企业规模"), "corporate_size", "corporate_size", False),
    "value_segment": (gettext_lazy("存款类别"), "deposit_class", "deposit_class", False),
    "maintenance_band": (gettext_lazy("客户分类"), "corporate_class", "corporate_class", False),
}


def _table_columns(*, current: str, carry: str, corporate: bool = False) -> list[dict]:
    """Header cells: each sortable one links to its sort (toggling direction when already sorted by it)."""
    prefix = f"?{carry}&" if carry else "?"
    columns = []
    for column in COLUMNS:
        label, key, first, numeric = CORPORATE_COLUMNS.get(column[1], column) if corporate else column
        state, url = "", ""
        if key:
            if current.lstrip("-") == key:
                state = "desc" if current.startswith("-") else "asc"
                url = f"{prefix}sort={key if current.startswith('-') else '-' + key}"
            else:
                url = f"{prefix}sort={first}"
        columns.append({"label": label, "url": url, "state": state, "numeric": numeric})
    return columns


def _masked_query(q: str, shape: str) -> str:
    return mask_mobile(q) if shape == SearchShape.MOBILE else mask_id_number(q.upper())


@require_http_methods(["GET"])
def customer_export(request: HttpRequest) -> HttpResponse:
    """/customers/export.xlsx: the list as filtered on screen (same scope, masked), as an Excel file."""
    customer_filter = CustomerFilter(request.GET, queryset=visible_customers(user=request.user), request=request)
    customers = customer_filter.qs  # validates the form; invalid filters are ignored, as on the page
    filters = {key: value for key, value in customer_filter.form.cleaned_data.items() if value not in (None, "", [])}
    # A searched ID or mobile is not written into the access log in full.
    filters.pop("q", None)
    try:
        content = customer_list_export(customers=customers, user=request.user, request=request,
                                    filters={key: str(value) for key, value in filters.items()})
    except ExportTooLarge as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="customers.xlsx"'
    return response


@require_http_methods(["GET"])
def customer_list(request: HttpRequest) -> HttpResponse:
    """/customers/: search, filters, sort and a capped count; htmx asks for the results partial only."""
    customer_filter = CustomerFilter(request.GET, queryset=visible_customers(user=request.user), request=request)
    customers = customer_filter.qs
    standings = customer_filter.standings(visible_standings(user=request.user))
    result = customer_page(customers=customers, page=request.GET.get("page"), standings=standings)

    q = (customer_filter.form.cleaned_data.get("q") or "").strip()
    shape = search_shape(q) if q else ""
    sensitive = shape in SearchShape.SENSITIVE
    # Links (sort, pages) repeat the filters; a searched ID or mobile stays off the page unless it must
    # travel to reach the next page.
    carry = request.GET.copy()
    for name in ["page", "sort"]:
        carry.pop(name, None)
    if sensitive and result.paginator.num_pages <= 1:
        carry.pop("q", None)
    current_sort = customer_filter.form.cleaned_data.get("sort") or DEFAULT_SORT
    corporate = customer_filter.form.cleaned_data.get("kind") in (Customer.Kind.CORPORATE, Customer.Kind.INSTITUTION)
    context = {
        "corporate_view": corporate,
        "filter": customer_filter,
        "form": customer_filter.form,
        "page_obj": result.page,
        "page_range": list(result.paginator.get_elided_page_range(result.page.number, on_each_side=2, on_ends=1)),
        "paginator": result.paginator,
        "page_messages": result.messages,
        "filter_errors": [
            (customer_filter.form.fields[name].label if name in customer_filter.form.fields else "", error)
            for name, errors in customer_filter.form.errors.items()
            for error in errors
        ],
        "current_sort": current_sort,
        "columns": _table_columns(current=current_sort, carry=carry.urlencode(), corporate=corporate),
        "page_query": "&".join(part for part in [carry.urlencode(), f"sort={current_sort}"] if part),
        "count_display": (
            f"{result.paginator.cap:,}+" if result.paginator.capped else f"{result.paginator.count:,}"
        ),
        "sensitive_query": _masked_query(q, shape) if sensitive else "",
        "active_filter_count": sum(
            1 for name, value in customer_filter.form.cleaned_data.items() if value not in (None, "", False)
            and name != "sort"
        ),
    }
    template = "customers/list.html"
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        template += "#results"
    response = render(request, template, context)
    if request.htmx and sensitive:
        # htmx would push the full ID number or mobile into the address bar and the browser history.
        query = carry.copy()
        query.pop("q", None)
        response["HX-Push-Url"] = f"{request.path}?{query.urlencode()}" if query else request.path
    return response


@require_http_methods(["GET"])
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/customers/<pk>/: the customer 360 page."""
    context = customer_360(user=request.user, pk=pk)
    context["contact_form"] = ContactLogForm()
    return render(request, "customers/detail.html", context)


@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """/customers/<pk>/edit/: the profile form; nothing is saved unless every field is valid."""
    customer = get_object_or_404(editable_customers(user=request.user), pk=pk)
    form = CustomerProfileForm(request.POST or None, instance=customer)
    if request.method == "POST":
        if form.is_valid():
            # form.is_valid() has already written the cleaned values onto form.instance: start from the database.
            fresh = get_object_or_404(editable_customers(user=request.user), pk=pk)
            changed = customer_update(
                customer=fresh, data={name: form.cleaned_data[name] for name in PROFILE_FIELDS if name in form.fields}, by=request.user
            )
            if changed:
                messages.success(request, _("客户资料已保存。"))
            else:
                messages.info(request, _("资料没有变化。"))
            return redirect(fresh)
        messages.error(request, _("资料未保存：请按提示修改标红的字段。"))
    return render(request, "customers/edit.html", {"customer": customer, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("customers.add_contactlog", raise_exception=True)
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    """/customers/<pk>/contacts/new/: log a contact (交往记录); it appears at the top of the contact log."""
    customer = get_object_or_404(visible_customers(user=request.user).select_related("org_unit", "standing"), pk=pk)
    form = ContactLogForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            contact_log_create(customer=customer, staff=request.user, **form.cleaned_data)
            messages.success(request, _("交往记录已保存。"))
            return redirect(f"{customer.get_absolute_url()}#contacts")
        messages.error(request, _("交往记录未保存：请按提示修改。"))
    return render(request, "customers/contact_form.html", {"customer": customer, "form": form})
