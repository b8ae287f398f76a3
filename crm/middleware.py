"""Request/response policies that apply to every page."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from crm.errors import NotFound

KEEPALIVE_KEY = "_keepalive"


class SessionKeepAliveMiddleware:
    """Sessions expire after 30 minutes *idle*: renew the expiry on activity, at most once a minute.

    Saving on every request (SESSION_SAVE_EVERY_REQUEST) costs an UPDATE and a COMMIT per page; a minute's
    slack on a 30-minute idle timeout is harmless.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(KEEPALIVE_KEY, 0) >= settings.SESSION_KEEPALIVE_SECONDS:
                session[KEEPALIVE_KEY] = now  # marks the session modified: saved with a fresh expiry
        return response


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


class ChineseFirstLocaleMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user picked another language with the language switch.

    Django's LocaleMiddleware also follows the browser's Accept-Language, which would show English
    to staff whose browser happens to be set up in English; the bank's UI is Chinese first.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ["Cookie"])
        return response


class DomainErrorMiddleware(MiddlewareMixin):
    """Services raise domain exceptions (crm.errors); every door answers them the same way."""

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404 from exception
        return None
