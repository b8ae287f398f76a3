"""The relationship manager's customer screens: list and search, 360 page, profile edit, contact log."""

from __future__ import annotations

import json
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from crm.client_ip import request_client_ip
from customers.masking import mask_id_number, mask_mobile
from customers.scoping import editable_customers, visible_customers, visible_ids_among, visible_standings

from .exports import ExportTooLarge, customer_list_export
from .filters import DEFAULT_SORT, CustomerFilter
from .forms import ContactLogForm, CustomerProfileForm
from .models import Customer
from .selectors import SearchShape, customer_360, customer_page, search_shape
from .services.contact_log import contact_log_create
from .services.customer_profile import PROFILE_FIELDS, CustomerEditConflict, customer_update

RESULTS_TARGET = "results"
MAX_CONTACT_PAGE = 10_000

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
    customer_filter = CustomerFilter(_search_params(request), queryset=visible_customers(user=request.user),
                                     user=request.user, month_scope=True)
    customers = customer_filter.qs  # validates the form; invalid filters are ignored, as on the page
    filters = {key: value for key, value in customer_filter.form.cleaned_data.items() if value not in (None, "", [])}
    # A searched ID or mobile is not written into the access log in full.
    filters.pop("q", None)
    try:
        content = customer_list_export(
            customers=customers, user=request.user, client_ip=request_client_ip(request),
            filters={key: str(value) for key, value in filters.items()},
            visible=visible_customers(user=request.user) if customer_filter.month_scope_active else None)
    except ExportTooLarge as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="customers.xlsx"'
    return response


# A full ID number or mobile typed into the search never travels in a URL (server logs, browser history):
# the search form POSTs, the text is kept in the session under an opaque token, and the URL carries the token.
SEARCH_SESSION_KEY = "customer_searches"
SEARCH_TOKENS_KEPT = 20


def _search_token(request: HttpRequest, q: str) -> str:
    tokens = dict(request.session.get(SEARCH_SESSION_KEY, {}))
    token = secrets.token_urlsafe(9)
    tokens[token] = q
    request.session[SEARCH_SESSION_KEY] = dict(list(tokens.items())[-SEARCH_TOKENS_KEPT:])
    return token


def _tokenized(request: HttpRequest, params: QueryDict) -> QueryDict:
    """``params`` with a sensitive ``q`` swapped for ``qt`` (its token); other searches stay as typed."""
    params = params.copy()
    for name in ("csrfmiddlewaretoken", "qt"):
        params.pop(name, None)
    q = (params.get("q") or "").strip()
    if q and search_shape(q) in SearchShape.SENSITIVE:
        params.pop("q")
        params["qt"] = _search_token(request, q)
    return params


def _search_params(request: HttpRequest) -> QueryDict:
    """The list's GET parameters with a search token resolved to the text it stands for."""
    params = request.GET.copy()
    token = params.pop("qt", [""])[-1]
    if token:
        q = request.session.get(SEARCH_SESSION_KEY, {}).get(token)
        if q is None:
            messages.warning(request, _("搜索已过期，请重新输入搜索内容。"))
        else:
            params["q"] = q
    return params


@require_http_methods(["POST"])
def customer_search(request: HttpRequest) -> HttpResponse:
    """POST /customers/search/: the filter form; redirects to the list with a sensitive search tokenized."""
    url = f"{reverse('customers:list')}?{_tokenized(request, request.POST).urlencode()}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Location"] = json.dumps({"path": url, "target": f"#{RESULTS_TARGET}", "swap": "outerHTML"})
        return response
    return redirect(url)


@require_http_methods(["GET"])
def customer_list(request: HttpRequest) -> HttpResponse:
    """/customers/: search, filters, sort and a capped count; htmx asks for the results partial only."""
    q = (request.GET.get("q") or "").strip()
    if q and search_shape(q) in SearchShape.SENSITIVE:
        # Typed into the address bar or an old bookmark: move it out of the URL at once.
        return redirect(f"{request.path}?{_tokenized(request, request.GET).urlencode()}")
    params = _search_params(request)
    customer_filter = CustomerFilter(params, queryset=visible_customers(user=request.user), user=request.user,
                                     month_scope=True)
    customers = customer_filter.qs
    standings = customer_filter.standings(visible_standings(user=request.user))
    result = customer_page(customers=customers, page=request.GET.get("page"), standings=standings)

    q = (customer_filter.form.cleaned_data.get("q") or "").strip()
    shape = search_shape(q) if q else ""
    sensitive = shape in SearchShape.SENSITIVE
    # Links (sort, pages) repeat the filters; a searched ID or mobile travels only as its opaque token (qt).
    carry = request.GET.copy()
    for name in ["page", "sort"]:
        carry.pop(name, None)
    current_sort = customer_filter.form.cleaned_data.get("sort") or DEFAULT_SORT
    corporate = customer_filter.form.cleaned_data.get("kind") in (Customer.Kind.CORPORATE, Customer.Kind.INSTITUTION)
    # A month drill-down also lists that close's customers since moved out of the reader's scope: no 360 link.
    snapshot = customer_filter.month_scope_active
    context = {
        "corporate_view": corporate,
        "openable": visible_ids_among(user=request.user, ids=[c.pk for c in result.page]) if snapshot else None,
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
    return response


@require_http_methods(["GET"])
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """/customers/<pk>/: the customer 360 page (``?contacts=N``: the Nth page of the contact log)."""
    raw_page = request.GET.get("contacts", "1")
    contacts_page = int(raw_page) if raw_page.isdecimal() and 0 < int(raw_page) <= MAX_CONTACT_PAGE else 1
    if raw_page != str(contacts_page):
        messages.warning(request, _("交往记录页码“%(page)s”无效，已显示第一页。") % {"page": raw_page[:20]})
    context = customer_360(user=request.user, pk=pk, contacts_page=contacts_page)
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
            data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS if name in form.fields}
            try:
                changed = customer_update(customer=fresh, data=data, by=request.user,
                                          version=form.cleaned_data["version"])
            except CustomerEditConflict as conflict:
                # Keep what the user typed, on top of the row as it is now: saving again is a knowing overwrite.
                current = get_object_or_404(editable_customers(user=request.user), pk=pk)
                posted = request.POST.copy()
                posted["version"] = current.updated_at.isoformat()
                form = CustomerProfileForm(posted, instance=current)
                form.is_valid()
                messages.error(request, _("资料未保存：在您打开此页面后，其他人修改了这位客户的资料。请核对下列变化后再保存。"))
                return render(request, "customers/edit.html",
                              {"customer": current, "form": form, "conflict": conflict.changes}, status=409)
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
