"""Customer handover (客户交接) and staff deactivation: nobody's customers become orphans."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog, Handover, HandoverItem, User
from crm.services.audit import access_log_record
from customers.access_selectors import handover_receivers
from customers.models import CoMaintainer, Customer
from customers.scoping import org_subtree_customers

# Apps above this layer follow a handover inside its transaction (service tasks move to the new maintainer):
# each registers ``follower(handover=...)`` from its AppConfig.ready(), so this module imports none of them.
_followers: dict[str, Callable[..., object]] = {}


def handover_follower_register(name: str, follower: Callable[..., object]) -> None:
    """Call ``follower(handover=…)`` after every handover's customers moved, in the same transaction."""
    _followers[name] = follower


def _history_insert_sql() -> tuple[str, list[str]]:
    """INSERT … SELECT of one simple-history row per customer (history_date, reason, user as %s)."""
    historical = Customer.history.model
    customer_columns = {f.column for f in Customer._meta.concrete_fields if not f.generated}
    columns, values = [], []
    for field in historical._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        if field.column in customer_columns:
            columns.append(field.column)
            values.append(f"c.{connection.ops.quote_name(field.column)}")
        elif field.name == "history_date":
            columns.append(field.column)
            values.append("%(now)s")
        elif field.name == "history_change_reason":
            columns.append(field.column)
            values.append("%(reason)s")
        elif field.name == "history_type":
            columns.append(field.column)
            values.append("'~'")
        elif field.name == "history_user":
            columns.append(field.column)
            values.append("%(by)s")
        else:  # pragma: no cover - a new field on the historical model must be mapped here
            raise RuntimeError(f"unmapped history column {field.column}")
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    # Only identifiers from model metadata are formatted in; every value is a parameter.
    sql = f"""
        INSERT INTO {connection.ops.quote_name(historical._meta.db_table)} ({quoted})
        SELECT {", ".join(values)} FROM {Customer._meta.db_table} c
        JOIN {HandoverItem._meta.db_table} i ON i.customer_id = c.id WHERE i.handover_id = %(handover)s
    """  # noqa: S608
    return sql, columns


def customer_handover(
    *,
    customers: QuerySet,
    to: User,
    reason: str,
    by: User,
    from_maintainer: User | None = None,
    client_ip: str | None = None,
) -> Handover:
    """Reassign the given customers (already scoped by the caller) to ``to`` in one set-based UPDATE.

    Only customers of the branch head's own subtree move; the origin maintainer (初始维护人) keeps the
    first maintainer for credit; one Handover with its items, one history row per customer and one
    access-log row are written in the same transaction. Raises ValidationError (Chinese) on bad input.
    """
    if not by.has_perm("crm.handover_customers"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写交接原因。")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("交接原因不能超过300个字。")})
    if not handover_receivers(by=by).filter(pk=to.pk).exists():
        raise ValidationError(
            {"to_maintainer": _("接收人必须是本机构（含下级机构）在职的客户经理、理财经理或网点主任。")}
        )
    if from_maintainer is not None and from_maintainer.pk == to.pk:
        raise ValidationError({"to_maintainer": _("接收人与原维护人相同，无需交接。")})

    # Intersect with the branch head's own subtree: the caller's queryset can never widen it.
    selected = org_subtree_customers(user=by).filter(pk__in=customers.values("pk")).exclude(maintainer=to)
    no_customers = _("没有可交接的客户：所选客户不在本机构范围内，或已由接收人维护。")
    try:
        ids_sql, ids_params = selected.values("pk").query.sql_with_params()
    except EmptyResultSet:
        raise ValidationError({"__all__": no_customers}) from None
    table = Customer._meta.db_table
    with transaction.atomic():
        handover = Handover.objects.create(
            by=by, to_maintainer=to, from_maintainer=from_maintainer, org_unit=by.org_unit, reason=reason,
        )
        with connection.cursor() as cursor:
            # Lock the rows, move them, and keep who had them, in one statement. Identifiers come from
            # model metadata and the scoped queryset's own compiled SQL; every value is a parameter.
            cursor.execute(
                f"""
                WITH old AS (
                    SELECT id, maintainer_id FROM {table} WHERE id IN ({ids_sql}) FOR UPDATE
                ), moved AS (
                    UPDATE {table} c
                    SET maintainer_id = %s,
                        origin_maintainer_id = COALESCE(c.origin_maintainer_id, old.maintainer_id),
                        updated_at = %s
                    FROM old WHERE c.id = old.id
                    RETURNING c.id, old.maintainer_id
                )
                INSERT INTO {HandoverItem._meta.db_table} (handover_id, customer_id, previous_maintainer_id)
                SELECT %s, id, maintainer_id FROM moved
                """,  # noqa: S608
                [*ids_params, to.pk, timezone.now(), handover.pk],
            )
            count = cursor.rowcount
            if count == 0:
                raise ValidationError({"__all__": no_customers})
            sql, _columns = _history_insert_sql()
            cursor.execute(sql, {"now": timezone.now(), "reason": f"客户交接：{reason}"[:1000], "by": by.pk,
                                 "handover": handover.pk})
        summary = handover.items.aggregate(
            n=Count("pk"), senders=Count("previous_maintainer", distinct=True),
            low=Min("previous_maintainer"), high=Max("previous_maintainer"),
        )
        handover.customer_count = summary["n"]
        if from_maintainer is None and summary["senders"] == 1 and summary["low"] == summary["high"]:
            handover.from_maintainer_id = summary["low"]
        handover.save(update_fields=["customer_count", "from_maintainer"])
        for follower in _followers.values():
            follower(handover=handover)
        access_log_record(
            user=by, action=AccessLog.Action.HANDOVER, target=f"handover #{handover.pk}", client_ip=client_ip,
            detail={"handover": handover.pk, "to": to.username, "count": count, "reason": reason,
                    "from": handover.from_maintainer.username if handover.from_maintainer else None},
        )
    return handover


def user_maintained_count(*, user: User) -> int:
    """How many customers the staff member is still primary maintainer of."""
    return Customer.objects.filter(maintainer=user).count()


def maintainer_deactivation_guard(*, user: User) -> str | None:
    """Registered with crm's staff service: nobody's customers become orphans."""
    count = user_maintained_count(user=user)
    if count:
        return _("%(name)s 仍是 %(count)s 位客户的维护人，请先办理客户交接再停用账号。") % {
            "name": user, "count": count,
        }
    return None


def co_maintainer_links_remove(*, user: User) -> dict:
    """Registered with crm's staff service: an inactive account co-maintains nothing."""
    removed, _details = CoMaintainer.objects.filter(user=user).delete()
    return {"co_maintainer_links_removed": removed}
