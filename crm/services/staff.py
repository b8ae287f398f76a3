"""Changing a staff member's roles (superuser, staff flag, groups, permissions): superusers only, never oneself."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from crm.models import AccessLog, User
from crm.services.audit import access_log_record

# The fields that decide what a user may do; only these are guarded here.
ROLE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def user_roles_may_change(*, user: User | None, by: User) -> bool:
    """Whether ``by`` may change ``user``'s roles: a superuser, and not on their own account."""
    return bool(by.is_superuser and (user is None or user.pk != by.pk))


def _snapshot(user: User) -> dict:
    return {
        "is_superuser": user.is_superuser,
        "is_staff": user.is_staff,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list("content_type__app_label", "codename")
        ),
    }


@transaction.atomic
def user_roles_set(
    *,
    user: User,
    by: User,
    is_superuser: bool | None = None,
    is_staff: bool | None = None,
    groups: Iterable[Group] | None = None,
    user_permissions: Iterable[Permission] | None = None,
    request: HttpRequest | None = None,
) -> dict | None:
    """Set the given role fields (None = leave alone); logs who, whom, before → after. Returns the change or None.

    Raises PermissionDenied unless ``by`` is a superuser changing someone else's account.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = _snapshot(locked)
    wanted = {
        "is_superuser": before["is_superuser"] if is_superuser is None else bool(is_superuser),
        "is_staff": before["is_staff"] if is_staff is None else bool(is_staff),
        "groups": before["groups"] if groups is None else sorted(g.name for g in groups),
        "user_permissions": before["user_permissions"] if user_permissions is None else sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in user_permissions
        ),
    }
    changed = [name for name in ROLE_FIELDS if wanted[name] != before[name]]
    if not changed:
        return None
    if not user_roles_may_change(user=locked, by=by):
        raise PermissionDenied(
            _("不能修改自己的角色与权限。") if locked.pk == by.pk else _("只有超级用户可以修改角色、员工状态与权限。")
        )
    locked.is_superuser, locked.is_staff = wanted["is_superuser"], wanted["is_staff"]
    locked.save(update_fields=["is_superuser", "is_staff"])
    if groups is not None:
        locked.groups.set(list(groups))
    if user_permissions is not None:
        locked.user_permissions.set(list(user_permissions))
    user.is_superuser, user.is_staff = locked.is_superuser, locked.is_staff
    user._role_names = None
    change = {"user": locked.username, "before": {k: before[k] for k in changed},
              "after": {k: wanted[k] for k in changed}}
    access_log_record(user=by, action=AccessLog.Action.ROLE_CHANGE, target=locked.username, request=request,
                      detail=change)
    return change
