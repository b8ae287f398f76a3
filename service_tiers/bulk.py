"""Bulk actions on the customer list: which customers a selection means, and how many.

A selection is either the ticked customers of a page (``ids``) or every customer matching the list's filter
(``scope=filter``, thousands included): both are a queryset on ``visible_customers`` filtered by the list's own
``CustomerFilter`` — never a list of ids in memory — so the actions run set-based.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from crm.models import User
from customers.filters import CustomerFilter
from customers.scoping import visible_customers

MAX_TICKED = 1000
ACTIONS = ("follow_up", "handover", "export")


@dataclass
class Selection:
    customers: QuerySet
    count: int
    scope: str  # "ids" or "filter"
    query: str  # the list's filter, urlencoded, carried to the confirm page
    ids: list[int]
    errors: list[str]


def bulk_selection(*, user: User, data: Mapping) -> Selection:
    """The customers a bulk request means, within the user's scope and the list's filter, counted once.

    ``data`` is the request's GET or POST (``ids`` read with ``getlist``)."""
    errors: list[str] = []
    query = data.get("query", "")[:2000]
    filter_data = MultiValueDict(parse_qs(query, keep_blank_values=True))
    customer_filter = CustomerFilter(filter_data, queryset=visible_customers(user=user), user=user)
    customers = customer_filter.qs.order_by()
    scope = "filter" if data.get("scope") == "filter" else "ids"
    ids: list[int] = []
    if scope == "ids":
        raw = data.getlist("ids")[: MAX_TICKED + 1]
        if len(raw) > MAX_TICKED:
            errors.append(_("一次最多勾选 %(n)s 位客户；更多请选择“全部符合筛选条件的客户”。") % {"n": MAX_TICKED})
        bad = [value for value in raw if not value.isdecimal() or len(value) > 12]
        if bad:
            errors.append(_("客户选择无效：%(value)s") % {"value": bad[0][:20]})
        ids = [int(value) for value in raw if value.isdecimal() and len(value) <= 12][:MAX_TICKED]
        if not ids and not errors:
            errors.append(_("请先勾选客户，或选择“全部符合筛选条件的客户”。"))
        customers = customers.filter(pk__in=ids)
    if errors:
        return Selection(customers.none(), 0, scope, query, ids, errors)
    return Selection(customers, customers.count(), scope, query, ids, errors)
