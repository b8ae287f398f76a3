"""Login, failed login and logout go to the access log (receivers only record; no business logic)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from crm.client_ip import request_client_ip
from crm.models import AccessLog
from crm.services.audit import access_log_record


@receiver(user_logged_in, dispatch_uid="crm.audit.login")
def record_login(sender, request, user, **kwargs):
    access_log_record(user=user, action=AccessLog.Action.LOGIN, client_ip=request_client_ip(request))


@receiver(user_login_failed, dispatch_uid="crm.audit.login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username: never the password (Django already cleanses it, we do not even look).
    username = str((credentials or {}).get("username", ""))[:150]
    access_log_record(user=None, action=AccessLog.Action.LOGIN_FAILED, client_ip=request_client_ip(request),
                      detail={"username": username})


@receiver(user_logged_out, dispatch_uid="crm.audit.logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        access_log_record(user=user, action=AccessLog.Action.LOGOUT, client_ip=request_client_ip(request))
