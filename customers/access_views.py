"""Access pages: reveal of full personal data, object grants, customer handover, the access log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.client_ip import request_client_ip
from crm.models import User
from customers.access_forms import AccessLogFilterForm, GrantForm, HandoverForm
from customers.access_selectors import (
    access_log_list,
    grant_receivers,
    handover_candidates,
    handover_items_visible,
    handover_receivers,
    handover_sources,
    handovers_visible,
)
from customers.scoping import org_subtree_customers
from customers.services.access import customer_grant_access, customer_reveal, customer_revoke_access
from customers.services.handover import customer_handover


@require_POST
def customer_reveal_view(request, pk: int):
    """Show one customer's full ID number and mobile once (logged); 404 outside scope, 403 without permission."""
    customer = customer_reveal(user=request.user, customer_pk=pk, client_ip=request_client_ip(request))
    template = "customers/access/reveal.html#revealed" if request.htmx else "customers/access/reveal.html"
    return render(request, template, {"customer": customer})


@require_POST
@permission_required("crm.grant_customer_access", raise_exception=True)
def customer_grant_view(request, pk: int):
    customer = get_object_or_404(org_subtree_customers(user=request.user), pk=pk)
    form = GrantForm(request.POST, receivers=grant_receivers(by=request.user, customer=customer))
    if form.is_valid():
        try:
            customer_grant_access(
                customer=customer, to=form.cleaned_data["user"], level=form.cleaned_data["level"],
                by=request.user, client_ip=request_client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已授权 %(user)s 访问该客户。") % {"user": form.cleaned_data["user"]})
    else:
        messages.error(request, _("授权失败：请选择本机构在职的员工和权限级别。"))
    return redirect(customer.get_absolute_url())


@require_POST
@permission_required("crm.grant_customer_access", raise_exception=True)
def customer_revoke_view(request, pk: int, user_id: int):
    customer = get_object_or_404(org_subtree_customers(user=request.user), pk=pk)
    grantee = get_object_or_404(User, pk=user_id)
    customer_revoke_access(customer=customer, user=grantee, by=request.user, client_ip=request_client_ip(request))
    messages.success(request, _("已撤销 %(user)s 对该客户的访问权限。") % {"user": grantee})
    return redirect(customer.get_absolute_url())


@permission_required("crm.view_handover", raise_exception=True)
def handover_list(request):
    handovers = handovers_visible(user=request.user)
    page = Paginator(handovers, 25).get_page(request.GET.get("page"))
    return render(request, "customers/access/handover_list.html", {"page": page})


@permission_required("crm.view_handover", raise_exception=True)
def handover_detail(request, pk: int):
    handover = get_object_or_404(handovers_visible(user=request.user), pk=pk)
    items = handover_items_visible(handover=handover, user=request.user)
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    return render(request, "customers/access/handover_detail.html", {"handover": handover, "page": page})


@permission_required("crm.handover_customers", raise_exception=True)
def handover_create(request):
    """客户交接: one, several (by customer numbers) or all customers of a maintainer, to a colleague."""
    kwargs = {"sources": handover_sources(by=request.user), "receivers": handover_receivers(by=request.user)}
    if request.method != "POST":
        initial = {"from_maintainer": request.GET.get("from")} if request.GET.get("from") else None
        return render(request, "customers/access/handover_form.html", {"form": HandoverForm(initial=initial, **kwargs)})
    form = HandoverForm(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        customers, missing = handover_candidates(by=request.user, from_maintainer=data["from_maintainer"],
                                                 customer_nos=data["customer_nos"])
        if missing:
            form.add_error("customer_nos", _("以下客户号不在可交接范围内（不存在、不属于本机构或不由所选原维护人维护）：%(nos)s")
                           % {"nos": "、".join(missing[:20]) + ("……" if len(missing) > 20 else "")})
        if form.is_valid():
            try:
                handover = customer_handover(
                    customers=customers, to=data["to_maintainer"], reason=data["reason"], by=request.user,
                    from_maintainer=data["from_maintainer"], client_ip=request_client_ip(request),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("交接完成：%(count)s 位客户已交给 %(to)s。") % {
                        "count": handover.customer_count, "to": handover.to_maintainer}
                )
                return redirect(handover.get_absolute_url())
    return render(request, "customers/access/handover_form.html", {"form": form}, status=400)


@permission_required("crm.view_accesslog", raise_exception=True)
def access_log(request):
    """The access log for auditors: read-only, filterable, paginated."""
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = access_log_list(user=request.user, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "customers/access/access_log.html", {"form": form, "page": page, "query": query.urlencode()})

