"""Django settings. Every value an operator can change comes from ``config.env`` (typed,
defaulted, documented); everything else is decided here once."""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from smartgov.config.env import DEV_SECRET_KEY, env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env("SMARTGOV_DATA_DIR")).resolve()

SECRET_KEY: str = env("SMARTGOV_SECRET_KEY")
DEBUG: bool = env("SMARTGOV_DEBUG")
USING_DEFAULT_SECRET = SECRET_KEY == DEV_SECRET_KEY
MASTER_KEY_B64: str = env("SMARTGOV_MASTER_KEY")
ALLOWED_HOSTS = [h.strip() for h in env("SMARTGOV_ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("SMARTGOV_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "smartgov.web",
    "smartgov.tenancy",
    "smartgov.accounts",
    "smartgov.audit",
    "smartgov.api",
    "smartgov.catalogue",
    "smartgov.documents",
    "smartgov.notices",
    "smartgov.cases",
    "smartgov.billing",
    "smartgov.billing.reconciliation",
    "smartgov.billing.receipts",
    "smartgov.tax",
    "smartgov.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
]

MIDDLEWARE = [
    "smartgov.web.middleware.RequestIdMiddleware",
    "smartgov.web.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "smartgov.api.errors.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smartgov.web.language.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "smartgov.accounts.middleware.StaffMfaRequiredMiddleware",
    "smartgov.tenancy.middleware.TenantMiddleware",
    "smartgov.web.middleware.DomainErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartgov.config.urls"
WSGI_APPLICATION = "smartgov.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smartgov.web.context.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
_database_url: str = env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's default (None) stops psycopg from preparing anything on the server. With a threshold
        # no query ever reaches, only statements that ask (``prepare=True``) are prepared: the ledger's
        # one-statement posting, which then skips parsing and planning (docs/ledger.md).
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "smartgov.sqlite3"),
            # Keep each thread's connection: opening one (and its PRAGMAs, which take the file lock)
            # on every request cost most of an API call's time under concurrency.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
            # writers queue instead of failing with "database is locked" half-way through.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
_owner_url: str = env("SMARTGOV_OWNER_DATABASE_URL")
if _owner_url:
    DATABASES["owner"] = dj_database_url.parse(_owner_url)
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
DB_APP_ROLE: str = env("SMARTGOV_DB_APP_ROLE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "smartgov.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
# django-axes is the lockout authority (per person and address, ASVS 2.2.1); allauth's own
# failed-login limit only throttles one address spraying many accounts, so it never shadows axes.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "smartgov"

AXES_FAILURE_LIMIT: int = env("SMARTGOV_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env("SMARTGOV_LOGIN_COOLOFF_MINUTES") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "smartgov.accounts.lockout.username_of"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "smartgov.accounts.lockout.locked_out"
AXES_VERBOSE = False

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env("SMARTGOV_SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Mail and SMS ---------------------------------------------------------------------------
_email_backend = env("SMARTGOV_EMAIL_BACKEND")
EMAIL_BACKEND = {
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}[_email_backend]
EMAIL_FILE_PATH = str(DATA_DIR / "outbox" / "mail")
EMAIL_HOST = env("SMARTGOV_EMAIL_HOST")
EMAIL_PORT = env("SMARTGOV_EMAIL_PORT")
EMAIL_HOST_USER = env("SMARTGOV_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("SMARTGOV_EMAIL_PASSWORD")
EMAIL_USE_TLS = env("SMARTGOV_EMAIL_TLS")
EMAIL_TIMEOUT = 30  # seconds; a notice's attempt is cut off well within its 10-minute lease
DEFAULT_FROM_EMAIL = env("SMARTGOV_EMAIL_FROM")
SMS_BACKEND: str = env("SMARTGOV_SMS_BACKEND")
SMS_FILE_PATH = DATA_DIR / "outbox" / "sms"

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = str(DATA_DIR / "files")
STATIC_URL = "/static/"
STATIC_ROOT = str(DATA_DIR / "static")
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step (demo, tests)
if env("SMARTGOV_STORAGE") == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("SMARTGOV_S3_BUCKET"),
            "endpoint_url": env("SMARTGOV_S3_ENDPOINT_URL") or None,
            "access_key": env("SMARTGOV_S3_ACCESS_KEY") or None,
            "secret_key": env("SMARTGOV_S3_SECRET_KEY") or None,
            "region_name": env("SMARTGOV_S3_REGION"),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE: int = env("SMARTGOV_MAX_BODY_BYTES")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Cache (one-time-code replay protection, rate limits): shared when several processes serve.
_cache_url: str = env("SMARTGOV_CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Background work ------------------------------------------------------------------------
# --- Documents and links ------------------------------------------------------------------
SITE_URL: str = env("SMARTGOV_SITE_URL")
DOCUMENT_MAX_BYTES: int = env("SMARTGOV_DOCUMENT_MAX_BYTES")
DOCUMENT_LINK_SECONDS: int = env("SMARTGOV_DOCUMENT_LINK_SECONDS")

# --- Payments -------------------------------------------------------------------------------
PAYSIM_URL: str = env("SMARTGOV_PAYSIM_URL")
BILLING_PAYMENT_TIMEOUT_SECONDS: int = env("SMARTGOV_PAYMENT_TIMEOUT_SECONDS")
BILLING_POLL_AFTER_SECONDS: int = env("SMARTGOV_PAYMENT_POLL_AFTER_SECONDS")
_providers_file: str = env("SMARTGOV_PAYMENT_PROVIDERS_FILE")
PAYMENT_PROVIDERS = json.loads(Path(_providers_file).read_text()) if _providers_file else None

CELERY_BROKER_URL: str = env("SMARTGOV_CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "UTC"
# Periodic work (run `smartgov worker -B`, or a separate `celery beat`): each entry calls one app task.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "documents-expire": {"task": "smartgov.documents.tasks.expire_documents", "schedule": 24 * 3600},
    "cases-sla": {"task": "smartgov.cases.tasks.watch_deadlines", "schedule": 900},
    # The notices outbox: queues the e-mails and texts that are due (with a broker nothing else sends
    # them). A run not started within one interval is dropped: the next one does its work.
    "notices-dispatch": {
        "task": "smartgov.notices.tasks.dispatch",
        "schedule": env("SMARTGOV_NOTICE_DISPATCH_SECONDS"),
        "options": {"expires": env("SMARTGOV_NOTICE_DISPATCH_SECONDS")},
    },
    "billing-receipts-issue-missing": {"task": "billing_receipts.issue_missing", "schedule": 60},
    # 07:00 in Asia/Shanghai: the channels' statements for the day before are out by then.
    "billing-reconciliation-daily": {
        "task": "billing_reconciliation.daily",
        "schedule": crontab(hour="23", minute="0"),
    },
    "billing-poll-payments": {"task": "billing.poll_payments", "schedule": 60},
    "billing-expire-pending-transfers": {"task": "billing.expire_pending_transfers", "schedule": 300},
    # Just after local midnight (16:05 UTC is 00:05 in Asia/Shanghai): late charges, overdue bills.
    "billing-daily": {"task": "billing.daily", "schedule": crontab(hour="16", minute="5")},
    # The 16th: the day after the monthly withholding deadline.
    "tax-assess": {"task": "tax.assess_all", "schedule": crontab(day_of_month="16", hour="2", minute="0")},
}

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
USE_TZ = True
TIME_ZONE: str = env("SMARTGOV_TIME_ZONE")

# --- Logging and metrics --------------------------------------------------------------------
METRICS_TOKEN: str = env("SMARTGOV_METRICS_TOKEN")
WEB_WORKERS: int = env("SMARTGOV_WORKERS")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "smartgov.web.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "smartgov.web.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env("SMARTGOV_LOG_JSON") else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stderr"], "level": env("SMARTGOV_LOG_LEVEL")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
