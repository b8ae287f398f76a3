"""The tier dashboard: the reader's scope, a closed month, figures from the report dataset."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm import months

from .charts import dashboard_charts, dashboard_tables
from .dataset import ReportMonthError, closed_months, report_dataset
from .scope import ReportScopeError, report_scope_for, report_units_for


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """/reports/dashboard/?month=YYYY-MM&org=CODE — bad month or unit: the page with a clear message."""
    units = report_units_for(user=request.user)
    context = {"units": units, "months": closed_months(), "org": request.GET.get("org", "").strip()[:32]}
    try:
        scope = report_scope_for(user=request.user, org_code=context["org"], units=units)
    except ReportScopeError as exc:
        return _error(request, context, str(exc), status=exc.status)
    context["scope"] = scope
    if not context["months"]:
        return _error(request, context, _("还没有已月结的月份，月结后即可查看仪表盘"), status=200)
    raw_month = request.GET.get("month", "").strip()
    try:
        month = months.month_parse(raw_month) if raw_month else context["months"][0]
        dataset = report_dataset(month=month, scope=scope)
    except months.MonthFormatError as exc:
        return _error(request, context, str(exc), status=400)
    except ReportMonthError as exc:
        return _error(request, context, str(exc), status=404)
    context.update({"data": dataset, "month": month, "charts": dashboard_charts(dataset), **dashboard_tables(dataset)})
    return render(request, "reports/dashboard.html", context)


def _error(request: HttpRequest, context: dict, message: str, *, status: int) -> HttpResponse:
    return render(request, "reports/dashboard.html", {**context, "error": message}, status=status)
