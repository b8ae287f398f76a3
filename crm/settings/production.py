"""Production profile: refuses to start without DATABASE_URL or a real SECRET_KEY; HTTPS only, secure cookies,
HSTS."""

import os

from django.core.exceptions import ImproperlyConfigured

# Checked before base is imported: without DATABASE_URL, base would start the embedded development server.
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: production settings never start the embedded PostgreSQL. "
        "Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME. "
        "（生产环境必须设置 DATABASE_URL，不会启动内置数据库。）"
    )

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

SECRET_KEY = env("SECRET_KEY")  # no default: ImproperlyConfigured when missing
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (switch off when Django terminates TLS itself).
if env.bool("USE_X_FORWARDED_PROTO", default=True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Static files served by the web processes themselves (whitenoise): compressed, cache-busting names from
# `collectstatic`; no separate static server needed behind the load balancer.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
