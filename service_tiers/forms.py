"""Forms of the task pages: each carries the task's version so a stale submission is caught."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm import months
from customers.models import ContactLog

from .models import ServiceTask
from .task_figures import COUNTED

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
    """The task list's filters; ``report``/``month``/``org``/``kind`` come from a dashboard figure's link
    (service_tiers.task_figures) and travel as hidden fields when the reader changes the visible ones."""

    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False, empty_label=_("全部"),
                                      widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    status = forms.ChoiceField(label=_("状态"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    report = forms.BooleanField(label=_("按报表口径"), required=False, widget=forms.HiddenInput)
    month = forms.CharField(label=_("到期月份"), required=False, max_length=7, widget=forms.HiddenInput)
    org = forms.ModelChoiceField(label=_("任务所属机构"), queryset=None, required=False, to_field_name="code",
                                 widget=forms.HiddenInput,
                                 error_messages={"invalid_choice": _("请选择您可查看范围内的机构。")})
    kind = forms.ChoiceField(label=_("任务类型"), required=False, widget=forms.HiddenInput,
                             choices=[("", ""), *ServiceTask.Kind.choices],
                             error_messages={"invalid_choice": _("任务类型无效。")})

    def __init__(self, *args, assignees, units, **kwargs):
        super().__init__(*args, **kwargs)
        if assignees is None:  # an RM's own tasks: nobody else to choose
            del self.fields["assignee"]
        else:
            self.fields["assignee"].queryset = assignees
            self.fields["assignee"].error_messages["invalid_choice"] = _("负责人不在您的查看范围内。")
        self.fields["org"].queryset = units
        self.fields["status"].choices = [("", _("全部")), (COUNTED, _("未取消")), *ServiceTask.Status.choices]

    def clean_month(self):
        raw = self.cleaned_data["month"]
        if not raw:
            return None
        try:
            return months.month_parse(raw)
        except months.MonthFormatError as exc:
            raise forms.ValidationError(str(exc)) from None


class BulkFollowUpForm(forms.Form):
    due_date = forms.DateField(label=_("跟进日期"), widget=DATE)
    title = forms.CharField(label=_("任务标题"), max_length=200)


class BulkHandoverForm(forms.Form):
    to_maintainer = forms.ModelChoiceField(label=_("交接给"), queryset=None)
    reason = forms.CharField(label=_("交接原因"), max_length=200)

    def __init__(self, *args, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_maintainer"].queryset = receivers
