"""Settings shared by every profile; values come from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-not-secret-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "django_htmx",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    # Before the project's apps: their tasks.py modules register on its app when they load.
    "procrastinate.contrib.django",
    "crm",
    "customers",
    "segmentation",
    "service_tiers",
    "reports",
    # Beside the apps, above them all: the demo bank (seed_demo) and the benchmark framework (benchmark).
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.SessionKeepAliveMiddleware",
    "crm.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "crm.middleware.NoStoreForAuthenticatedMiddleware",
    "crm.middleware.DomainErrorMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from crm.embedded_db import embedded_database_url

    DATABASES = {"default": env.db_url_config(embedded_database_url(BASE_DIR))}
    # The embedded server listens on a Unix socket given as ?host=…; HOST is where every client
    # (Django, the benchmark's maintenance connection) looks for it.
    DATABASES["default"]["HOST"] = DATABASES["default"].pop("OPTIONS", {}).get("host", "")
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/IP is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Object grants (one customer shared by a branch head); customers.scoping reads the same tables in SQL.
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False  # amounts are formatted explicitly by crm.templatetags.money

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
MEDIA_URL = "/media/"

# The monthly report package (reports app): the bank's name on every report, the CJK font embedded in the
# PDF, and whether the month close archives the bank-wide and per-branch packages after it commits.
BANK_NAME = env.str("BANK_NAME", default="示范商业银行")
REPORT_CJK_FONT = env.str("REPORT_CJK_FONT", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
REPORT_PACKAGES_ON_CLOSE = env.bool("REPORT_PACKAGES_ON_CLOSE", default=False)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = 30 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): only the site's own static files, no inline code, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# django-guardian carries only the exceptions (one customer shared with a colleague), in the direct-FK
# tables crm.CustomerUserObjectPermission / CustomerGroupObjectPermission (guardian finds them by the FK).
ANONYMOUS_USER_NAME = None  # no guardian "AnonymousUser" row: anonymous visitors get nothing

# django-axes: lock a username (from any IP), and an IP, after 5 failed logins; an admin unlocks (admin → Axes),
# or the cool-off ends it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
# Two independent limits: a username from any address (guessing one account from many addresses), and an
# address for any username (one source trying many accounts). Each locks after AXES_FAILURE_LIMIT failures.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Reverse proxies in front of the application, each appending to X-Forwarded-For (crm/client_ip.py); 0: none,
# the header is ignored. The lockout and the access log read the client address the same way.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "crm.client_ip.client_ip_address"
AXES_COOLOFF_MESSAGE = _("登录失败次数过多，账号已被临时锁定，请稍后再试或联系系统管理员解锁。")
AXES_PERMALOCK_MESSAGE = _("登录失败次数过多，账号已被锁定，请联系系统管理员解锁。")
AXES_VERBOSE = False

# Field-level history (django-simple-history); change reasons come from services (e.g. a handover).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Idle timeout: crm.middleware.SessionKeepAliveMiddleware re-saves the session (renewing its 30 minutes)
# at most once a minute, instead of an UPDATE + COMMIT on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_KEEPALIVE_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Largest import accepted, in rows; bigger files must be split (or go through COPY tooling).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
# Largest customer-list export, in rows (narrow the filters beyond it).
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Uploaded files not confirmed nor cancelled are deleted after this (crm.uploads.uploads_purge_expired).
UPLOAD_RETENTION_SECONDS = env.int("UPLOAD_RETENTION_SECONDS", default=3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_without_traceback": {"()": "crm.log_filters.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["forbidden_without_traceback"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Background jobs (procrastinate; the queue lives in this PostgreSQL). A running job writes a heartbeat
# every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALLED_SECONDS (its worker was killed) is marked failed.
PROCRASTINATE_READONLY_MODELS = True
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=2.0)
JOB_STALLED_SECONDS = env.float("JOB_STALLED_SECONDS", default=60.0)
