"""The client's IP address of a request, for the access log: read at the edge (views, admin, signal receivers).

Services never see the request: they take ``client_ip: str | None`` and write it into the log. The address is
read the way django-axes reads it for its lockouts, so both agree behind a proxy (``AXES_IPWARE_PROXY_COUNT``:
the number of trusted proxies in front of the application; unset, ``REMOTE_ADDR``).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address


def request_client_ip(request) -> str | None:
    """The client's address of ``request`` (None without a request, e.g. a management command)."""
    if request is None:
        return None
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or None
