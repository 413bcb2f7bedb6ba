"""MusicHub settings: every knob is read here, from the environment, through one typed reader.

Each setting names its environment variable and documents it where it is defined; `.env.sample`
lists them all. A `.env` file beside `manage.py` is read when present (real environment
variables win). Optional integrations (Redis, S3, …) stay off until their variable is set.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------------------

# DEBUG: development mode (tracebacks, no HTTPS requirements). Off unless set to true.
DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """A random key generated once per checkout and kept in `.dev-secret-key` (git-ignored)."""
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


# SECRET_KEY: signs sessions and tokens, and (through HKDF) encrypts stored secrets when
# FIELD_ENCRYPTION_KEYS is unset. Required when DEBUG is off.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For development, set DEBUG=true "
            "(`make run` and `make test` write a .env that does)."
        )
    SECRET_KEY = _development_secret_key()

# FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys for stored secrets (API keys, tokens). The first
# encrypts, all decrypt: add a new key in front, then run `manage.py rotate_encryption_keys`.
# Unset: one key derived from SECRET_KEY (so changing SECRET_KEY then loses the stored secrets).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# ALLOWED_HOSTS: comma-separated host names this server answers to.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# CSRF_TRUSTED_ORIGINS: comma-separated origins (scheme + host) allowed to post forms over HTTPS.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ADMIN_EMAIL: comma-separated emails whose users are admins (case-insensitive), beside superusers,
# once the address is verified: through its mailed confirmation link, or `manage.py verify_email <email>`.
ADMIN_EMAILS = frozenset(email.strip().lower() for email in env.list("ADMIN_EMAIL", default=[]))

TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
TEST_RUNNER = "core.test_runner.PytestTestRunner"

INSTALLED_APPS = [
    "daphne",
    "users.admin_config.MusicHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Not rest_framework.authtoken: DRF tokens are users.ApiToken (only a digest of the key is stored).
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "dj_rest_auth",
    "dj_rest_auth.registration",
    "corsheaders",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_prometheus",  # /metrics (core/metrics.py)
    "core",
    "users",
    "credentials",
    "musics",
    "listening",
    "messaging",
    "rooms",
    "scrobbling",
    "web",
]

MIDDLEWARE = [
    # Outermost: the request's latency and count (django-prometheus, paired with the last entry), and
    # its id on every log record (core/request_id.py). Neither reads the body.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.request_id.RequestIdMiddleware",
    # Then: a body over REQUEST_BODY_MAX_BYTES is refused (413) before anything reads it.
    "core.request_limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their own caching: CSP, Permissions-Policy and
    # Cache-Control: no-store on everything Django answers (core/security_headers.py).
    # django-csp's, building the policy once rather than on every response (core/security_headers.py).
    "core.security_headers.ContentSecurityPolicyMiddleware",
    "core.security_headers.SecurityHeadersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A signed song link is answered here: its token is its only credential (musics/stream_fast_path.py).
    "musics.stream_fast_path.SignedStreamMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A signed-in user without a time zone gets the browser's (the `tz` cookie), once (web/time_zone.py).
    "web.time_zone.TimeZoneDefaultMiddleware",
    # The sign-in budget (users/throttle.py): after CSRF, so a forged cross-site post spends nothing.
    "users.throttle.SignInBudgetMiddleware",
    # A request that found no free pooled database connection in time: 503 + Retry-After (core/db_busy.py).
    "core.db_busy.DatabaseBusyMiddleware",
    # Last: requests by view and status (django-prometheus).
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],  # project-wide overrides (the admin index)
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

# --- Database -------------------------------------------------------------------------------

# DATABASE_URL: e.g. postgres://user:pass@host:5432/musichub. Default: a SQLite file beside manage.py.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN, so two
    # writers queue instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not the shared-cache in-memory database Django would use for tests: that one fails
    # concurrent writers at once ("database table is locked") instead of queueing them.
    # One per process, so two test runs at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
else:
    # PostgreSQL connections come from psycopg's pool, one pool per process (each web worker, each
    # Celery worker process): a request or task borrows one and gives it back when it ends, so a
    # process never holds more than DATABASE_POOL_MAX_SIZE, and no connection outlives the thread
    # that opened it (persistent connections, CONN_MAX_AGE > 0, leak one per ASGI worker thread).
    # DATABASE_POOL_MIN_SIZE: connections each process keeps open when idle.
    # DATABASE_POOL_MAX_SIZE: the most each process opens; PostgreSQL's max_connections must cover
    # WEB_WORKERS x this + CELERY_WORKER_CONCURRENCY + a few for manage.py. 0: no pool, a connection
    # per request or task (closed at its end).
    # DATABASE_POOL_TIMEOUT: seconds a request waits for a free connection before failing.
    # DATABASE_POOL_MAX_IDLE: every this many seconds a pool closes one connection (above its minimum)
    # that stayed unused the whole time, so after a burst it is back to the minimum in about
    # (max - min + 1) x this.
    DATABASE_POOL_MIN_SIZE = env.int("DATABASE_POOL_MIN_SIZE", default=1)
    DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=4)
    DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=10.0)
    DATABASE_POOL_MAX_IDLE = env.float("DATABASE_POOL_MAX_IDLE", default=2.0)
    if DATABASE_POOL_MAX_SIZE and not 0 <= DATABASE_POOL_MIN_SIZE <= DATABASE_POOL_MAX_SIZE:
        raise ImproperlyConfigured("DATABASE_POOL_MIN_SIZE must be between 0 and DATABASE_POOL_MAX_SIZE.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required by the pool; without it, closed per request
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a pooled connection is checked before use
    # Not in the test process: its tests hold one connection per thread on purpose (twenty callers
    # released together), more than a pool's maximum. The processes tests start (`make serve` in
    # tests/core/test_serve.py) use the pool as production does.
    if DATABASE_POOL_MAX_SIZE > 0 and not TESTING:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": DATABASE_POOL_MIN_SIZE,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
            "max_idle": DATABASE_POOL_MAX_IDLE,
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, Channels layer ----------------------------------------------

# REDIS_URL: e.g. redis://127.0.0.1:6379/0. Without it: local-memory cache, in-memory channel
# layer, and background tasks run in-process (fine for one process; production wants Redis).
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "musichub",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "musichub:channels"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery reads every CELERY_* setting below (config/celery.py).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": "musichub:celery:"}
CELERY_TIMEZONE = "UTC"
# CELERY_WORKER_CONCURRENCY: task processes of the Celery worker `make serve` starts (each holds at
# most one database connection, and only while a task runs: Celery's Django fixup closes it after).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2)
# CELERY_BEAT_SCHEDULE_FILENAME: where beat keeps when each periodic task last ran.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "celerybeat-schedule")
)

# --- Serving (`make serve`: Procfile, config/gunicorn.py) ------------------------------------

# WEB_BIND: the address gunicorn listens on, HTTP and WebSockets alike (host:port, or unix:/path).
# WEB_WORKERS: gunicorn's uvicorn worker processes (about one per core; each has its own database
# pool of DATABASE_POOL_MAX_SIZE). WEB_TIMEOUT: seconds a silent worker is given before gunicorn
# restarts it. WEB_GRACEFUL_TIMEOUT: seconds a stopping worker may finish its requests.
WEB_BIND = env.str("WEB_BIND", default="127.0.0.1:8000")
WEB_WORKERS = env.int("WEB_WORKERS", default=2)
WEB_TIMEOUT = env.int("WEB_TIMEOUT", default=60)
WEB_GRACEFUL_TIMEOUT = env.int("WEB_GRACEFUL_TIMEOUT", default=20)
# WEB_MAX_CONCURRENT_REQUESTS: requests inside Django at once in each web process; the others wait
# in the event loop, and one that waits DATABASE_POOL_TIMEOUT gets a 503 (core/concurrency.py).
# Defaults to the database pool's size, so every admitted request can have a connection. 0: no limit.
_POOL_SIZE = DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size", 0)
WEB_MAX_CONCURRENT_REQUESTS = env.int("WEB_MAX_CONCURRENT_REQUESTS", default=_POOL_SIZE)
# TASKS_IN_THREADS: without REDIS_URL, run background jobs in threads of the web process (so a
# request that starts a long sync answers at once). Off in tests, which run them synchronously.
TASKS_IN_THREADS = env.bool("TASKS_IN_THREADS", default=not REDIS_URL and not TESTING)
# LISTENING_SYNC_MINUTES: how often every connected user's Spotify and Last.fm plays are synced
# (Spotify keeps only the last 50 plays, so keep this well under a day). 0 turns it off.
LISTENING_SYNC_MINUTES = env.int("LISTENING_SYNC_MINUTES", default=20)
# SPOTIFY_POLL_MAX_MINUTES: the longest a user's Spotify goes unread. Each user is read as often as
# their own listening needs (half the time their last 50 plays took, listening.selectors), between
# LISTENING_SYNC_MINUTES and this; keep it under the time anyone needs to play 50 songs (~2 hours).
SPOTIFY_POLL_MAX_MINUTES = env.int("SPOTIFY_POLL_MAX_MINUTES", default=120)
# SYNC_JOB_DEAD_SECONDS: a sync job whose worker wrote no heartbeat for this long is dead (its worker
# was killed) and is resumed where it stopped. Keep it above the time one page can take (a provider
# call with its retries, about 3 times HTTP_TIMEOUT_SECONDS); resuming a job whose slow worker is in fact
# alive is harmless (each page is stored once). SYNC_WATCHDOG_SECONDS: how often the scheduler looks
# for dead jobs. A dead job is resumed at most SYNC_JOB_DEAD_SECONDS + SYNC_WATCHDOG_SECONDS after its
# last heartbeat (a minute by default); `POST /music/sync/` resumes it at once.
SYNC_JOB_DEAD_SECONDS = env.int("SYNC_JOB_DEAD_SECONDS", default=40)
SYNC_WATCHDOG_SECONDS = env.int("SYNC_WATCHDOG_SECONDS", default=20)
# WORKER_HEARTBEAT_SECONDS: how often beat has a Celery worker write its heartbeat (core/heartbeat.py);
# 0 turns it off. WORKER_HEARTBEAT_MAX_AGE: the readiness check (/health/ready/) answers 503 naming
# the worker when the last heartbeat is older than this many seconds.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=90)
# ROOM_POLL_SECONDS: how often a room with someone connected reads its host's player (one poller per
# room, whatever the number of guests). Spotify's rate limits count per app over 30 s: keep it a few seconds.
ROOM_POLL_SECONDS = env.float("ROOM_POLL_SECONDS", default=4)

# --- Accounts and authentication ------------------------------------------------------------

AUTH_USER_MODEL = "users.User"
LOGIN_URL = "web:signin"
LOGIN_REDIRECT_URL = "web:home"
AUTHENTICATION_BACKENDS = [
    # First: refuses an account whose failed sign-ins reached AUTH_ACCOUNT_THROTTLE_RATE (users/throttle.py).
    "users.throttle.AccountBudgetBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a check: after any password change it tidies the user's older tokens away (users/validators.py).
    {"NAME": "users.validators.OtherCredentialsEnd"},
]
if TESTING:
    # Hashing with the production work factor dominates a test suite that signs in a lot.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: email is the login; no username at all.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# ACCOUNT_EMAIL_VERIFICATION: "none", "optional" or "mandatory" (mandatory needs a working EMAIL_URL),
# for the API's registration and the web sign-up alike. "optional" mails the confirmation link at
# sign-up; "mandatory" also refuses to sign anyone in before the link is used. With any of them a
# user may ask for the link (web: /verify-email/sent; API: /api/auth/registration/resend-email/).
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
# The adapter points the mailed links (confirmation, password reset) at the web pages.
ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MusicHub] "

# dj-rest-auth: DRF token + JWT pair on login and registration (users/api/views.py).
REST_AUTH = {
    "LOGIN_SERIALIZER": "users.api.serializers.LoginSerializer",
    "REGISTER_SERIALIZER": "users.api.serializers.RegisterSerializer",
    "USER_DETAILS_SERIALIZER": "users.api.serializers.MeSerializer",
    "SESSION_LOGIN": False,
    "USE_JWT": False,
    "JWT_AUTH_HTTPONLY": False,
    "OLD_PASSWORD_FIELD_ENABLED": True,
    # Our views issue tokens (users.services.auth_credentials_issue); this keeps any other
    # dj-rest-auth path from writing a clear key.
    "TOKEN_MODEL": "users.models.ApiToken",
    "TOKEN_CREATOR": "users.adapters.dj_rest_auth_token_create",
}

SIMPLE_JWT = {
    # JWT_ACCESS_MINUTES / JWT_REFRESH_DAYS: lifetimes of the access and refresh JWTs.
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Refresh and verify also refuse a JWT issued before the password last changed (users/tokens.py).
    "TOKEN_REFRESH_SERIALIZER": "users.api.serializers.TokenRefreshSerializer",
    "TOKEN_VERIFY_SERIALIZER": "users.api.serializers.TokenVerifySerializer",
}

# --- Sign-in budget and client addresses (users/throttle.py, core/client_ip.py) ---------------

# NUM_PROXIES: how many reverse proxies stand in front of the app, each appending the address it
# saw to X-Forwarded-For. 0 (the default): the header is ignored and the socket's peer is the client,
# so nobody picks their own address. Behind one nginx that sets
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`, set 1. Never more than there are.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more.")
# allauth's own client address reading follows the same count (users/adapters.py also asks core).
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES

# --- Metrics (core/metrics.py) --------------------------------------------------------------

# METRICS_ALLOWED_IPS: comma-separated addresses or networks (10.0.0.0/8) whose requests may read
# /metrics, e.g. 127.0.0.1 for a Prometheus on the same machine. The client address is core's
# (NUM_PROXIES decides it): behind a proxy on this machine, set NUM_PROXIES, or the proxy's own
# 127.0.0.1 would let everyone in. METRICS_TOKEN: a long random token; `Authorization: Bearer <token>`
# may read /metrics from anywhere. With neither set, /metrics is closed to everyone. Anyone not
# allowed gets the 404 of an unknown path.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is not an address or network") from exc
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters (or unset).")


def _rate(name: str, default: str) -> str:
    """A rate like 10/minute, 20/hour or 5/15m (django-ratelimit's syntax, DRF's spelled-out units too)."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9]\d*/([1-9]\d*)?(s(ec(ond)?)?|m(in(ute)?)?|h(our)?|d(ay)?)s?", value):
        raise ImproperlyConfigured(f"{name} must look like 10/minute, 20/hour or 5/15m, not {value!r}.")
    return value


# AUTH_THROTTLE_RATE: sign-in submissions per client address, one budget across every way in (API
# login, registration, JWT refresh and verify, password change and reset, verification resend,
# /signin, /signup, the password reset pages, /admin/login/). Over it: 429 with Retry-After.
AUTH_THROTTLE_RATE = _rate("AUTH_THROTTLE_RATE", "10/minute")
# AUTH_ACCOUNT_THROTTLE_RATE: failed sign-ins per account (the email tried), from any address. Once
# reached, that account's sign-in is refused (429) until the window ends, the right password included.
AUTH_ACCOUNT_THROTTLE_RATE = _rate("AUTH_ACCOUNT_THROTTLE_RATE", "20/hour")
# django-ratelimit counts in the default cache (Redis with REDIS_URL) and asks core for the address.
RATELIMIT_IP_META_KEY = "core.client_ip.client_ip"
RATELIMIT_CACHE_PREFIX = "signin:"

# The ListenBrainz-compatible API (scrobbling/, mounted at /1/ and /apis/listenbrainz/1/).
# LISTENBRAINZ_RATE_LIMIT: requests per token (per client address without one), in fixed windows;
# every answer says how many are left (X-RateLimit-*), and past it the answer is 429.
LISTENBRAINZ_RATE_LIMIT = _rate("LISTENBRAINZ_RATE_LIMIT", "100/10s")
# LISTENBRAINZ_PLAYING_NOW_SECONDS: how long "playing now" lasts when the player gave no track length.
LISTENBRAINZ_PLAYING_NOW_SECONDS = env.int("LISTENBRAINZ_PLAYING_NOW_SECONDS", default=600)
# The protocol's own body limit (ListenBrainz: 1000 listens of 10,240 bytes): the submit view accepts
# this much beyond REQUEST_BODY_MAX_BYTES (core/request_limits.py) and answers ListenBrainz's 400 past it.
LISTENBRAINZ_MAX_BODY_BYTES = 10_240_000

REST_FRAMEWORK = {
    # JWT first: its `Bearer` challenge makes a missing credential a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.JWTAuthentication",
        "users.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested too deep for the decoder is a 400 (core/parsers.py), not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["core.filtering.FilterBackend"],
    # drf-spectacular's, plus the error statuses each operation really answers (core/schema.py).
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exception_handler.api_exception_handler",
    # DRF's scoped throttle keyed on core.client_ip (signed-in callers: on the user). Sign-in is not
    # a DRF scope: the one sign-in budget above covers it.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # MESSAGE_SEND_RATE: direct messages a user may send.
        "messages": env.str("MESSAGE_SEND_RATE", default="30/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Where the URL names live that a middleware answers 429 for (the sign-in budget), so the schema
# documents that 429 (core/schema.py).
SCHEMA_THROTTLED_URL_NAMES = "users.throttle.API_VIEWS"

SPECTACULAR_SETTINGS = {
    "TITLE": "MusicHub API",
    "DESCRIPTION": "A self-hosted music hub: keys, connections, listening history, catalog, rooms.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ListenSourceEnum": "listening.models.Source",
        "ErrorCodeEnum": "core.error_codes.ERROR_CODE_VALUES",
    },
}

# CORS_ALLOWED_ORIGINS: comma-separated origins of browser front ends allowed to call the API.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])

# --- Files ----------------------------------------------------------------------------------

# MEDIA_ROOT: where uploaded files (songs, images) are stored. MEDIA_URL: the URL they are served at.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# STATIC_ROOT: where `collectstatic` gathers static files (served by WhiteNoise).
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# In development and tests WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# MAX_USER_IMAGE_BYTES: the largest profile picture accepted.
MAX_USER_IMAGE_BYTES = env.int("MAX_USER_IMAGE_BYTES", default=5 * 1024 * 1024)
# MAX_SONG_BYTES: the largest song upload accepted (MP3, Ogg, FLAC, M4A/AAC or WAV).
MAX_SONG_BYTES = env.int("MAX_SONG_BYTES", default=50 * 1024 * 1024)
# MAX_COVER_BYTES: the largest song or album cover picture accepted (uploaded, or embedded in the tags).
MAX_COVER_BYTES = env.int("MAX_COVER_BYTES", default=5 * 1024 * 1024)
# MAX_IMPORT_BYTES: the largest export file (a ZIP or one file) accepted by POST /music/imports/. It is
# streamed to a temporary file, then to storage (MEDIA_ROOT/imports/), never held in memory.
MAX_IMPORT_BYTES = env.int("MAX_IMPORT_BYTES", default=1024 * 1024 * 1024)
# IMPORT_ZIP_MAX_ENTRIES / IMPORT_ZIP_MAX_MEMBER_BYTES / IMPORT_ZIP_MAX_RATIO: a ZIP with more entries,
# an entry larger uncompressed, or compressed more than this ratio is refused (as ListenBrainz does).
IMPORT_ZIP_MAX_ENTRIES = env.int("IMPORT_ZIP_MAX_ENTRIES", default=500)
IMPORT_ZIP_MAX_MEMBER_BYTES = env.int("IMPORT_ZIP_MAX_MEMBER_BYTES", default=500 * 1024 * 1024)
IMPORT_ZIP_MAX_RATIO = env.int("IMPORT_ZIP_MAX_RATIO", default=100)
# MEDIA_X_ACCEL_REDIRECT_PREFIX: e.g. /protected-media. When set, `/api/songs/{id}/stream/` checks
# the request and answers `X-Accel-Redirect: <prefix>/<file name>` with no body, and nginx serves
# the file (with Range) from an `internal` location aliased to MEDIA_ROOT. Empty: Django streams.
MEDIA_X_ACCEL_REDIRECT_PREFIX = env.str("MEDIA_X_ACCEL_REDIRECT_PREFIX", default="")
# STREAM_LINK_SECONDS: how long a song's signed `stream_url` works (it needs no Authorization header).
STREAM_LINK_SECONDS = env.int("STREAM_LINK_SECONDS", default=6 * 60 * 60)
# REQUEST_BODY_MAX_BYTES: the largest request body accepted anywhere (413 beyond it, refused from its
# Content-Length before it is read: core/request_limits.py). The upload views (songs, covers, profile
# pictures) accept their own file limits above plus this much. Keep the proxy's limit
# (nginx `client_max_body_size`) at MAX_SONG_BYTES + MAX_COVER_BYTES + this, or lower.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
# Form fields (not files) Django reads into memory: the same small limit (413 beyond it).
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# --- External services ----------------------------------------------------------------------
# Base URLs of every provider, so tests and the demo can point them at the sandbox.

SPOTIFY_ACCOUNTS_URL = env.str("SPOTIFY_ACCOUNTS_URL", default="https://accounts.spotify.com")
SPOTIFY_API_URL = env.str("SPOTIFY_API_URL", default="https://api.spotify.com/v1")
# SPOTIFY_REDIRECT_URI: where Spotify sends the user back (Spotify refuses `localhost`).
SPOTIFY_REDIRECT_URI = env.str("SPOTIFY_REDIRECT_URI", default="http://127.0.0.1:8000/spotify/redirect")
# SPOTIFY_CONNECT_DONE_URL: where a user lands after connecting Spotify (`?spotify=connected`, or
# `?spotify=error&reason=…&message=…`).
SPOTIFY_CONNECT_DONE_URL = env.str("SPOTIFY_CONNECT_DONE_URL", default="/connections")
# SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET: the app's Spotify credentials when no active
# SpotifyCredential is stored in the database.
SPOTIFY_CLIENT_ID = env.str("SPOTIFY_CLIENT_ID", default="")
SPOTIFY_CLIENT_SECRET = env.str("SPOTIFY_CLIENT_SECRET", default="")
# SPOTIFY_APP_MAX_USERS: how many users the app of SPOTIFY_CLIENT_ID may serve (an admin's Spotify
# credential has its own `max_users`); a Spotify app in development mode lists at most 5.
SPOTIFY_APP_MAX_USERS = env.int("SPOTIFY_APP_MAX_USERS", default=5)
# SPOTIFY_QUOTA_PAUSE_SECONDS: when Spotify says an app's quota is spent (429 QUOTA_EXCEEDED, no
# Retry-After), its users' syncs wait this long before asking again, and rooms poll it less often.
SPOTIFY_QUOTA_PAUSE_SECONDS = env.int("SPOTIFY_QUOTA_PAUSE_SECONDS", default=900)
LASTFM_API_URL = env.str("LASTFM_API_URL", default="https://ws.audioscrobbler.com/2.0/")
YOUTUBE_API_URL = env.str("YOUTUBE_API_URL", default="https://www.googleapis.com/youtube/v3")
DEEZER_API_URL = env.str("DEEZER_API_URL", default="https://api.deezer.com")
DEEZER_CONNECT_URL = env.str("DEEZER_CONNECT_URL", default="https://connect.deezer.com")
APPLE_MUSIC_API_URL = env.str("APPLE_MUSIC_API_URL", default="https://api.music.apple.com/v1")
TIDAL_API_URL = env.str("TIDAL_API_URL", default="https://openapi.tidal.com/v2")
TIDAL_AUTH_URL = env.str("TIDAL_AUTH_URL", default="https://auth.tidal.com/v1/oauth2")
AMAZON_MUSIC_API_URL = env.str("AMAZON_MUSIC_API_URL", default="https://api.music.amazon.dev/v1")
AMAZON_AUTH_URL = env.str("AMAZON_AUTH_URL", default="https://api.amazon.com")
TRAKT_API_URL = env.str("TRAKT_API_URL", default="https://api.trakt.tv")
STEAM_API_URL = env.str("STEAM_API_URL", default="https://api.steampowered.com")
XBOX_API_URL = env.str("XBOX_API_URL", default="https://xbl.io/api/v2")
RETROACHIEVEMENTS_API_URL = env.str("RETROACHIEVEMENTS_API_URL", default="https://retroachievements.org/API")
PSN_AUTH_URL = env.str("PSN_AUTH_URL", default="https://ca.account.sony.com/api")
PSN_API_URL = env.str("PSN_API_URL", default="https://m.np.playstation.com/api")
# PSN_CLIENT_ID / PSN_CLIENT_SECRET / PSN_REDIRECT_URI: the PlayStation app's OAuth client that trades
# a user's NPSSO for tokens (Sony has no public API registration; PSN libraries use the PlayStation
# app's own client). Empty: PlayStation keys are stored but a live check says it is not configured.
PSN_CLIENT_ID = env.str("PSN_CLIENT_ID", default="")
PSN_CLIENT_SECRET = env.str("PSN_CLIENT_SECRET", default="")
PSN_REDIRECT_URI = env.str("PSN_REDIRECT_URI", default="")

# HTTP_TIMEOUT_SECONDS / HTTP_RETRIES: every outgoing call's timeout, and how many times a
# connection error or a 5xx is retried (with backoff) before the provider counts as unavailable.
HTTP_TIMEOUT_SECONDS = env.float("HTTP_TIMEOUT_SECONDS", default=10.0)
HTTP_RETRIES = env.int("HTTP_RETRIES", default=2)

# --- Email ----------------------------------------------------------------------------------

# EMAIL_URL: e.g. smtp+tls://user:pass@smtp.example.com:587. Default: print emails to the console.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# DEFAULT_FROM_EMAIL: the sender of account emails.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MusicHub <noreply@localhost>")

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (production) ------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the web pages' JavaScript reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from our own files (no inline script, no eval:
# htmx is configured not to evaluate), styles from our files (plus a per-request nonce for the API
# docs' one <style>) and style attributes; forms may post only here and to Spotify's sign-in (the
# Connect Spotify form is redirected there). Violations can be reported to CSP_REPORT_URL.
# CSP_IMAGE_SOURCES: where pictures may come from besides this site (album art from Spotify, Last.fm
# and the other services' CDNs): default any HTTPS host.
CSP_IMAGE_SOURCES = env.list("CSP_IMAGE_SOURCES", default=["https:"])
# CSP_REPORT_URL: where browsers send CSP violation reports (empty: nowhere).
CSP_REPORT_URL = env.str("CSP_REPORT_URL", default="")
_spotify_accounts = urlsplit(SPOTIFY_ACCOUNTS_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *CSP_IMAGE_SOURCES],
        "media-src": [SELF],
        "connect-src": [SELF],  # CSP3: 'self' also allows our own ws:// and wss:// (live rooms, messages)
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, f"{_spotify_accounts.scheme}://{_spotify_accounts.netloc}"],
        "report-uri": [CSP_REPORT_URL] if CSP_REPORT_URL else None,
    }
}
# PERMISSIONS_POLICY: the browser features our pages may use. Everything powerful is off; our own
# pages may autoplay (the player plays the next song by itself) and go full screen.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self"],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
if not DEBUG:
    # SECURE_SSL_REDIRECT: redirect plain HTTP to HTTPS (turn off when the proxy already does).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # SECURE_HSTS_SECONDS / _INCLUDE_SUBDOMAINS / _PRELOAD: HTTP Strict Transport Security.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# BEHIND_TLS_PROXY: trust X-Forwarded-Proto from the reverse proxy that terminates TLS.
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------

# LOG_LEVEL: DEBUG, INFO, WARNING or ERROR for the project's own loggers.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# LOG_FORMAT: "plain" (the default, one readable line per record) or "json" (one JSON object per
# line: time, level, logger, message, request_id, for a log collector). Either way each record of a
# request, and of the Celery tasks it started, carries the request's id (core/request_id.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secret query parameters (OAuth code/state, stream link tokens, keys) are redacted from every
    # record this handler writes (core/log_redaction.py).
    "filters": {
        "redact_secrets": {"()": "core.log_redaction.RedactSecretsFilter"},
        "request_id": {"()": "core.request_id.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        # core/log_json.py: python-json-logger, keeping only plain (and redacted) values.
        "json": {
            "()": "core.log_json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        **{
            name: {"level": LOG_LEVEL}
            for name in ("core", "users", "credentials", "musics", "listening", "rooms", "providers")
        },
        # httpx logs every request's full URL at INFO, and some providers take keys in the query
        # string (Last.fm `api_key`, YouTube `key`): never below WARNING.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # daphne's runserver (`make run`) logs each request here: shown once, like Django's runserver
        # does (not propagated: Django's own "django" console handler would print it a second time).
        "django.channels.server": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # The Celery worker and beat log through this configuration too (config/celery.py): their
        # start ("celery@host ready."), each task's outcome.
        "celery": {"level": "INFO"},
    },
}
# The HTTP servers' access loggers, which the servers configure themselves (with their own handlers):
# the same filter is added to each when Django starts (core/apps.py), so an OAuth callback's
# `code`/`state` never reaches an access log. The daphne command writes its access log without
# `logging`: run it as `python -m core.daphne_server` (same arguments) to get the same redaction.
LOG_REDACTED_LOGGERS = ("django.server", "django.channels.server", "uvicorn.access", "gunicorn.access")
