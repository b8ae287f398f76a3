"""The page a user lands on after login: each role's own starting point.

Pages are found by URL name, not imported, so the foundation stays below the apps that provide them:
relationship and wealth managers start on My day (service tasks), branch heads and HQ on the tier
dashboard, everybody else (system admin, auditor) on the customer list. A page not built yet falls
back to the customer list.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from crm import roles

# First matching role wins; a branch head who also maintains customers starts on the dashboard.
_START_PAGES = [
    (set(roles.ORG_SCOPE_ROLES) - {roles.AUDITOR}, "reports:dashboard"),
    (set(roles.MAINTAINER_ROLES), "service_tiers:my_day"),
]


def home(request: HttpRequest) -> HttpResponseRedirect:
    names = roles.role_names(request.user)
    for role_set, url_name in _START_PAGES:
        if names & role_set:
            try:
                return HttpResponseRedirect(reverse(url_name))
            except NoReverseMatch:
                break
    return HttpResponseRedirect(reverse("customers:list"))


@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Pages that do not name their icon (Django admin) make the browser ask for /favicon.ico. The static URL
    is looked up per request: with hashed production file names it needs the collected manifest."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
