"""The reports page's form: month, unit and format of the package to generate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.months import MonthFormatError, month_parse

from .models import ReportArchive


class ReportPackageForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("月份"), max_length=7)
    org = forms.CharField(label=gettext_lazy("机构"), max_length=32)
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=ReportArchive.Format.choices)

    def __init__(self, *args, units, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units}
        self.closed = {close.month for close in months}
        self.month_choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in sorted(self.closed, reverse=True)]
        self.unit_choices = [(unit.code, unit) for unit in units]

    def clean_month(self):
        try:
            month = month_parse(self.cleaned_data["month"])
        except MonthFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        if month not in self.closed:
            raise forms.ValidationError(_("%(month)s 尚未月结，不能生成报表") % {"month": f"{month:%Y-%m}"})
        return month

    def clean_org(self):
        code = self.cleaned_data["org"].strip()
        unit = self.units.get(code)
        if unit is None:
            raise forms.ValidationError(_("机构 %(code)s 不存在或不在您的权限范围内") % {"code": code})
        return unit
