"""Upload pages for the two imports: upload → preview (errors or counts) → confirm → write."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from crm.models import Job
from crm.month_lock import month_lock_key
from crm.months import MonthFormatError, month_parse
from crm.services.jobs import JobConflict, JobStartError, job_enqueue
from crm.uploads import upload_store, upload_validate, uploads_purge_expired
from customers.importers.template_workbook import TEMPLATE_KINDS, template_workbook
from customers.services.imports import balances_import, customers_import
from customers.tasks import IMPORT_TASK

PERMISSION = "customers.add_customer"
SESSION_KEY = "pending_imports"
MAX_ERRORS_SHOWN = 1000
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class CustomersUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("客户文件（.xlsx 或 .csv）"))


class BalancesUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("余额文件（.xlsx 或 .csv）"))
    month = forms.CharField(label=gettext_lazy("月份"), widget=forms.TextInput(attrs={"type": "month"}),
                            help_text=gettext_lazy("格式 YYYY-MM"))

    def clean_month(self) -> date:
        try:
            return month_parse(self.cleaned_data["month"])
        except MonthFormatError as exc:
            raise ValidationError(str(exc)) from None


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _render_index(request, *, customers_form=None, balances_form=None, status=200):
    return render(request, "customers/import/index.html", {
        "customers_form": customers_form or CustomersUploadForm(),
        "balances_form": balances_form or BalancesUploadForm(),
    }, status=status)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def import_index(request):
    return _render_index(request)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def import_upload(request, kind: str):
    """Step 1: store the upload under a generated name, validate it with a dry run, show the preview."""
    if kind not in ("customers", "balances"):
        raise Http404
    form_class = CustomersUploadForm if kind == "customers" else BalancesUploadForm
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            extension = upload_validate(file=form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
    if not form.is_valid():
        forms_by_kind = {"customers_form": form} if kind == "customers" else {"balances_form": form}
        return _render_index(request, status=400, **forms_by_kind)
    uploads_purge_expired()  # opportunistic: previews nobody confirmed or cancelled do not pile up
    stored = upload_store(file=form.cleaned_data["file"], kind=extension, subdir="imports")
    month = form.cleaned_data.get("month")
    result = _import(kind, stored, month, user=request.user, dry_run=True)
    token = stored.stem
    if result.ok:
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"kind": kind, "name": stored.name, "month": month.isoformat() if month else None,
                          "original": form.cleaned_data["file"].name}
        request.session[SESSION_KEY] = pending
    else:
        stored.unlink(missing_ok=True)
    return render(request, "customers/import/preview.html", {
        "kind": kind, "result": result, "token": token, "month": month,
        "original": form.cleaned_data["file"].name,
        "errors_shown": result.errors[:MAX_ERRORS_SHOWN], "errors_hidden": max(0, len(result.errors) - MAX_ERRORS_SHOWN),
    }, status=200 if result.ok else 422)


def _import(kind: str, path: Path, month: date | None, *, user, dry_run: bool):
    if kind == "customers":
        return customers_import(file=path, by=user, dry_run=dry_run, max_rows=settings.IMPORT_MAX_ROWS)
    return balances_import(file=path, month=month, by=user, dry_run=dry_run, max_rows=settings.IMPORT_MAX_ROWS)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def import_confirm(request):
    """Step 2: queue the previewed file's import as a background job and show its progress.

    The job validates the file again and writes all-or-nothing; the file stays until the job succeeds.
    """
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token) if _TOKEN.match(token) else None
    path = _imports_dir() / entry["name"] if entry else None
    if entry is None or not path.is_file():
        pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        messages.error(request, _("导入已失效或已完成，请重新上传文件。"))
        return redirect("customers_import:index")
    month = date.fromisoformat(entry["month"]) if entry["month"] else None
    try:
        job = job_enqueue(
            kind=Job.Kind.IMPORT_CUSTOMERS if entry["kind"] == "customers" else Job.Kind.IMPORT_BALANCES,
            task_name=IMPORT_TASK, by=request.user, month=month,
            parameters={"kind": entry["kind"], "path": f"imports/{entry['name']}", "original": entry["original"],
                        "month": month.isoformat() if month else None},
            lock_key=month_lock_key(month) if month else "",
        )
    except (JobConflict, JobStartError) as exc:
        messages.error(request, str(exc))  # the preview stays pending: confirm again once the other job ends
        return redirect("customers_import:index")
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    messages.info(request, _("导入已提交为后台作业（%(file)s），可关闭本页，稍后在“后台作业”中查看结果。")
                  % {"file": entry["original"]})
    return redirect(job)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def import_cancel(request):
    """Drop a previewed upload: its file is deleted at once."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None) if _TOKEN.match(token) else None
    request.session[SESSION_KEY] = pending
    if entry is not None:
        (_imports_dir() / entry["name"]).unlink(missing_ok=True)
        messages.info(request, _("已取消导入，上传的文件已删除。"))
    return redirect("customers_import:index")


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def import_template(request, kind: str):
    """A workbook with the header row and one example row."""
    if kind not in TEMPLATE_KINDS:
        raise Http404
    response = HttpResponse(
        template_workbook(kind=kind), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response
