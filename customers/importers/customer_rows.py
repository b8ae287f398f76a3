"""Checks of the customers file, one chunk at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.models import OrgUnit, User
from customers.masking import mask_mobile
from customers.models import Customer, Lookup
from customers.validators import validate_mobile, validate_resident_id

from .cells import ChunkChecker, choice_mapping, text_or_none
from .files import ROW
from .results import RowError

KIND = choice_mapping(Customer.Kind.choices)
GENDER = choice_mapping(Customer.Gender.choices, ("male", "M"), ("female", "F"))
ID_TYPE = choice_mapping(Customer.IdType.choices, ("身份证", "resident_id"))
CREDIT_RATING = choice_mapping(Customer.CreditRating.choices)
ADMIN_LEVEL = choice_mapping(Customer.AdminLevel.choices)
_CREDIT_CODE = r"^[0-9A-Z]{18}$"

# File column key -> customers_customer column. Order is the COPY order.
DB_COLUMNS = {
    "customer_no": "customer_no", "kind": "kind", "name": "name", "gender": "gender", "birth_date": "birth_date",
    "id_type": "id_type", "id_number": "id_number", "mobile": "mobile", "org_code": "org_unit_id",
    "maintainer": "maintainer_id", "since": "since", "credit_rating": "credit_rating",
    "bad_credit_count": "bad_credit_count", "malicious_overdraft": "malicious_overdraft",
    "industry": "industry_id", "occupation": "occupation_id", "registered_capital": "registered_capital",
    "total_assets": "total_assets", "credit_customer": "credit_customer", "target_credit": "target_credit",
    "admin_level": "admin_level",
}
TEMP_TYPES = {
    "customer_no": "text", "kind": "text", "name": "text", "gender": "text", "birth_date": "date",
    "id_type": "text", "id_number": "text", "mobile": "text", "org_unit_id": "bigint", "maintainer_id": "bigint",
    "since": "date", "credit_rating": "text", "bad_credit_count": "integer", "malicious_overdraft": "boolean",
    "industry_id": "bigint", "occupation_id": "bigint", "registered_capital": "numeric(18,2)",
    "total_assets": "numeric(18,2)", "credit_customer": "boolean", "target_credit": "numeric(18,2)",
    "admin_level": "text",
}
# Blank cells of a present column become the model's default for these NOT NULL columns.
BLANK_AS = {
    "gender": "", "id_type": "", "id_number": "", "mobile": "", "credit_rating": "", "admin_level": "",
    "bad_credit_count": "0", "malicious_overdraft": False, "credit_customer": False,
}


@dataclass
class References:
    """Codes the customers file may refer to, lower-cased, loaded once per import."""

    org_units: dict[str, int]
    maintainers: dict[str, int]
    industries: dict[str, int]
    occupations: dict[str, int]

    @classmethod
    def load(cls) -> References:
        def lookups(kind: str) -> dict[str, int]:
            mapping: dict[str, int] = {}
            for pk, code, name in Lookup.objects.filter(kind=kind, active=True).values_list("pk", "code", "name"):
                mapping[code.lower()] = pk
                mapping[name.lower()] = pk
            return mapping

        return cls(
            org_units={code.lower(): pk for pk, code in OrgUnit.objects.values_list("pk", "code")},
            maintainers={
                name.lower(): pk for pk, name in User.objects.filter(is_active=True).values_list("pk", "username")
            },
            industries=lookups(Lookup.Kind.INDUSTRY),
            occupations=lookups(Lookup.Kind.OCCUPATION),
        )


def _message_of(check, value: str) -> str | None:
    try:
        check(value)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def check_customer_chunk(
    frame: pd.DataFrame, headers: dict[str, str], errors: list[RowError], *, refs: References, today: date
) -> pd.DataFrame:
    """Validate one chunk; return the rows ready for COPY (columns: row + present DB columns)."""
    c = ChunkChecker(frame, headers, errors)
    out = pd.DataFrame({"row": frame[ROW]})
    out["customer_no"] = c.code("customer_no", required=True, max_length=32)
    # 客户类型, 姓名 and 所属机构 may be left out of a file that only updates existing customers
    # (the service refuses new customers without them); when present they must be filled in.
    kind = c.choice("kind", KIND, required=True) if c.has("kind") else pd.Series(None, index=frame.index)
    if c.has("kind"):
        out["kind"] = kind
    if c.has("name"):
        out["name"] = c.text("name", required=True, max_length=200)
    if c.has("gender"):
        out["gender"] = c.choice("gender", GENDER)
    if c.has("birth_date"):
        out["birth_date"] = c.date("birth_date", not_after=today)
    if c.has("id_type") or c.has("id_number"):
        id_type = c.choice("id_type", ID_TYPE) if c.has("id_type") else pd.Series(None, index=frame.index)
        id_number = c.text("id_number", max_length=32, upper=True, half_width=True) if c.has("id_number") else None
        if id_number is not None:
            # A number without a type: 居民身份证 for individuals, 统一社会信用代码 otherwise.
            default_type = kind.map(lambda k: "resident_id" if k in (None, "individual") else "credit_code")
            blank_type = id_type.isna() & id_number.notna() & (c.cells("id_type") == "")
            id_type = id_type.where(~blank_type, default_type)
            resident = (id_type == "resident_id") & id_number.notna()
            bad_id = resident & id_number.map(lambda v: isinstance(v, str) and _message_of(validate_resident_id, v) is not None)
            c.flag(bad_id, "id_number", lambda v: _message_of(validate_resident_id, v.upper()) or "")
            code = (id_type == "credit_code") & id_number.notna()
            c.flag(code & ~id_number.str.fullmatch(_CREDIT_CODE).fillna(False).astype(bool), "id_number",
                   _("统一社会信用代码应为18位数字或大写字母。"))
            out["id_number"] = id_number
        out["id_type"] = id_type
    if c.has("mobile"):
        mobile = c.text("mobile", max_length=20, half_width=True)
        bad_mobile = mobile.map(lambda v: isinstance(v, str) and _message_of(validate_mobile, v) is not None)
        c.flag(bad_mobile, "mobile", lambda v: _("“%(v)s”：") % {"v": mask_mobile(v)} + (_message_of(validate_mobile, v) or ""))
        out["mobile"] = mobile
    if c.has("org_code"):
        out["org_unit_id"] = c.lookup("org_code", refs.org_units, what=_("机构代码"))
        c.flag(c.cells("org_code") == "", "org_code", _("必填，不能为空。"))
    if c.has("maintainer"):
        out["maintainer_id"] = c.lookup("maintainer", refs.maintainers, what=_("维护人（用户名）"))
    if c.has("since"):
        out["since"] = c.date("since", not_after=today)
    if c.has("credit_rating"):
        out["credit_rating"] = c.choice("credit_rating", CREDIT_RATING)
    if c.has("bad_credit_count"):
        out["bad_credit_count"] = c.integer("bad_credit_count", maximum=32767)
    if c.has("malicious_overdraft"):
        out["malicious_overdraft"] = c.yes_no("malicious_overdraft")
    if c.has("industry"):
        out["industry_id"] = c.lookup("industry", refs.industries, what=_("行业"))
    if c.has("occupation"):
        out["occupation_id"] = c.lookup("occupation", refs.occupations, what=_("职业"))
    for key in ("registered_capital", "total_assets", "target_credit"):
        if c.has(key):
            out[key] = c.money(key)
    if c.has("credit_customer"):
        out["credit_customer"] = c.yes_no("credit_customer")
    if c.has("admin_level"):
        out["admin_level"] = c.choice("admin_level", ADMIN_LEVEL)
    for column, blank in BLANK_AS.items():
        if column in out:
            out[column] = out[column].astype(object).where(out[column].notna(), blank)
    return out.apply(text_or_none).assign(row=frame[ROW])
