"""Comptoir settings: one file, read from environment variables.

Development defaults need nothing installed (SQLite, a broker in files under
var/). Production (COMPTOIR_ENV=production) refuses insecure values.
"""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from csp.constants import NONE, SELF

from comptoir.env import (
    config_error,
    env_bool,
    env_broker_url,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    redis_with_db,
)

# Lets the code write the generic types mypy checks (`admin.ModelAdmin[Household]`,
# `forms.ModelForm[Household]`) on Django classes that do not accept them at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent  # backend/
ROOT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("COMPTOIR_VAR_DIR", str(ROOT_DIR / "var")))

COMPTOIR_ENV = env_choice("COMPTOIR_ENV", "development", ("development", "production"))
PRODUCTION = COMPTOIR_ENV == "production"
if not PRODUCTION:
    # The development database, broker and schedule live here.
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEVELOPMENT_SECRET_KEY = "django-insecure-comptoir-development-only"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)

if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        config_error("SECRET_KEY", "set to a long random value in production", "<default>")
    if len(SECRET_KEY) < 50:
        config_error("SECRET_KEY", "at least 50 characters long in production", "<too short>")
    if DEBUG:
        config_error("DEBUG", "off in production", "true")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    config_error("ALLOWED_HOSTS", "a comma-separated list of host names in production", "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "network",
    "passes",
    "schedules",
    "counter",
    "stock",
    "shop",
    "foodaid",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # First: a request that failed on a lost database connection runs again from here.
    "comptoir.middleware.ReconnectMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "network.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lock-out into its response.
    "axes.middleware.AxesMiddleware",
]

# A device's API call (a token, under /api/) goes through these only: see comptoir.wsgi.
DEVICE_MIDDLEWARE = [
    "comptoir.middleware.ReconnectMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"
AUTH_USER_MODEL = "network.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ROOT_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.roles",
            ],
        },
    },
]

if PRODUCTION and not env_str("DATABASE_URL", ""):
    config_error("DATABASE_URL", "set to a postgres:// URL in production", "")
DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'comptoir.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The tablet, the worker and the schedule share the file: wait for locks.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    # The scan's statements (counter.scan_sql) are prepared on each connection after this
    # many uses (0: never). Django's other queries bind their values client-side: never
    # prepared. Behind PgBouncer in transaction mode: 1.21+ with max_prepared_statements.
    prepare_after = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = prepare_after or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_broker_url("REDIS_URL", "") if env_str("REDIS_URL", "") else ""
if PRODUCTION and not REDIS_URL:
    # Without it each container would keep its own queue and tasks would never run.
    config_error("REDIS_URL", "set to a redis:// URL in production", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Its own database: clearing the cache (FLUSHDB) must never drop queued tasks.
            "LOCATION": env_str("REDIS_CACHE_URL", redis_with_db(REDIS_URL, 1)),
            "KEY_PREFIX": "comptoir",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "network:login"
LOGIN_REDIRECT_URL = "network:home"
LOGOUT_REDIRECT_URL = "network:login"

# Brute-force protection: a username tried from one address is locked for a while.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "network/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a proxy the client is the right-most address the proxies appended;
# anything further left was written by the client and cannot be trusted.
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_ORDER = "right-most"

SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600  # one shift at the counter
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "fr"
# Each language is named in itself: that is how a reader finds their own.
LANGUAGES = [("fr", "Français"), ("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates day first and times on 24 hours in every language (Django's English is American).
FORMAT_MODULE_PATH = ["comptoir.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [ROOT_DIR / "frontend" / "static"]
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

# Celery: Redis when REDIS_URL is set, otherwise a broker kept in files so a
# laptop needs no server. Tasks are enqueued after commit and are idempotent.
# Pass signing keys (Ed25519). Production sets them; development makes var/pass-keys.json.
# The counter: the same card accepted again at one counter within these minutes is
# "already served" (two tablets, or a card held twice under the camera); an accepted
# scan may be undone by the volunteer within VISIT_UNDO_MINUTES.
SCAN_REPEAT_MINUTES = env_int("SCAN_REPEAT_MINUTES", 10)
VISIT_UNDO_MINUTES = env_int("VISIT_UNDO_MINUTES", 5)
# The shop: the manager's home lists the lots whose date comes within these days.
SHOP_DATE_ALERT_DAYS = env_int("SHOP_DATE_ALERT_DAYS", 3)
# EU food-aid reporting counts children aged 15 or under and persons aged 65 or over
# (the common indicators of Regulation (EU) 2021/1057). ESF+ may ask other cut-offs
# (under 18, 18-29: unverified), hence settings. A member counts by age band, the
# reference person by the age reached in the year of the distribution. The bands are
# codes of HouseholdMember.AgeBand whose edges meet the ages (checked at start-up).
FOOD_AID_CHILD_BANDS = ("0-2", "3-15")
FOOD_AID_SENIOR_BANDS = ("65+",)
FOOD_AID_CHILD_MAX_AGE = 15
FOOD_AID_SENIOR_MIN_AGE = 65

PASS_SIGNING_KEY = env_str("PASS_SIGNING_KEY", "")
PASS_TRUSTED_KEYS = env_list("PASS_TRUSTED_KEYS", [])
PASS_DEPLOYMENT_ID = env_int("PASS_DEPLOYMENT_ID", 0)
PASS_KEYRING_FILE = VAR_DIR / "pass-keys.json"
if PRODUCTION and not PASS_SIGNING_KEY:
    config_error(
        "PASS_SIGNING_KEY",
        "set in production (make one with: python manage.py pass_keys_rotate --new)",
        "",
    )
# The keys' format is checked when the passes app starts (PassesConfig.ready).

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = not REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST", "")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Comptoir <comptoir@localhost>")
# The address people open the app at, for the links in e-mails (renewal reminders).
SITE_URL = env_str(
    "SITE_URL",
    f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    if PRODUCTION and ALLOWED_HOSTS
    else "http://127.0.0.1:8000",
).rstrip("/")

# A device token's user and roles are kept this long in each web process at most; any
# change to a token, user, role or organisation drops them at once in every process
# (PostgreSQL NOTIFY; see network.token_cache). 0 turns the cache off.
AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 300)

REST_FRAMEWORK = {
    # The first class names the challenge of an anonymous call: the token's gives
    # 401 with `WWW-Authenticate: Token`, the session's has none and DRF would
    # answer 403. Order changes nothing else: a request without a token header is
    # still authenticated by its session, which still enforces CSRF.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "network.token_cache.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["network.api_policy.HasActiveMembership"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "network.api_policy.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Comptoir API",
    "DESCRIPTION": (
        "The network's organisations and conventions; the partner services' households, "
        "social assessments, access passes, referral vouchers and meal tickets; the public "
        "keys that verify cards and vouchers; the "
        "counter's scans; the shop's baskets, sales and their corrections, and barcode "
        "look-ups; food-aid parcels: the manager's parcel templates by household size, a "
        "parcel's preview, distributions and their corrections. Browsers use their "
        "session; devices send "
        "`Authorization: Token <key>` (POST /api/auth/token/)."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets are both called `status`: name them apart in the schema. One set of
    # sexes serves a member's `sex` and the reference person's `holder_sex`: one name.
    "ENUM_NAME_OVERRIDES": {
        "PassStatusEnum": "passes.models.AccessPass.Status",
        "HouseholdPassFilterEnum": "passes.selectors.HOUSEHOLD_FILTERS",
        "SexEnum": "passes.models.Sex",
        "StateEnum": "passes.serializers.PASS_STATES",
        "VoucherKindEnum": "passes.models.Voucher.Kind",
        "VoucherStateEnum": "passes.voucher_serializers.STATES",
    },
}

# Every page's scripts and styles come from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes from inside the compose network speak plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry URLs only; bodies and personal data are never logged.
        "django.server": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
