"""The compliance page for branch heads and HQ (service_tiers:compliance): thin over service_tiers.compliance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import months
from crm.models import OrgUnit

from . import compliance

MISSING_ON_PAGE = 100


@permission_required("service_tiers.view_compliance", raise_exception=True)
def compliance_page(request: HttpRequest) -> HttpResponse:
    """Follow-up rate per RM and per unit, customers without a follow-up, idle staff, visits, book sizes."""
    today = timezone.localdate()
    month = today.replace(day=1)
    raw = request.GET.get("month", "").strip()
    if raw:
        try:
            parsed = months.month_parse(raw)
        except months.MonthFormatError as exc:
            messages.error(request, str(exc))
        else:
            if parsed > month:
                messages.error(request, _("%(month)s 尚未到来，显示本月") % {"month": raw})
            else:
                month = parsed
    maintainer_id = None
    raw_maintainer = request.GET.get("maintainer", "").strip()
    if raw_maintainer:
        if raw_maintainer.isdecimal() and len(raw_maintainer) < 10:
            maintainer_id = int(raw_maintainer)
        else:
            messages.error(request, _("客户经理参数无效：%(value)s") % {"value": raw_maintainer[:20]})
    user = request.user
    # ``org``: a unit of the reader's subtree (a dashboard's unit), narrowing every figure of the page.
    unit = None
    raw_org = request.GET.get("org", "").strip()
    if raw_org:
        unit = (OrgUnit.objects.filter(code=raw_org[:32], path__startswith=user.org_unit.path).first()
                if user.org_unit_id and "\x00" not in raw_org else None)
        if unit is None:
            messages.error(request, _("机构 %(code)s 不在您的查看范围内，显示全部机构") % {"code": raw_org[:20]})
    units = {"org_unit_ids": unit.subtree_ids} if unit is not None else {}
    missing_total = compliance.compliance_total(
        month=month, user=user, maintainer_ids=[maintainer_id] if maintainer_id is not None else None, **units)
    context = {
        "month": month,
        "unit": unit,
        "total": compliance.compliance_total(month=month, user=user, **units),
        "by_rm": compliance.compliance_rates(month=month, user=user, group_by="maintainer", **units),
        "by_unit": compliance.compliance_rates(month=month, user=user, group_by="org_unit", **units),
        "missing": compliance.customers_without_followup(month=month, user=user, maintainer_id=maintainer_id,
                                                         limit=MISSING_ON_PAGE, **units),
        "missing_count": missing_total.missing,
        "missing_limit": MISSING_ON_PAGE,
        "maintainer_id": maintainer_id,
        "idle": compliance.idle_staff(user=user, day=today),
        "visits": compliance.visit_compliance(month=month, user=user),
        "books": compliance.book_sizes(user=user, day=today),
    }
    return render(request, "service_tiers/compliance.html", context)
