"""Staff accounts: deactivation, with the checks and clean-ups the apps above register; role changes
(superuser, staff flag, groups, permissions) by a superuser only, never on one's own account, logged.

The foundation does not know customers. The customers app registers, in its ``AppConfig.ready()``,
a guard (a staff member who still maintains customers cannot be deactivated before a handover) and a
clean-up (an inactive account co-maintains nothing); the admin and every other door call
``user_deactivate``, so the rule holds wherever an account is switched off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog, User
from crm.services.audit import access_log_record

# guard(user=...) -> Chinese reason the user cannot be deactivated yet, or None
DeactivationGuard = Callable[..., str | None]
# cleanup(user=...) -> {detail key: count} written to the access log
DeactivationCleanup = Callable[..., dict]

_guards: list[DeactivationGuard] = []
_cleanups: list[DeactivationCleanup] = []


def deactivation_guard_register(guard: DeactivationGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def deactivation_cleanup_register(cleanup: DeactivationCleanup) -> None:
    if cleanup not in _cleanups:
        _cleanups.append(cleanup)


def user_deactivation_error(*, user: User) -> str | None:
    """The Chinese reason a staff member cannot be deactivated yet, or None."""
    for guard in _guards:
        error = guard(user=user)
        if error:
            return error
    return None


def user_sessions_end(*, user: User) -> int:
    """Delete every live session of the user (they are signed out at once); returns how many."""
    now = timezone.now()
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def user_deactivate(*, user: User, by: User | None, client_ip: str | None = None, via: str = "") -> None:
    """Deactivate a staff account: refused while a guard objects; ends their sessions at once; logged."""
    error = user_deactivation_error(user=user)
    if error:
        raise ValidationError({"is_active": error})
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        detail: dict = {"user": user.username}
        for cleanup in _cleanups:
            detail.update(cleanup(user=user))
        detail["sessions_ended"] = user_sessions_end(user=user)
        if via:
            detail["via"] = via
        access_log_record(user=by, action=AccessLog.Action.DEACTIVATE, target=user.username, client_ip=client_ip,
                          detail=detail)


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
    client_ip: str | None = None,
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
    locked.is_superuser, locked.is_staff = bool(wanted["is_superuser"]), bool(wanted["is_staff"])
    locked.save(update_fields=["is_superuser", "is_staff"])
    if groups is not None:
        locked.groups.set(list(groups))
    if user_permissions is not None:
        locked.user_permissions.set(list(user_permissions))
    user.is_superuser, user.is_staff = locked.is_superuser, locked.is_staff
    user._role_names = None  # type: ignore[attr-defined]  # crm.roles caches the roles on the instance
    change = {"user": locked.username, "before": {k: before[k] for k in changed},
              "after": {k: wanted[k] for k in changed}}
    access_log_record(user=by, action=AccessLog.Action.ROLE_CHANGE, target=locked.username, client_ip=client_ip,
                      detail=change)
    return change
