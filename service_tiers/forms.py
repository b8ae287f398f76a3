"""Forms of the task pages: each carries the task's version so a stale submission is caught."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import ContactLog

from .models import ServiceTask

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_000_000_000)


class TaskCompleteForm(_Versioned):
    outcome = forms.CharField(label=_("联系结果"), max_length=200)
    channel = forms.ChoiceField(label=_("联系方式"), choices=ContactLog.Channel.choices, initial="phone")
    note = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    next_date = forms.DateField(label=_("下次跟进日期（可选）"), required=False, widget=DATE)


class TaskRescheduleForm(_Versioned):
    due_date = forms.DateField(label=_("新的到期日"), widget=DATE)
    reason = forms.CharField(label=_("改期原因"), max_length=200)


class TaskCancelForm(_Versioned):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class TaskReassignForm(_Versioned):
    assignee = forms.ModelChoiceField(label=_("转派给"), queryset=None)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = targets
        self.fields["assignee"].error_messages["invalid_choice"] = _("只能转派给本机构（含下级）在职的员工。")


class TeamFilterForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False, empty_label=_("全部"),
                                      widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    status = forms.ChoiceField(label=_("状态"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["status"].choices = [("", _("全部")), *ServiceTask.Status.choices]


class BulkFollowUpForm(forms.Form):
    due_date = forms.DateField(label=_("跟进日期"), widget=DATE)
    title = forms.CharField(label=_("任务标题"), max_length=200)


class BulkHandoverForm(forms.Form):
    to_maintainer = forms.ModelChoiceField(label=_("交接给"), queryset=None)
    reason = forms.CharField(label=_("交接原因"), max_length=200)

    def __init__(self, *args, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_maintainer"].queryset = receivers
