"""Settings for the Shared Services Register.

Everything that differs between a laptop and a server comes from environment
variables (see README.md, "Configuration"). The defaults give a working local
register on SQLite with no set-up at all.
"""

import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    # Only ever used on a developer's machine or in the test suite.
    SECRET_KEY = "insecure-development-key-not-for-production"

DEBUG = env_bool("DJANGO_DEBUG", default=False) and not PRODUCTION

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "sharedservices.apps.StaticFiles",  # django.contrib.staticfiles, less unused files
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "register",
]
# Development tools (perf/: synthetic data, benchmark, load and fault tests) are not
# deployed: never installed in production, and not in the wheel (pyproject.toml).
if not PRODUCTION:
    INSTALLED_APPS.append("perf")

MIDDLEWARE = [
    "register.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "register.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "register.middleware.DatabaseBusyMiddleware",
    "register.middleware.AdminWritesTakeTurnsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns locked-out sign-ins into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sharedservices.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "register.context_processors.service",
            ],
        },
    },
]

WSGI_APPLICATION = "sharedservices.wsgi.application"

DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DEFAULT_SQLITE_PATH.parent.mkdir(exist_ok=True)
    # SQLite allows one writer at a time. IMMEDIATE takes the write lock when a transaction
    # begins, so two saves queue (for up to `timeout` seconds) instead of one failing when
    # it upgrades a read lock; past the timeout the user is asked to try again.
    # WAL (write-ahead log) lets everyone read while one writes: without it, a background
    # import's long transaction kept every page, its own progress page included, waiting.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The register's queries are short; PostgreSQL's JIT compiler can spend longer
    # compiling one (hundreds of milliseconds, measured) than running it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Object-level rules (may this user change *this* arrangement?): register/permissions.py.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic puts the hashed, compressed copies served in production.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic

# Where the data releases (`manage.py build_release`, served at /data/) are kept: a folder
# of one subfolder per release, named by its date. On a server, a persistent volume.
RELEASES_DIR = Path(os.environ.get("DJANGO_RELEASES_DIR") or BASE_DIR / "var" / "releases")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production, serve assets straight from static/ (no collectstatic needed);
# in production, from the hashed, compressed copies collectstatic makes.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
# Where a sign-in lands when it names no page, or an unsafe one (another site): the admin
# index. Django's default, /accounts/profile/, does not exist here.
LOGIN_REDIRECT_URL = "admin:index"

# Content-Security-Policy (django-csp): everything from this site; the one inline script
# (GOV.UK Frontend's js-enabled flag) carries a per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Production hardening. Behind a TLS-terminating proxy, set DJANGO_SECURE_PROXY_SSL_HEADER=true
# so Django trusts its X-Forwarded-Proto header.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cache and sessions in Redis when REDIS_URL is set (several app servers share them);
# otherwise a per-process memory cache and sessions in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 500},  # bounds each process's memory
    }
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sharedservices",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# How far a background import has got (register.import_jobs), shared by the worker that
# runs it and the web process that shows it: Redis when REDIS_URL is set, otherwise
# files under var/, which every process on this machine shares.
CACHES["jobs"] = (
    {**CACHES["default"], "KEY_PREFIX": "sharedservices-jobs"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache" / "jobs"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
)

# Background jobs (register/jobs.py): django-tasks with its database backend, so a job
# is a row in the register's own database, on SQLite as on PostgreSQL, and waits there
# until a worker (`make worker`: manage.py db_worker) runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Files with more rows than this are imported by a background job, without a preview:
# checking a file takes as long as importing it, and the web server gives up on a
# request after 60 seconds (about 8,000 rows). A preview and its import are two passes.
IMPORT_PREVIEW_ROWS = os.environ.get("IMPORT_PREVIEW_ROWS", "2000").strip()
if not IMPORT_PREVIEW_ROWS.isdigit():
    raise ImproperlyConfigured(
        f"IMPORT_PREVIEW_ROWS must be a whole number of rows, not {IMPORT_PREVIEW_ROWS!r}."
    )
IMPORT_PREVIEW_ROWS = int(IMPORT_PREVIEW_ROWS)
# On PostgreSQL, changes made through the admin take turns (register.middleware
# .AdminWritesTakeTurnsMiddleware); one waits this many seconds at most for its turn (a
# background import holds it while it runs), then is asked to try again.
ADMIN_WRITE_WAIT_SECONDS = 15

# One structured line per request (register.middleware.RequestLogMiddleware); errors
# with their traceback (django.request).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "register.requests": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # WeasyPrint warns of every screen-only rule in GOV.UK Frontend's stylesheet it
        # skips, on every PDF; register.pdf logs the resources it refuses to fetch.
        "weasyprint": {"level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Sign-in protection (django-axes): five failures lock the username and address
# pair for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

DJANGO_TABLES2_TEMPLATE = "django_tables2/govuk.html"

# The admin's "Export" (django-import-export) in the formats a spreadsheet opens writes
# text that would be read as a formula with a leading apostrophe (register/exports.py).
# Imported here rather than named, because django-import-export wants the classes.
from register.exports import ADMIN_EXPORT_FORMATS, ADMIN_IMPORT_FORMATS  # noqa: E402

EXPORT_FORMATS = ADMIN_EXPORT_FORMATS
# Imports read what officers keep their records in: CSV and Excel (an HTML table, which
# django-import-export also offers, cannot be read back and failed with a server error).
IMPORT_FORMATS = ADMIN_IMPORT_FORMATS

SERVICE_NAME = "Shared Services Register"
# Shown in the accessibility statement for requests and problem reports.
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("REGISTER_CONTACT_EMAIL", "")

# The read-only JSON API (register/api/, README "API"): JSON only, sessions only (a
# signed-in Viewer sees exempt arrangements, as on the pages), cursor pages, and
# anonymous clients throttled through Django's cache. API_ANON_RATE is "<n>/<second,
# minute, hour or day>"; an empty value turns the throttle off.
API_ANON_RATE = os.environ.get("API_ANON_RATE", "120/minute").strip()
RATE = r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)"
if API_ANON_RATE and not re.fullmatch(RATE, API_ANON_RATE):
    raise ImproperlyConfigured(
        f"API_ANON_RATE must be like 120/minute (per second, minute, hour or day), not "
        f"{API_ANON_RATE!r}."
    )
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["register.api.throttling.AnonymousRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "register.api.errors.handle_exception",
    # The anonymous rate limit counts clients by address. With no proxy in front, the
    # address is the connection's own: an X-Forwarded-For header, which any client can
    # send, is not believed. Behind proxies, API_PROXIES says how many (DRF then takes
    # the address that many hops from the end of X-Forwarded-For).
    "NUM_PROXIES": int(os.environ.get("API_PROXIES", "0") or 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shared Services Register API",
    "DESCRIPTION": (
        "Read-only JSON of the register: arrangements, authorities, service areas, "
        "savings and the scrutiny summaries. Exempt arrangements are left out for "
        "anyone not signed in with a role, exactly as the pages leave them out. The whole "
        "public register is also published as dated releases of CSV and JSON files, with a "
        "Frictionless Data Package descriptor and a JSON Schema, at [/data/](/data/)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "register.api.schema.blank_or_filled",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ArrangementStatusEnum": "register.models.Status",
        "MilestoneStatusEnum": "register.models.Milestone.Status",
        "DatePrecisionEnum": "register.dates.DatePrecision",
    },
    # Swagger UI and its assets from this site (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from validator.swagger.io: nothing is fetched from elsewhere.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# django-import-export: exporting from the admin needs the model's view permission (by
# default anyone who may enter the admin could export every record, exempt ones included).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Email (the daily digests of changes, register/following.py): SMTP in production, or
# wherever EMAIL_HOST is set; otherwise printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
try:
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "").strip() or "25")
except ValueError:
    raise ImproperlyConfigured(
        f"EMAIL_PORT must be a port number, e.g. 587, not {os.environ['EMAIL_PORT']!r}."
    ) from None
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set one of EMAIL_USE_TLS (STARTTLS, usually port 587) and EMAIL_USE_SSL (usually "
        "port 465), not both."
    )
EMAIL_TIMEOUT = 30  # seconds: a server that does not answer fails that email, not the run
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "register@localhost").strip()

# Where the register is reached, for the links in emails (no request to take it from).
REGISTER_SITE_URL = os.environ.get(
    "REGISTER_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000"
).strip()
# How many days ahead a digest tells of review, break-clause and end dates and milestones.
try:
    DIGEST_DAYS_AHEAD = int(os.environ.get("DIGEST_DAYS_AHEAD", "").strip() or "30")
except ValueError:
    DIGEST_DAYS_AHEAD = -1
if not 0 <= DIGEST_DAYS_AHEAD <= 366:
    raise ImproperlyConfigured(
        "DIGEST_DAYS_AHEAD must be a whole number of days from 0 to 366, e.g. 30."
    )
