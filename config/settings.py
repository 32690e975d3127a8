"""Settings for the ceasefire-violation tracker, read from the environment.

Development defaults are safe to run on a laptop (SQLite in the project folder, DEBUG on,
a throw-away secret key). With ``DJANGO_DEBUG=false`` nothing secret has a default:
``DJANGO_SECRET_KEY`` must be set or the process refuses to start.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from tracker.conf import from_environment as tracker_settings_from

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file is optional; the environment always wins over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# DJANGO_ENV=production switches every default to the safe side: DEBUG off, no secret-key
# default, HTTPS only (HSTS, secure cookies, SSL redirect). `manage.py check --deploy
# --fail-level WARNING` passes with it (tested in CI).
ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in ("development", "production"):
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}.")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must not be true when DJANGO_ENV=production.")

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false (DJANGO_ENV=production): "
        "a random string of 50+ characters, e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names the tracker is served under (comma-separated).")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "corsheaders",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.middleware.RequestLimitsMiddleware",
    "tracker.replicas.ReplicaPinMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.middleware.HistoryChannelMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses logins for a username+address pair after repeated failures (see AXES_* below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Covering indexes (INCLUDE) are PostgreSQL's; SQLite builds the same index without the extra
# column, which is what we want, so its warning is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# dumpdata/loaddata (backup, restore) keep times to the microsecond (tracker.precise_json).
SERIALIZATION_MODULES = {"json": "tracker.precise_json"}

# SQLite is the embedded default; PostgreSQL via DATABASE_URL=postgres://user@host:5432/name.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# No ATOMIC_REQUESTS: every service write is its own transaction, and reads need none.
DATABASES["default"].setdefault("TEST", {})
# Persistent connections: a new PostgreSQL connection per request costs more than most of
# our requests (0 = close after each request, Django's default).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server processes may write: take the write lock when a transaction begins (a
    # read-then-write transaction cannot then fail to upgrade its lock), wait for it up to
    # 20 s, and let readers go on while a write happens (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
# Read replicas (tracker.replicas): reads spread over them, writes and the writer's next reads
# on the primary. Tests mirror them onto the primary.
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_n}"] = {
        **env.db_url_config(_url),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
TRACKER_REPLICAS = [alias for alias in DATABASES if alias.startswith("replica")]
DATABASE_ROUTERS = ["tracker.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# `manage.py loaddata idlib_2020` finds the founding fixture by name, as Django users expect.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The shared cache holds API throttle counters: use Redis (CACHE_URL=redis://host:6379/1) in
# production so limits hold across worker processes; the default is per process.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # Anonymous API answers (tracker.api.caching), keyed by the data generation: per process by
    # default (fastest; correct across processes, as the generation lives in the database), or
    # shared (RESPONSE_CACHE_URL=redis://...) so that app servers fill it for one another.
    "responses": env.cache_url("RESPONSE_CACHE_URL", default="locmemcache://responses"),
}
if CACHES["responses"]["BACKEND"].endswith("LocMemCache"):
    CACHES["responses"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 500)  # pages of ≤ ~100 KB

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Storage is always UTC; humans see a ceasefire's local zone where it matters.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    # Token first, so an anonymous write is answered 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tracker.api.permissions.TrackerModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["tracker.api.filter_backends.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.TrackerPagination",
    "PAGE_SIZE": 50,
    # JSON with a nesting limit (a deep body was a RecursionError), forms for the browsable API.
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.api.renderers.FastJSONRenderer",
        "tracker.api.renderers.CSVRenderer",
        "tracker.api.renderers.RawFormBrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.TrackerAutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.api.negotiation.StrictContentNegotiation",
    "EXCEPTION_HANDLER": "tracker.api.exceptions.exception_handler",
    # Per scope: anonymous clients by address, people and machines by user (tracker.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.ScopedUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("TRACKER_THROTTLE_ANON", default="120/min"),
        "user": env.str("TRACKER_THROTTLE_USER", default="600/min"),
        "ingest": env.str("TRACKER_THROTTLE_INGEST", default="1200/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ceasefire-violation tracker API",
    "DESCRIPTION": (
        "Ceasefires, the incidents reported during them, the places they hit, the parties "
        "alleged responsible and the reports that say so. Times are UTC in storage and ISO 8601 "
        "with offsets on the wire. Every malformed query parameter is a 400 naming it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the sidecar package: served offline, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IncidentKindEnum": "tracker.choices.IncidentKind",
        "IncidentStatusEnum": "tracker.choices.IncidentStatus",
        "TimePrecisionEnum": "tracker.choices.TimePrecision",
        "GeoPrecisionEnum": "tracker.choices.GeoPrecision",
        "PlaceKindEnum": "tracker.choices.PlaceKind",
        "PartyKindEnum": "tracker.choices.PartyKind",
        "SourceKindEnum": "tracker.choices.SourceKind",
        "PartyRoleEnum": "tracker.choices.PartyRole",
        "StanceEnum": "tracker.choices.Stance",
        "ConfidenceEnum": "tracker.choices.Confidence",
        "ReliabilityEnum": "tracker.choices.Reliability",
        "AttributionEnum": "tracker.choices.Attribution",
        "CeasefireTypeEnum": "tracker.choices.CeasefireType",
        "CeasefirePurposeEnum": "tracker.choices.CeasefirePurpose",
        "VerdictEnum": "tracker.choices.Verdict",
    },
}

# History: change reasons can be longer than a line.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Tracker behaviour: every TRACKER_* setting, its default and its meaning are in tracker/conf.py;
# each can be set by the environment variable of the same name.
_tracker = tracker_settings_from(env)
globals().update(_tracker)
# Django's Tasks API (django-tasks): heavy derived work runs in the request by default, or is
# queued in the database for `manage.py db_worker` processes (docs/ARCHITECTURE.md).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if _tracker["TRACKER_TASKS_BACKEND"] not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TRACKER_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tracker["TRACKER_TASKS_BACKEND"]]}}

# Content-Security-Policy on every page (django-csp): scripts only from our own static files —
# no inline script anywhere (the admin's data goes in json_script blocks, Swagger UI loads its
# configuration as a script file), so injected markup cannot run. Styles may be inline: Django's
# admin widgets, Leaflet and Swagger UI set them, and a style cannot run script. No framing, no
# plugins, forms post only to us. The map tile server is added to img-src per response
# (tracker.middleware.ContentSecurityPolicyMiddleware), so it follows TRACKER_MAP_TILES_URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = _tracker["TRACKER_MAX_BODY_BYTES"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Admin login brute-force protection: 5 failures for a username from one address lock that
# pair out for 15 minutes (a deliberate cool-off, so a typo does not need an administrator,
# and an attacker cannot lock a curator out from elsewhere). Success resets the count.
AXES_FAILURE_LIMIT = env.int("TRACKER_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("TRACKER_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Reverse proxies in front of the app servers: who the client is for throttles, lockouts and
# logs (tracker.proxies). 0: X-Forwarded-For is ignored.
AXES_CLIENT_IP_CALLABLE = "tracker.proxies.client_address"

# Browsers of other services' sites may call the API only from these origins (none by default).
CORS_ALLOWED_ORIGINS = env.list("TRACKER_CORS_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Verdicts-Pending-Since"]
CORS_ALLOW_HEADERS = [*cors_default_headers, "if-match", "x-change-reason"]

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    # TLS usually ends at a proxy that says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the health check over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client": {"()": "tracker.proxies.ClientAddressFilter"}},
    "formatters": {
        "request": {"format": "%(levelname)s %(name)s client=%(client)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Request and security events name the client behind the trusted proxies.
        "requests": {"class": "logging.StreamHandler", "filters": ["client"], "formatter": "request"},
    },
    "loggers": {
        "django.request": {"handlers": ["requests"], "propagate": False},
        "django.security": {"handlers": ["requests"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
