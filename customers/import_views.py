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

from crm.months import MonthFormatError, month_parse
from crm.uploads import upload_store, upload_validate
from customers.importers.template_workbook import TEMPLATE_KINDS, template_workbook
from customers.services.imports import balances_import, customers_import

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
    """Step 2: write the previewed file (validated again: all-or-nothing)."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None) if _TOKEN.match(token) else None
    request.session[SESSION_KEY] = pending
    path = _imports_dir() / entry["name"] if entry else None
    if entry is None or not path.is_file():
        messages.error(request, _("导入已失效或已完成，请重新上传文件。"))
        return redirect("customers_import:index")
    month = date.fromisoformat(entry["month"]) if entry["month"] else None
    try:
        result = _import(entry["kind"], path, month, user=request.user, dry_run=False)
    finally:
        path.unlink(missing_ok=True)
    if result.ok:
        messages.success(request, _("导入成功（%(file)s）：新增 %(c)s，更新 %(u)s，未变化 %(n)s。") % {
            "file": entry["original"], "c": result.created, "u": result.updated, "n": result.unchanged})
    else:
        problem = result.file_error or _("共 %(n)s 处错误") % {"n": len(result.errors)}
        messages.error(request, _("导入失败，未写入任何数据：%(p)s。请重新上传核对。") % {"p": problem})
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
