"""The reports page: generate the monthly package for a unit in scope, list and download archived files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.client_ip import request_client_ip
from crm.services.jobs import JobConflict, JobStartError

from .archive_selectors import report_archives_visible, report_months, report_reader, report_units
from .forms import ReportPackageForm
from .services import ReportError, report_archive_download
from .tasks import report_package_enqueue


def _page(request, form, *, status: int = 200):
    archives = Paginator(report_archives_visible(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "reports/index.html", {"form": form, "page": archives}, status=status)


def _form(request, data=None):
    return ReportPackageForm(data, units=list(report_units(user=request.user)), months=list(report_months()))


@login_required
def index(request):
    if not report_reader(user=request.user):
        raise PermissionDenied
    form = _form(request)
    return _page(request, form)


@login_required
@require_POST
def generate(request):
    if not report_reader(user=request.user):
        raise PermissionDenied
    form = _form(request, request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    # A package of a whole bank takes up to a minute: a background job, whose page shows its progress.
    try:
        job = report_package_enqueue(month=data["month"], org_unit=data["org"], fmt=data["format"], by=request.user)
    except (JobConflict, JobStartError) as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=400)
    messages.info(request, _("报表包已提交为后台作业，完成后可在本页下载。"))
    return redirect(job)


@login_required
def download(request, pk: int):
    if not report_reader(user=request.user):
        raise PermissionDenied
    archive = get_object_or_404(report_archives_visible(user=request.user), pk=pk)
    try:
        path = report_archive_download(archive=archive, by=request.user, client_ip=request_client_ip(request))
    except ReportError as exc:
        return render(request, "reports/missing.html", {"message": str(exc)}, status=410)
    return FileResponse(path.open("rb"), as_attachment=True, filename=archive.download_name)
