"""Domain exceptions that services and selectors raise instead of HTTP responses.

Services know nothing of HTTP. ``crm.middleware.DomainErrorMiddleware`` turns these into the answers
the doors give: ``NotFound`` → 404 (an object outside the reader's scope is indistinguishable from one
that does not exist); ``django.core.exceptions.PermissionDenied`` is already a 403.
"""


class NotFound(Exception):
    """The object does not exist, or the user may not know that it does."""
