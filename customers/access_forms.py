"""Forms of the access pages: object grants, handover, access-log filters."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import AccessLog, User


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        unit = obj.org_unit.name if obj.org_unit_id else ""
        return f"{obj}（{obj.username}{' · ' + unit if unit else ''}）"


class GrantForm(forms.Form):
    user = StaffChoiceField(label=_("授权给"), queryset=User.objects.none())
    level = forms.ChoiceField(label=_("权限"), choices=[("view", _("查看")), ("change", _("修改"))])

    def __init__(self, *args, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = receivers


class HandoverForm(forms.Form):
    from_maintainer = StaffChoiceField(
        label=_("原维护人"), queryset=User.objects.none(), required=False,
        help_text=_("选择后交接该员工维护的客户（未填写客户号时为其全部客户）。"),
    )
    customer_nos = forms.CharField(
        label=_("客户号"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("只交接这些客户：每行一个客户号，也可用逗号或空格分隔。"),
    )
    to_maintainer = StaffChoiceField(label=_("新维护人"), queryset=User.objects.none())
    reason = forms.CharField(label=_("交接原因"), max_length=300, widget=forms.TextInput())

    def __init__(self, *args, sources, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_maintainer"].queryset = sources
        self.fields["to_maintainer"].queryset = receivers

    def clean_customer_nos(self) -> list[str]:
        raw = self.cleaned_data.get("customer_nos") or ""
        numbers = [n for n in re.split(r"[\s,，;；]+", raw) if n]
        if len(numbers) > 10_000:
            raise forms.ValidationError(_("一次最多填写10000个客户号，请按原维护人交接或分批办理。"))
        return numbers

    def clean(self):
        data = super().clean()
        if not data.get("from_maintainer") and not data.get("customer_nos"):
            raise forms.ValidationError(_("请选择原维护人，或填写要交接的客户号。"))
        if data.get("from_maintainer") and data.get("from_maintainer") == data.get("to_maintainer"):
            self.add_error("to_maintainer", _("接收人与原维护人相同，无需交接。"))
        return data


class AccessLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *AccessLog.Action.choices])
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
    customer_no = forms.CharField(label=_("客户号"), required=False, max_length=32)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
