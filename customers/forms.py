"""Forms of the relationship manager's screens: the profile edit and the contact log."""

from __future__ import annotations

from crispy_forms.bootstrap import FormActions
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from customers.masking import mask_id_number, mask_mobile

from .models import ContactLog, Customer, Lookup
from .services.customer_profile import PROFILE_FIELDS
from .validators import resident_id_birth_date, validate_mobile, validate_not_future, validate_resident_id

# Fields that only make sense for one kind of customer; the form leaves the others out (and unchanged).
INDIVIDUAL_ONLY = ["gender", "birth_date", "occupation", "position", "employer", "income_band", "hobbies",
                   "risk_preference"]
CORPORATE_ONLY = ["credit_code", "legal_representative", "registered_capital", "total_assets", "credit_customer",
                  "target_credit", "admin_level"]
# Personal data never sent back to the browser in full: left blank means "unchanged".
SENSITIVE_FIELDS = ["id_number", "mobile"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BlankTextInput(forms.TextInput):
    """A text input that never renders a value: stored or typed personal data stays off the page."""

    def format_value(self, value):
        return None


class CustomerProfileForm(forms.ModelForm):
    """The customer's profile. ID number and mobile show masked; a blank input keeps the stored value."""

    class Meta:
        model = Customer
        fields = PROFILE_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "since": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ["region", "industry", "occupation", "customer_type"]:
            kind = {"region": Lookup.Kind.REGION, "industry": Lookup.Kind.INDUSTRY,
                    "occupation": Lookup.Kind.OCCUPATION, "customer_type": Lookup.Kind.CUSTOMER_TYPE}[name]
            self.fields[name].queryset = Lookup.objects.filter(kind=kind, active=True).order_by("sort_order", "code")
        stored_id = mask_id_number(self.instance.id_number)
        stored_mobile = mask_mobile(self.instance.mobile)
        self.fields["id_number"].widget = BlankTextInput(
            attrs={"placeholder": stored_id or _("未登记"), "autocomplete": "off"}
        )
        self.fields["mobile"].widget = BlankTextInput(
            attrs={"placeholder": stored_mobile or _("未登记"), "autocomplete": "off", "inputmode": "numeric"}
        )
        if stored_id:
            self.fields["id_number"].help_text = _("当前：%(value)s。留空表示不修改。") % {"value": stored_id}
        if stored_mobile:
            self.fields["mobile"].help_text = _("当前：%(value)s。留空表示不修改。") % {"value": stored_mobile}
        # Never render the stored values into the page.
        for name in SENSITIVE_FIELDS:
            self.initial[name] = ""
        self.fields["name"].error_messages["required"] = _("请填写姓名/名称。")

        individual = self.instance.kind == Customer.Kind.INDIVIDUAL
        for name in INDIVIDUAL_ONLY if not individual else CORPORATE_ONLY:
            del self.fields[name]

        def row(*columns):
            return Div(*[Div(Field(name), css_class=css) for name, css in columns if name in self.fields],
                       css_class="row")

        self.helper = FormHelper()
        self.helper.form_tag = False
        if individual:
            sections = [
                Fieldset(
                    _("基本信息"),
                    row(("name", "col-md-4"), ("gender", "col-md-2"), ("birth_date", "col-md-3"),
                        ("since", "col-md-3")),
                    row(("id_type", "col-md-4"), ("id_number", "col-md-4"), ("mobile", "col-md-4")),
                    Field("address"),
                ),
                Fieldset(
                    _("职业与偏好"),
                    row(("region", "col-md-3"), ("industry", "col-md-3"), ("occupation", "col-md-3"),
                        ("customer_type", "col-md-3")),
                    row(("position", "col-md-4"), ("employer", "col-md-4"), ("income_band", "col-md-4")),
                    row(("hobbies", "col-md-4"), ("risk_preference", "col-md-4"), ("credit_rating", "col-md-4")),
                    Field("notes"),
                ),
            ]
        else:
            sections = [
                Fieldset(
                    _("基本信息"),
                    row(("name", "col-md-6"), ("since", "col-md-3"), ("credit_rating", "col-md-3")),
                    row(("id_type", "col-md-4"), ("id_number", "col-md-4"), ("mobile", "col-md-4")),
                    Field("address"),
                    row(("region", "col-md-4"), ("industry", "col-md-4"), ("customer_type", "col-md-4")),
                ),
                Fieldset(
                    _("对公客户信息"),
                    row(("credit_code", "col-md-4"), ("legal_representative", "col-md-4"), ("admin_level", "col-md-4")),
                    row(("registered_capital", "col-md-3"), ("total_assets", "col-md-3"), ("target_credit", "col-md-3"),
                        ("credit_customer", "col-md-3 pt-md-4")),
                    Field("notes"),
                ),
            ]
        self.helper.layout = Layout(
            *sections,
            FormActions(
                Submit("save", _("保存")),
                HTML(f'<a class="btn btn-outline-secondary ms-2" href="{{{{ customer.get_absolute_url }}}}">'
                     f"{escape(_('取消'))}</a>"),
            ),
        )

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        return value or self.instance.id_number

    def clean_mobile(self) -> str:
        value = (self.cleaned_data.get("mobile") or "").strip().replace(" ", "").replace("-", "")
        if not value:
            return self.instance.mobile
        validate_mobile(value)
        return value

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value:
            try:
                validate_not_future(value)
            except ValidationError:
                raise ValidationError(_("出生日期不能晚于今天。"), code="future_date") from None
        return value

    def clean_since(self):
        value = self.cleaned_data.get("since")
        if value:
            try:
                validate_not_future(value)
            except ValidationError:
                raise ValidationError(_("建立关系日期不能晚于今天。"), code="future_date") from None
        return value

    def clean(self):
        data = super().clean()
        id_type = data.get("id_type")
        id_number = data.get("id_number") or ""
        if id_type == Customer.IdType.RESIDENT_ID and "id_number" not in self.errors:
            if not id_number:
                self.add_error("id_number", _("证件类型为居民身份证时，请填写身份证号码。"))
                return data
            try:
                validate_resident_id(id_number)
            except ValidationError as error:
                self.add_error("id_number", error)
                return data
            if "birth_date" not in self.fields:
                return data
            id_birth = resident_id_birth_date(id_number)
            birth_date = data.get("birth_date")
            if birth_date is None and "birth_date" not in self.errors:
                data["birth_date"] = id_birth
            elif birth_date and birth_date != id_birth:
                self.add_error(
                    "birth_date",
                    _("出生日期与身份证号码中的出生日期（%(date)s）不一致。") % {"date": id_birth.isoformat()},
                )
        return data


class ContactLogForm(forms.ModelForm):
    """交往记录: date (not in the future), channel, summary, next step."""

    class Meta:
        model = ContactLog
        fields = ["contacted_on", "channel", "summary", "next_step"]
        widgets = {
            "contacted_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("contacted_on", timezone.localdate())
        self.fields["summary"].error_messages["required"] = _("请填写交往内容。")
        self.fields["contacted_on"].error_messages["required"] = _("请填写联系日期。")
        self.fields["channel"].error_messages["required"] = _("请选择联系方式。")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(Div(Field("contacted_on"), css_class="col-md-6"), Div(Field("channel"), css_class="col-md-6"),
                css_class="row"),
            Field("summary"),
            Field("next_step"),
        )
        self.helper.add_input(Submit("log", _("记录交往")))

    def clean_contacted_on(self):
        value = self.cleaned_data.get("contacted_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("联系日期不能晚于今天。"), code="future_date")
        return value


class CustomerCreateForm(forms.Form):
    """A new customer in the browser: the fields of a customers-file row the creator knows at the counter.

    Only shapes are checked here; the rules are the importer's (customers.services.customer_create).
    """

    customer_no = forms.CharField(label=_("客户号"), max_length=32)
    kind = forms.ChoiceField(label=_("客户类型"), choices=Customer.Kind.choices)
    name = forms.CharField(label=_("姓名/名称"), max_length=200)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Customer.Gender.choices], required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DateInput())
    id_type = forms.ChoiceField(label=_("证件类型"), choices=[("", "—"), *Customer.IdType.choices], required=False)
    id_number = forms.CharField(label=_("证件号码/统一社会信用代码"), max_length=32, required=False)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    since = forms.DateField(label=_("建立关系日期"), required=False, widget=DateInput())
    registered_capital = forms.DecimalField(label=_("注册资本（对公）"), required=False, max_digits=18,
                                            decimal_places=2, min_value=0)
    total_assets = forms.DecimalField(label=_("总资产（对公）"), required=False, max_digits=18, decimal_places=2,
                                      min_value=0)
    credit_customer = forms.BooleanField(label=_("信用客户（对公）"), required=False)
    confirm_duplicate = forms.BooleanField(label=_("证件号码已存在，仍然新建"), required=False)

    def row(self) -> dict:
        """The cleaned values as the import's cells (text), for the importer's checks."""
        data = self.cleaned_data
        cells = {key: "" if data.get(key) in (None, "") else str(data[key]) for key in data}
        cells["credit_customer"] = "是" if data.get("credit_customer") else ""
        return cells
