"""The client's IP address of a request: for the login lockout (django-axes) and the access log alike.

Read at the edge (views, admin, signal receivers); services never see the request, they take
``client_ip: str | None``. django-axes calls ``client_ip_address`` too (``AXES_CLIENT_IP_CALLABLE``), so a
lockout and the access log always name the same address.

Behind reverse proxies, ``TRUSTED_PROXY_COUNT`` (settings, environment variable of the same name) is how many
of them stand in front of the application, each appending the address it received the request from to
``X-Forwarded-For``. The client is then the entry that many places from the right: entries further left were
written by whoever sent the request and can be forged. Without the setting the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip_address(request) -> str | None:
    """The client's address of ``request`` (the proxy's own when no proxy is trusted)."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < trusted:  # not through the expected proxies: trust only the peer
        return remote
    try:  # a proxy may write "unknown" or "ip:port": the access log's inet column would refuse it
        return str(ipaddress.ip_address(forwarded[-trusted]))
    except ValueError:
        return remote


def request_client_ip(request) -> str | None:
    """``client_ip_address``, or None without a request (e.g. a management command)."""
    return None if request is None else client_ip_address(request)
