"""The customer list's search box, filters and sort (GET parameters of /customers/).

A bad value never breaks the page: its field reports a Chinese message and the filter is ignored.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from crm.models import OrgUnit

from .models import Customer, CustomerStanding
from .selectors import customer_search, maintainer_choices, visible_org_units
from .snapshot_filters import MonthSnapshotFilterSet
from .tiers import AssetTier, CorporateClass, CorporateSize, DepositClass, MaintenanceBand, ValueSegment


def _rank(field_name: str, choices) -> Case:
    """Order a label column by its business rank (the order its choices are declared), not alphabetically."""
    return Case(
        *[When(**{field_name: value}, then=Value(i)) for i, value in enumerate(choices.values)],
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


STANDING = "standing__"
AUM = f"{STANDING}aum"
AUM_SORT = f"{STANDING}aum_cents"  # the same order, the key of the sort indexes (CustomerStanding.aum_cents)

# The sort allow-list: the GET value → the ORDER BY it stands for. Ties are broken by pk so pages are stable.
# AUM, tiers and scores are the customer's standing (latest closed month), indexed by scope in that table.
SORTS = {
    "-aum": [F(AUM_SORT).desc()],
    "aum": [F(AUM_SORT).asc()],
    "name": [F("name").asc()],
    "-name": [F("name").desc()],
    "customer_no": [F("customer_no").asc()],
    "-customer_no": [F("customer_no").desc()],
    "since": [F("since").asc(nulls_last=True)],
    "-since": [F("since").desc(nulls_last=True)],
    "asset_tier": [_rank("standing__asset_tier", AssetTier).asc(), F(AUM_SORT).desc()],
    "-asset_tier": [_rank("standing__asset_tier", AssetTier).desc(), F(AUM_SORT).desc()],
    "value_segment": [_rank("standing__value_segment", ValueSegment).asc(), F(AUM_SORT).desc()],
    "-value_segment": [_rank("standing__value_segment", ValueSegment).desc(), F(AUM_SORT).desc()],
    "maintenance_band": [_rank("standing__maintenance_band", MaintenanceBand).asc(), F(AUM_SORT).desc()],
    "-maintenance_band": [_rank("standing__maintenance_band", MaintenanceBand).desc(), F(AUM_SORT).desc()],
    "profit_score": [F("standing__profit_score").asc(nulls_last=True)],
    "-profit_score": [F("standing__profit_score").desc(nulls_last=True)],
    "stability_score": [F("standing__stability_score").asc(nulls_last=True)],
    "-stability_score": [F("standing__stability_score").desc(nulls_last=True)],
    # Companies and institutions: largest / first class first when descending (the choices run high → low).
    "corporate_size": [_rank("standing__corporate_size", CorporateSize).asc(), F(AUM_SORT).desc()],
    "-corporate_size": [_rank("standing__corporate_size", CorporateSize).desc(), F(AUM_SORT).desc()],
    "deposit_class": [_rank("standing__deposit_class", DepositClass).asc(), F(AUM_SORT).desc()],
    "-deposit_class": [_rank("standing__deposit_class", DepositClass).desc(), F(AUM_SORT).desc()],
    "corporate_class": [_rank("standing__corporate_class", CorporateClass).asc(), F(AUM_SORT).desc()],
    "-corporate_class": [_rank("standing__corporate_class", CorporateClass).desc(), F(AUM_SORT).desc()],
}
DEFAULT_SORT = "-aum"
SORT_CHOICES = [
    ("-aum", _("金融资产从高到低")),
    ("aum", _("金融资产从低到高")),
    ("name", _("姓名")),
    ("-name", _("姓名（倒序）")),
    ("customer_no", _("客户号")),
    ("-customer_no", _("客户号（倒序）")),
    ("-since", _("建立关系日期（最近在前）")),
    ("since", _("建立关系日期（最早在前）")),
    ("asset_tier", _("资产等级")),
    ("-asset_tier", _("资产等级（倒序）")),
    ("value_segment", _("价值分群")),
    ("-value_segment", _("价值分群（倒序）")),
    ("maintenance_band", _("维护层级")),
    ("-maintenance_band", _("维护层级（倒序）")),
    ("-profit_score", _("盈利性得分从高到低")),
    ("profit_score", _("盈利性得分从低到高")),
    ("-stability_score", _("稳定性得分从高到低")),
    ("stability_score", _("稳定性得分从低到高")),
    ("corporate_size", _("企业规模（特大型在前）")),
    ("-corporate_size", _("企业规模（小微型在前）")),
    ("deposit_class", _("存款类别（一类在前）")),
    ("-deposit_class", _("存款类别（三类在前）")),
    ("corporate_class", _("客户分类（战略基础在前）")),
    ("-corporate_class", _("客户分类（调整型在前）")),
]
# The sorts of the corporate view (the list filtered to companies or institutions).
CORPORATE_SORTS = {"corporate_size", "deposit_class", "corporate_class"}
assert {value for value, _label in SORT_CHOICES} == set(SORTS)


def customer_order(*, customers: QuerySet[Customer], sort: str | None) -> QuerySet[Customer]:
    """Order by an allow-listed sort key (the default when unknown), ties broken by pk."""
    return customers.order_by(*SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT]), "pk")


def _amount_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal(0), max_digits=18, decimal_places=2,
        error_messages={
            "invalid": _("请输入金额数字，例如 100000。"),
            "min_value": _("金额不能为负数。"),
            "max_digits": _("金额位数过多。"),
            "max_decimal_places": _("金额最多两位小数。"),
            "max_whole_digits": _("金额位数过多。"),
        },
    )


def _score_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2,
        error_messages={
            "invalid": _("请输入 0 到 100 之间的得分。"),
            "min_value": _("得分不能小于 0。"),
            "max_value": _("得分不能大于 100。"),
            "max_digits": _("请输入 0 到 100 之间的得分。"),
            "max_decimal_places": _("得分最多两位小数。"),
            "max_whole_digits": _("请输入 0 到 100 之间的得分。"),
        },
    )


class CustomerFilterForm(forms.Form):
    """Cross-field checks (ranges) on the filter parameters."""

    def clean(self):
        data = super().clean()
        low, high = data.get("aum_min"), data.get("aum_max")
        if low is not None and high is not None and low >= high:
            self.add_error("aum_max", _("金融资产上限必须大于下限。"))
            data.pop("aum_min", None)
        return data


class CustomerFilter(MonthSnapshotFilterSet):
    """Search, filters and sort of the customer list. Needs ``user`` (the viewer bounds the choices).

    The month-snapshot filters (``month``, ``m_*``: what a report counted) come from the base class.
    """

    q = django_filters.CharFilter(
        label=_("搜索"), method="filter_q", max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、客户号、手机尾号、手机号或证件号码"), "type": "search"}),
    )
    org_unit = django_filters.ModelChoiceFilter(
        label=_("所属机构"), queryset=OrgUnit.objects.none(), method="filter_org_unit", empty_label=_("全部机构"),
    )
    maintainer = django_filters.ModelChoiceFilter(
        label=_("维护人"), queryset=Customer.objects.none(), empty_label=_("全部维护人"),
        field_name="standing__maintainer",
    )
    kind = django_filters.ChoiceFilter(label=_("客户类型"), choices=Customer.Kind.choices, empty_label=_("全部类型"))
    asset_tier = django_filters.ChoiceFilter(
        label=_("资产等级"), choices=AssetTier.choices, empty_label=_("全部等级"), field_name="standing__asset_tier"
    )
    value_segment = django_filters.ChoiceFilter(
        label=_("价值分群"), choices=ValueSegment.choices, empty_label=_("全部分群"),
        field_name="standing__value_segment",
    )
    maintenance_band = django_filters.ChoiceFilter(
        label=_("维护层级"), choices=MaintenanceBand.choices, empty_label=_("全部层级"),
        field_name="standing__maintenance_band",
    )
    corporate_size = django_filters.ChoiceFilter(
        label=_("企业规模"), choices=CorporateSize.choices, empty_label=_("全部规模"),
        field_name="standing__corporate_size",
    )
    deposit_class = django_filters.ChoiceFilter(
        label=_("存款类别"), choices=DepositClass.choices, empty_label=_("全部类别"),
        field_name="standing__deposit_class",
    )
    corporate_class = django_filters.ChoiceFilter(
        label=_("客户分类"), choices=CorporateClass.choices, empty_label=_("全部分类"),
        field_name="standing__corporate_class",
    )
    aum_min = django_filters.NumberFilter(label=_("金融资产不低于（元）"), field_name=AUM, lookup_expr="gte")
    aum_max = django_filters.NumberFilter(label=_("金融资产低于（元）"), field_name=AUM, lookup_expr="lt")
    profit_min = django_filters.NumberFilter(
        label=_("盈利性得分不低于"), field_name="standing__profit_score", lookup_expr="gte"
    )
    stability_min = django_filters.NumberFilter(
        label=_("稳定性得分不低于"), field_name="standing__stability_score", lookup_expr="gte"
    )
    birthday_this_month = django_filters.BooleanFilter(
        label=_("本月生日"), method="filter_birthday_this_month", widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("排序"), choices=SORT_CHOICES, method="filter_sort", empty_label=None,
    )

    class Meta:
        model = Customer
        fields: list[str] = []
        form = CustomerFilterForm

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, user=user, **kwargs)
        self.filters["org_unit"].queryset = visible_org_units(user=user)
        self.filters["maintainer"].queryset = maintainer_choices(user=user)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            form.fields["aum_min"] = _amount_field(self.filters["aum_min"].label)
            form.fields["aum_max"] = _amount_field(self.filters["aum_max"].label)
            form.fields["profit_min"] = _score_field(self.filters["profit_min"].label)
            form.fields["stability_min"] = _score_field(self.filters["stability_min"].label)
            form.fields["birthday_this_month"] = forms.BooleanField(
                label=self.filters["birthday_this_month"].label, required=False
            )
            form.fields["sort"].required = False
            form.fields["sort"].initial = DEFAULT_SORT
            for name, message in [
                ("org_unit", _("请选择您可查看范围内的机构。")),
                ("maintainer", _("请选择您可查看范围内的维护人。")),
                ("kind", _("客户类型无效。")),
                ("asset_tier", _("资产等级无效。")),
                ("value_segment", _("价值分群无效。")),
                ("maintenance_band", _("维护层级无效。")),
                ("corporate_size", _("企业规模无效。")),
                ("deposit_class", _("存款类别无效。")),
                ("corporate_class", _("客户分类无效。")),
                ("sort", _("不支持该排序方式，已按默认方式排序。")),
            ]:
                form.fields[name].error_messages["invalid_choice"] = message
            form.fields["q"].error_messages["max_length"] = _("搜索内容不能超过 100 个字。")
            for bound in form.visible_fields():
                widget = bound.field.widget
                if isinstance(widget, forms.CheckboxInput):
                    widget.attrs["class"] = "form-check-input"
                elif isinstance(widget, forms.Select):
                    widget.attrs["class"] = "form-select form-select-sm"
                else:
                    widget.attrs["class"] = "form-control form-control-sm"
            self._form = form
        return self._form

    def standings(self, queryset: QuerySet[CustomerStanding]) -> QuerySet[CustomerStanding] | None:
        """``queryset`` (the user's standing rows) narrowed by the same filters, so the list can be counted
        without joining the customers; None when an active filter reads a customer column (search, type,
        birthday).
        """
        self.form.is_valid()  # validates once; invalid filters are left out of cleaned_data, as in ``qs``
        for name, value in self.form.cleaned_data.items():
            if name == "sort" or value in EMPTY_VALUES or value is False:  # as django-filter (and our methods) skip
                continue
            if name == "org_unit":
                queryset = queryset.filter(org_unit__in=value.subtree_ids)
                continue
            field = self.filters[name]
            if not field.field_name.startswith(STANDING):
                return None
            queryset = queryset.filter(**{f"{field.field_name.removeprefix(STANDING)}__{field.lookup_expr}": value})
        return queryset

    def filter_queryset(self, queryset):
        # The default order first; a valid ``sort`` replaces it.
        queryset = customer_order(customers=self.month_base(queryset), sort=None)
        return super().filter_queryset(queryset)

    def filter_q(self, queryset, name, value):
        return customer_search(customers=queryset, q=value)

    def filter_org_unit(self, queryset, name, value):
        # A branch means its whole subtree; on the standing row, like the scope, so the org unit leads the
        # AUM and tier indexes.
        return queryset.filter(standing__org_unit__in=value.subtree_ids)

    def filter_birthday_this_month(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(birth_month=timezone.localdate().month)

    def filter_sort(self, queryset, name, value):
        return customer_order(customers=queryset, sort=value)
