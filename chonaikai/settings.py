"""Settings for chonaikai, read from the environment (django-environ).

Every variable is documented in .env.example. Embedded defaults make `make demo` and `make test`
work with nothing else running: a SQLite file in the project and eager Celery tasks. Real
components take over when DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis) are set.
"""

import datetime as dt
import importlib.util
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp_constants
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A SECRET_KEY is required whenever DEBUG is off; the development default is never used in production.
SECRET_KEY = env("SECRET_KEY") if not DEBUG else env("SECRET_KEY", default="dev-only-insecure-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its changepassword (which revokes API tokens) is the one run.
    "chonaikai.accounts.auth_commands",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files: the API docs need no CDN
    "simple_history",
    "chonaikai.cities",
    "wards",
    "chonaikai.associations",
    "chonaikai.accounts",
    "chonaikai.audit",
    "chonaikai.subsidies",
    "chonaikai.plan",
    "maps",
    "api",
    "chonaikai.operations",
    "chonaikai.demo",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chonaikai.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Redis down: an action that needs the task queue answers 503 with the reason, not 500.
    "chonaikai.operations.middleware.QueueUnavailableMiddleware",
    # SQLite's "database is locked" after the busy timeout: 409 "save again", not 500.
    "chonaikai.middleware.DatabaseBusyMiddleware",
    # Last, so that it sees the lockout raised by the login of any view (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chonaikai.urls"
WSGI_APPLICATION = "chonaikai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "chonaikai" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chonaikai.context_processors.navigation",
                "chonaikai.context_processors.city",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite under concurrent saves (the default database of development and small installations).
    # WAL lets readers go on while one connection writes; transactions begin IMMEDIATE, so a writer
    # takes the write lock when its transaction starts and waits up to `timeout` seconds for it.
    # With DEFERRED transactions a reader that later wants to write cannot wait (SQLite answers
    # "database is locked" at once, whatever the timeout). What still times out becomes a 409
    # with "try again" (chonaikai.middleware.DatabaseBusyMiddleware), never a 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        }
    )
# The entry grid posts every row of a ward without JavaScript: 7 fields a row (the three inputs,
# their loaded values and the version) plus the confirmation box, i.e. 8 at most. The sample data's
# largest ward has 313 associations and the first city has about 2,200 in all its wards, so 1,500 rows is a
# generous ceiling for one ward. The limit exists to bound the work of parsing a hostile request;
# 12,100 fields parse in a few milliseconds. (With JavaScript the grid posts only the changed rows.)
COUNT_GRID_MAX_ROWS = 1_500
DATA_UPLOAD_MAX_NUMBER_FIELDS = COUNT_GRID_MAX_ROWS * 8 + 100
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese by default, English available through the language menu (i18n).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("英語"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "chonaikai" / "static"]
# Leaflet's JS and CSS from the django-leaflet package, served as leaflet/… so maps need no CDN. The
# package is not in INSTALLED_APPS: admin autodiscovery would import its admin module, which needs
# django.contrib.gis and so the GDAL system library.
STATICFILES_DIRS.append(
    ("leaflet", Path(importlib.util.find_spec("leaflet").origin).parent / "static" / "leaflet")
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# Django's ModelBackend logs people in; RolePermissionBackend gives city administrators the admin
# site's model permissions from their role (chonaikai.accounts.policy), so no per-user permission rows.
# AxesStandaloneBackend comes first: it refuses a locked-out username and address before any other
# backend checks a password (login throttling, see AXES_* below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "chonaikai.accounts.backends.RolePermissionBackend",
]
# Public address of this site, for links in emails sent outside a request (account set-up, reminders).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # 「あなたのやること」, each role's start page
LOGOUT_REDIRECT_URL = "/"

# The REST API (api/). Scripts authenticate with hashed API tokens, browsers with their session.
# Deny by default: each view opens what is public. Rates are per minute/hour/day ("60/minute");
# an empty value switches that limit off.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies (typed as the schema says, limited in size and depth); the counts import takes
    # multipart uploads itself.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.ClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute") or None,
        "user": env("API_THROTTLE_USER", default="600/minute") or None,
        "login": env("API_THROTTLE_LOGIN", default="10/minute") or None,
    },
    # Only the forwarded addresses added by our own proxies count (see TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # CSV and xlsx have their own URLs (membership.csv); ?format= is not a second way to ask.
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Days an API token stays valid from its creation (stored on the token: a later change of the
# setting applies to new tokens only). 0 gives tokens that last until revoked.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    # ASCII: generated clients make their package name of it. The system's name heads the description.
    "TITLE": "chonaikai API",
    # Lazy: the schema and its docs follow the language chosen in the menu (or ?lang=en).
    "DESCRIPTION": format_lazy(
        "{title}\n\n{text}",
        title=_("町内会・自治会 加入状況システム API"),
        text=_(
            "地域・地区・連合組織・町内会、世帯数、加入状況の集計、オープンデータ。"
            "読み取りの多くは認証なしで使えます。書き込みと非公開の情報には、ログイン（セッション）か"
            "APIトークン（Authorization: Token <APIトークン>、POST /api/v1/auth/token/ で発行）が必要です。"
            'エラーはすべて {"message": …, "extra": {…}} の形で返します。'
        ),
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssociationStatusEnum": "chonaikai.associations.models.Association.Status",
        "WardProgressStatusEnum": "chonaikai.associations.models.WardProgress.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.slug_tags",
        "api.schema.nullable_refs",
        "api.schema.unescape_paths",
        "api.schema.ascii_titles",
    ],
}

# Celery: without a broker every task runs eagerly in the calling process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
# Tasks are acknowledged after they finish (ACKS_LATE), so a worker that dies mid-task leaves its
# message unacknowledged; Redis hands it to a worker again after the visibility timeout. It must be
# longer than the longest task (TIME_LIMIT), or a task still running would be delivered twice.
# Workers look for such messages every 10 seconds (restore interval, each sweep a real scan).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,  # a Redis host that does not answer fails a publish, not a page, quickly
}
# One message reserved per worker process: long imports do not hold other tasks hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Periodic tasks (run by `celery -A chonaikai beat`). Each is safe to run more than once a day.
CELERY_BEAT_SCHEDULE = {
    # Survey rounds: ward staff 7 days and 1 day before the deadline, city administrators after it.
    "round-reminders": {
        "task": "chonaikai.associations.tasks.plan_round_reminders_task",
        "schedule": crontab(hour=8, minute=0),
    },
    # Counts uploads (file and record) older than COUNTS_UPLOAD_RETENTION_HOURS.
    "purge-counts-uploads": {
        "task": "chonaikai.associations.tasks.purge_counts_uploads_task",
        "schedule": crontab(minute=15),
    },
}

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Redis down: the cache misses (and logs) instead of failing the page (chonaikai.cache).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "chonaikai.cache.RedisCache"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="chonaikai@localhost")

# Domain settings.
# Web uploads of more rows than this are checked and committed by a Celery task with visible progress.
COUNTS_IMPORT_ASYNC_THRESHOLD = env.int("COUNTS_IMPORT_ASYNC_THRESHOLD", default=2000)
# The yearly counts entry grid of an area with more active associations than this is shown one
# district (or, in a city without districts, one federation) at a time: ~400 rows is what one page holds.
COUNTS_GRID_MAX_ROWS = env.int("COUNTS_GRID_MAX_ROWS", default=400)
# Hours a counts upload (its file and its record: preview, progress, outcome) is kept after it was
# uploaded; then the purge (hourly by Celery beat, or `manage.py purge_counts_uploads`) removes it.
COUNTS_UPLOAD_RETENTION_HOURS = env.int("COUNTS_UPLOAD_RETENTION_HOURS", default=72)
# Largest counts upload accepted by the import page and the API (one limit for both).
COUNTS_IMPORT_MAX_UPLOAD_BYTES = env.int("COUNTS_IMPORT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# What a counts workbook (.xlsx) may unpack to, and the cells a sheet's grid may span (last row ×
# last column, from A1), checked before any reader allocates (associations/imports/spreadsheet.py). The
# 300,000-row benchmark workbook unpacks to about 70 MB and spans 1.5 million cells.
COUNTS_IMPORT_MAX_UNPACKED_BYTES = env.int("COUNTS_IMPORT_MAX_UNPACKED_BYTES", default=128 * 1024 * 1024)
COUNTS_IMPORT_MAX_SHEET_CELLS = env.int("COUNTS_IMPORT_MAX_SHEET_CELLS", default=4_000_000)
# Largest file accepted as a subsidy application attachment (PDF, JPEG, PNG, XLSX), in bytes.
SUBSIDY_ATTACHMENT_MAX_BYTES = env.int("SUBSIDY_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# Security. The same headers in development and production; only the HTTPS-only parts wait for DEBUG off.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Staff sessions: signed out after SESSION_COOKIE_AGE seconds (a working day) and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _tile_sources(url: str) -> list[str]:
    """CSP source for the map tile server: "https://{s}.tiles.example.jp/{z}/{x}/{y}.png" → "https://*.tiles.example.jp"."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return []  # a path on this site ('self') or no tiles at all
    host = parts.netloc.split("@")[-1]
    host = ".".join("*" if "{" in label else label for label in host.split("."))
    return [f"{parts.scheme}://{host}"]


# Content-Security-Policy (django-csp): everything from this site; no inline script without the
# request's nonce (templates write <script nonce="{{ request.csp_nonce }}">). Inline style
# attributes stay allowed (style-src-attr): they cannot run code, and Leaflet's legend and the
# admin site use them; <style> elements need the nonce like scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_tile_sources(env("MAP_TILES_URL", default=""))],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from one
# address, that pair is refused for AXES_COOLOFF_TIME; a successful login clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during the lockout do not extend it: the person who mistyped can count on 30 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_COOLOFF_MESSAGE = _(
    "ログインに続けて失敗したため、このアカウントへのログインを一時的に停止しています。しばらくしてからもう一度お試しください。"
)
AXES_CLIENT_IP_CALLABLE = "chonaikai.operations.security.client_ip"
# Proxies (load balancer, TLS terminator) in front of the app servers that append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

SITE_TITLE = _("町内会・自治会 加入状況システム")

# The city this instance serves is data: `manage.py load_city cities/<name>` (cities/README.md), read
# through chonaikai.cities.current.city().

# Maps. Tile server URL template ({z}/{x}/{y}); empty = no tiles, wards on a plain background, so
# that maps work on a closed network. Give the tiles' attribution too when a URL is set.
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="")
