"""Request/response policies that apply to every page."""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class NoStoreForAuthenticatedMiddleware:
    """Pages served to a signed-in user may hold personal data: never cache them.

    ``no-store`` also means the browser's back button after logout cannot show a
    cached customer page again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
        return response
