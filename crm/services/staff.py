"""Staff accounts: deactivation, with the checks and clean-ups the apps above register.

The foundation does not know customers. The customers app registers, in its ``AppConfig.ready()``,
a guard (a staff member who still maintains customers cannot be deactivated before a handover) and a
clean-up (an inactive account co-maintains nothing); the admin and every other door call
``user_deactivate``, so the rule holds wherever an account is switched off.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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


def user_deactivate(*, user: User, by: User | None, request=None, via: str = "") -> None:
    """Deactivate a staff account: refused while a guard objects; ends their sessions at once; logged.

    ``request`` only supplies the client address for the access log.
    """
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
        access_log_record(user=by, action=AccessLog.Action.DEACTIVATE, target=user.username, request=request,
                          detail=detail)
