"""Object grants (one customer shared with a colleague) and the logged reveal of full personal data."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.errors import NotFound
from crm.models import AccessLog, CustomerUserObjectPermission, User
from crm.services.audit import access_log_record
from customers.scoping import org_subtree_customers, visible_customers

GRANT_LEVELS = {"view": ["view_customer"], "change": ["view_customer", "change_customer"]}


def _customer_permissions(codenames: list[str]) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label="customers", codename__in=codenames))


def customer_grant_access(
    *, customer, to: User, level: str, by: User, client_ip: str | None = None
) -> list[CustomerUserObjectPermission]:
    """Share one customer of the granter's subtree with a colleague (view, or view + change); logged."""
    if not by.has_perm("crm.grant_customer_access"):
        raise PermissionDenied
    if not org_subtree_customers(user=by).filter(pk=customer.pk).exists():
        raise NotFound
    if level not in GRANT_LEVELS:
        raise ValidationError(_("授权级别无效：只能是“查看”或“修改”。"))
    if not to.is_active:
        raise ValidationError(_("被授权人 %(name)s 已停用，不能授权。") % {"name": to})
    if to.pk == by.pk:
        raise ValidationError(_("不能给自己授权。"))
    with transaction.atomic():
        grants = []
        for permission in _customer_permissions(GRANT_LEVELS[level]):
            grant, _created = CustomerUserObjectPermission.objects.get_or_create(
                user=to, permission=permission, content_object=customer, defaults={"granted_by": by}
            )
            grants.append(grant)
        access_log_record(
            user=by, action=AccessLog.Action.GRANT, target=customer, client_ip=client_ip,
            detail={"to": to.username, "level": level},
        )
    return grants


def customer_revoke_access(*, customer, user: User, by: User, client_ip: str | None = None) -> int:
    """Remove every grant of one customer to one colleague; effective on their next request. Logged."""
    if not by.has_perm("crm.grant_customer_access"):
        raise PermissionDenied
    if not org_subtree_customers(user=by).filter(pk=customer.pk).exists():
        raise NotFound
    with transaction.atomic():
        deleted, _details = CustomerUserObjectPermission.objects.filter(content_object=customer, user=user).delete()
        access_log_record(
            user=by, action=AccessLog.Action.REVOKE, target=customer, client_ip=client_ip,
            detail={"user": user.username, "deleted": deleted},
        )
    return deleted


def customer_reveal(*, user: User, customer_pk: int, client_ip: str | None = None):
    """Return the customer whose full ID number and mobile may be shown once; writes the access log.

    Outside the user's scope → 404 (and nothing logged); in scope without ``customers.view_sensitive`` → 403.
    """
    customer = visible_customers(user=user).filter(pk=customer_pk).first()
    if customer is None:
        raise NotFound
    if not user.has_perm("customers.view_sensitive"):
        raise PermissionDenied
    access_log_record(
        user=user, action=AccessLog.Action.REVEAL, target=customer, client_ip=client_ip,
        detail={"fields": ["id_number", "mobile"]},
    )
    return customer
