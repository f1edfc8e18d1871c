"""vconf settings: one file, read from the environment.

Defaults run with nothing but the requirements installed (SQLite, in-memory channel layer,
local-memory cache). Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and
VCONF_SECURE=1; see docs/deployment.md.
"""

import os
from pathlib import Path
from typing import TypedDict

import dj_database_url
from django.utils.translation import gettext_lazy as _

from vconf import security

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "huey.contrib.djhuey",
    "axes",
    "auditlog",
    "rooms",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Vietnamese unless the visitor picks English (vconf/locale.py), whatever Accept-Language says.
    "vconf.locale.VietnameseFirstMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # the policy: vconf/security.py
    # auditlog's middleware, made to see the user DRF authenticates by token (rooms/audit.py).
    "rooms.audit.ActorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lock-out response.
    "axes.middleware.AxesMiddleware",
]

CONTENT_SECURITY_POLICY = security.CONTENT_SECURITY_POLICY

ROOT_URLCONF = "vconf.urls"
ASGI_APPLICATION = "vconf.asgi.application"

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
                "rooms.context_processors.roles",
            ],
        },
    },
]

# Databases: SQLite by default; DATABASE_URL selects PostgreSQL (or another SQLite file).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two bookings serialise
    # instead of failing with "database is locked" on lock upgrade; the timeout lets them wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache: in memory by default, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("REDIS_PREFIX", "vconf")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "vconf"),
            # An unreachable Redis costs a request a second at most: the rate limits then fail
            # open (vconf/throttling.py) instead of holding every request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The worker (Huey, `python manage.py run_huey`): e-mail with retries and the readiness ladder's
# minute tick (rooms/tasks.py). Its queue is a SQLite file by default, so `make run` needs no
# server; Redis when REDIS_URL is set. HUEY_IMMEDIATE=1 runs tasks in the calling process.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": os.environ.get("REDIS_PREFIX", "vconf"),
        "url": REDIS_URL,
        "immediate": env_bool("HUEY_IMMEDIATE"),
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "vconf",
        "filename": os.environ.get("HUEY_FILE", str(BASE_DIR / "huey.sqlite3")),
        "immediate": env_bool("HUEY_IMMEDIATE"),
    }
HUEY["consumer"] = {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account/address pair out after repeated failures, for a cool-off period.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# A locked-out client gets 429: JSON on /api/, a Vietnamese page on the web (vconf/exceptions.py).
AXES_LOCKOUT_CALLABLE = "vconf.exceptions.lockout_response"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dd/mm/yyyy and 92,3 in Vietnamese, 1 Dec 2026 and 92.3 in English (vconf/formats/).
FORMAT_MODULE_PATH = ["vconf.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and `make run` serve static files straight from the app folders, with no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Hashed, compressed files (collectstatic) in production only; development needs no build step.
if not env_bool("VCONF_SECURE"):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "vconf@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated request is answered 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's page-number pagination, with a malformed ?page= answered 400 instead of 404.
    "DEFAULT_PAGINATION_CLASS": "vconf.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vconf.exceptions.api_exception_handler",
    # DRF's throttles, made to fail open when the cache is down (vconf/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "vconf.throttling.AnonRateThrottle",
        "vconf.throttling.UserRateThrottle",
    ],
    # Proxies in front of uvicorn whose X-Forwarded-For entries are trusted, counted from the
    # right: 0 keys the rate limits on REMOTE_ADDR (set by uvicorn's --proxy-headers from a
    # --forwarded-allow-ips proxy), never on an address the client wrote itself.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("THROTTLE_USER", "2000/minute"),
        # POST /api/auth/token/ (rooms/views/accounts.py), per address: password guessing.
        "auth": os.environ.get("THROTTLE_AUTH", "20/minute"),
    },
    "DATETIME_FORMAT": "iso-8601",
    # Reports read `?format=json|csv|xlsx` themselves (analytics/exports.py), so DRF must not.
    "URL_FORMAT_OVERRIDE": None,
    # The API reads JSON; the upload views (CSV, iCalendar) list their own parsers. Fewer body
    # formats, fewer ways to send what a view does not expect (found by `make fuzz`).
    "DEFAULT_PARSER_CLASSES": ["vconf.parsers.JSONParser"],  # bounded in size and depth
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "vconf API",
    "DESCRIPTION": "Video-conference network of a province: units, endpoints, meetings, attendance, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The answers every operation can give (401, 429, bad ?page=) are documented once, here.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vconf.exceptions.document_error_responses",
    ],
}

# Production hardening, on when VCONF_SECURE=1 (behind TLS). `check --deploy` is clean then.
if env_bool("VCONF_SECURE"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No `?token=` in any line written (vconf/logs.py; uvicorn's own loggers: vconf/asgi.py).
    "filters": {"redact_tokens": {"()": "vconf.logs.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


class VconfSettings(TypedDict):
    SETUP_BUFFER_MINUTES: int
    BOOKING_HORIZON_DAYS: int
    SERIES_MAX_OCCURRENCES: int
    WORKING_HOURS: str
    WORKING_DAYS: list[int]
    CHECKIN_GRACE_MINUTES: int
    CHECKIN_OPENS_MINUTES: int
    ACTIVE_WINDOW_DAYS: int
    DEFAULT_CIRCUITY_FACTOR: float
    REMINDER_AT: str
    TEST_CALL_OPENS_MINUTES: int
    ESCALATION_MINUTES: int
    WORKER_STALE_SECONDS: int
    WORKER_REQUIRED: bool


# Domain settings (see README "Configuration"). Per-province values live in ProvinceSettings.
VCONF: VconfSettings = {
    "SETUP_BUFFER_MINUTES": int(os.environ.get("VCONF_SETUP_BUFFER_MINUTES", "0")),
    "BOOKING_HORIZON_DAYS": int(os.environ.get("VCONF_BOOKING_HORIZON_DAYS", "365")),
    "SERIES_MAX_OCCURRENCES": int(os.environ.get("VCONF_SERIES_MAX_OCCURRENCES", "260")),
    "WORKING_HOURS": os.environ.get("VCONF_WORKING_HOURS", "07:30-17:00"),
    "WORKING_DAYS": [int(d) for d in env_list("VCONF_WORKING_DAYS", "0,1,2,3,4")],  # Monday = 0
    "CHECKIN_GRACE_MINUTES": int(os.environ.get("VCONF_CHECKIN_GRACE_MINUTES", "10")),
    "CHECKIN_OPENS_MINUTES": int(os.environ.get("VCONF_CHECKIN_OPENS_MINUTES", "30")),
    "ACTIVE_WINDOW_DAYS": int(os.environ.get("VCONF_ACTIVE_WINDOW_DAYS", "90")),
    "DEFAULT_CIRCUITY_FACTOR": float(os.environ.get("VCONF_CIRCUITY_FACTOR", "1.4")),
    # The readiness ladder (docs/readiness.md): the reminder the day before at this local time,
    # test calls from this many minutes before the start, escalation of rooms not ready at this many.
    "REMINDER_AT": os.environ.get("VCONF_REMINDER_AT", "16:00"),
    "TEST_CALL_OPENS_MINUTES": int(os.environ.get("VCONF_TEST_CALL_OPENS_MINUTES", "60")),
    "ESCALATION_MINUTES": int(os.environ.get("VCONF_ESCALATION_MINUTES", "30")),
    # /healthz answers 503 when the worker's last tick is older than this; and, when required,
    # while it has never ticked (a web-only process, a scratch server, does not require it).
    "WORKER_STALE_SECONDS": int(os.environ.get("VCONF_WORKER_STALE_SECONDS", "180")),
    "WORKER_REQUIRED": env_bool("VCONF_WORKER_REQUIRED"),
}
