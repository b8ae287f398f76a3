"""The customer list as an Excel file: the same filters and scope as the page, masked, formula-safe, logged."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from crm.models import AccessLog
from crm.services.audit import access_log_record
from crm.spreadsheet import safe_row
from customers.masking import mask_id_number, mask_mobile

from .models import Customer


class ExportTooLarge(Exception):
    """More rows than one export may hold; the message says how to narrow it."""


def customer_list_rows(*, customers: QuerySet[Customer], visible: QuerySet[Customer] | None = None) -> Iterator[list]:
    """Header, then one row per customer (streamed from the database in chunks).

    ``visible``: today's scope, when ``customers`` is a month's snapshot that may hold customers since moved out
    of it — their rows carry only number, name and kind, as on the list.
    """
    yield [
        _("客户号"), _("姓名/名称"), _("客户类型"), _("所属机构"), _("维护人"), _("手机号"), _("证件号码"),
        _("月日均金融资产"), _("资产等级"), _("价值分群"), _("维护层级"), _("建立关系日期"),
    ]
    rows = customers.select_related("org_unit", "maintainer", "standing")
    if visible is not None:
        rows = rows.annotate(openable=Exists(visible.filter(pk=OuterRef("pk"))))
    for c in rows.iterator(chunk_size=2000):
        if visible is not None and not c.openable:
            yield safe_row([c.customer_no, c.name, c.get_kind_display(), _("已移出您的查看范围")])
            continue
        yield safe_row([
            c.customer_no, c.name, c.get_kind_display(), c.org_unit.name, str(c.maintainer or ""),
            mask_mobile(c.mobile), mask_id_number(c.id_number), c.standing.aum, c.standing.get_asset_tier_display(),
            c.standing.get_value_segment_display(), c.standing.get_maintenance_band_display(), c.since,
        ])


def customer_list_export(
    *, customers: QuerySet[Customer], user, client_ip: str | None = None, filters: dict | None = None,
    visible: QuerySet[Customer] | None = None,
) -> bytes:
    """The (already scoped and filtered) customers as .xlsx bytes; the export is logged.

    Capped at EXPORT_MAX_ROWS, so the file (a few MB at most) is built in memory.
    """
    limit = settings.EXPORT_MAX_ROWS
    count = customers.order_by()[: limit + 1].count()
    if count > limit:
        raise ExportTooLarge(
            _("筛选结果超过 %(limit)s 户，无法导出；请增加筛选条件后再试。") % {"limit": f"{limit:,}"}
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("客户清单"))
    for row in customer_list_rows(customers=customers, visible=visible):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        access_log_record(
            user=user, action=AccessLog.Action.EXPORT, target=_("客户清单"), client_ip=client_ip,
            detail={"report": "customer_list", "rows": count, "filters": filters or {}},
        )
    return buffer.getvalue()
