"""Settings, read from the environment with safe defaults (see docs/dev/architecture.md)."""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("BILLETTERIE_VAR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY when given, else a key generated once into var/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
SITE_URL = os.environ.get("SITE_URL", "")  # absolute base for links in emails; request host otherwise

INSTALLED_APPS = [
    "billetterie.organizers.admin_apps.OperatorsAdminConfig",  # django.contrib.admin, for the platform's operators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_otp",  # optional TOTP two-factor sign-in to the back office
    "django_otp.plugins.otp_totp",
    "ninja",  # its own copy of Swagger UI (the API docs), not a CDN's: the CSP allows no other origin
    "billetterie.core",
    "billetterie.organizers",
    "billetterie.catalog",
    "billetterie.capacity",
    "billetterie.customers",
    "billetterie.memberships",
    "billetterie.cart",
    "billetterie.orders",
    "billetterie.payments",
    "billetterie.tickets",
    "billetterie.ledger",
    "billetterie.invoicing",
    "billetterie.taxreceipts",
    "billetterie.payouts",
    "billetterie.journal",
    "billetterie.checkin",
    "billetterie.notifications",
    "billetterie.messaging",
    "billetterie.reporting",
    "billetterie.shop",
    "billetterie.api",
    "billetterie.backoffice",
    "billetterie.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "billetterie.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "billetterie.organizers.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "billetterie.urls"
WSGI_APPLICATION = "billetterie.wsgi.application"

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
                "django.template.context_processors.i18n",
                "billetterie.backoffice.context.backoffice",
            ],
        },
    },
]

# --- database: embedded SQLite (WAL, BEGIN IMMEDIATE) unless DATABASE_URL is set -------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME")
        # Django turns psycopg's prepared statements off; the check-in hot path asks for them
        # explicitly (decision 0009) and nothing else is ever prepared (Django's cursors bind
        # client side). Behind a pooler in transaction mode without prepared-statement support
        # (PgBouncer < 1.21), set DATABASE_PREPARED_STATEMENTS=0.
        if _env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
            DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "billetterie.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # a file, not memory: live-server tests serve requests from several threads
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# who decides that a hold or an unpaid order has expired: "database" (PostgreSQL's clock, shared by
# every app server) or "application" (this process's clock; the tests move it)
CLOCK_SOURCE = os.environ.get("CLOCK_SOURCE", "database")

# --- cache and jobs: local memory and SQLite by default, Redis when REDIS_URL is set ----------
# two task queues with a consumer each (core/queues.py): "money" (HUEY: notices, status checks,
# refunds, expiry, domain events) and "mail" (HUEY_MAIL: emails and other slow work)
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "billetterie.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "billetterie", "url": REDIS_URL, "immediate": False}
    HUEY_MAIL = {**HUEY, "name": "billetterie-mail"}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "billetterie",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
    HUEY_MAIL = {**HUEY, "name": "billetterie-mail", "filename": str(VAR_DIR / "huey-mail.sqlite3")}
# cache catalogue reads per process, dropped when the catalogue changes: needs a cache shared by
# every process (Redis), or a change made in one process would not reach the others
CATALOG_CACHE = bool(REDIS_URL)
if _env_bool("HUEY_IMMEDIATE"):
    HUEY["immediate"] = HUEY_MAIL["immediate"] = True
HUEY["consumer"] = {"workers": int(os.environ.get("MONEY_WORKERS", "2")), "worker_type": "thread", "periodic": True}
HUEY_MAIL["consumer"] = {"workers": int(os.environ.get("MAIL_WORKERS", "2")), "worker_type": "thread",
                         "periodic": True}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- i18n: French first, English available -----------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "backoffice:login"
# a « Mot de passe oublié ? » link works once (Django's token), for one day
PASSWORD_RESET_TIMEOUT = 24 * 3600
AUTHENTICATION_BACKENDS = [
    "billetterie.backoffice.auth.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if _env_bool("HTTPS"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # proxies in front that each append the address they received from to X-Forwarded-For: the
    # client's address, as rate limits count it (core/ratelimit.py), is read that many from the end
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))
    # HSTS: a browser that has seen the site over HTTPS never speaks plain HTTP to it again (a year
    # by default). Subdomains and the preload list are the organisation's choice: they bind every
    # other site of the domain too, and preloading cannot be undone quickly.
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = _env_bool("HSTS_PRELOAD")

# --- Content-Security-Policy (django-csp; decision 0011) --------------------------------------------
# Our own origin only: no inline script or style (they live in static files), no frames, no
# plugins, never framed. A response that needs more widens its own policy (core/csp.py): each
# payment page by what its payment service needs, the scanner by its QR decoder's blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- email: an outbox drained by the task consumer; the demo writes files under var/mail ------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
# a mail server that accepts the connection and never answers must not hold a worker for ever
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ne-pas-repondre@billetterie.invalid")

# --- payments ----------------------------------------------------------------------------------
# the sandbox PSP signs its notices with this key; derived from SECRET_KEY unless given
SANDBOX_NOTICE_KEY = os.environ.get("SANDBOX_NOTICE_KEY", "")
SANDBOX_NOTICE_DELAY_SECONDS = int(os.environ.get("SANDBOX_NOTICE_DELAY_SECONDS", "8"))
SANDBOX_PAYMENTS_DEFAULT = _env_bool("SANDBOX_PAYMENTS")  # built-in sandbox for organisers with no method: demo only
# sandbox-mode Stripe and PayPal talk to these instead (local stand-ins: localstripe…); never in live mode
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
PAYPAL_API_BASE = os.environ.get("PAYPAL_API_BASE", "")
PAYFIP_API_BASE = os.environ.get("PAYFIP_API_BASE", "")  # sandbox-mode PayFiP: SOAP service and page
# local stand-ins of the payment services (demo and tests only): the bank pages under /fake-psp/ of
# the development package billetterie_fakes (devtools/), listed only when installed; production has none
PAYMENT_FAKES = _env_bool("PAYMENT_FAKES")
if PAYMENT_FAKES and importlib.util.find_spec("billetterie_fakes"):
    INSTALLED_APPS.append("billetterie_fakes")

# --- Apple Wallet passes: offered when a pass type certificate is configured (PEM files) ------
WALLET_PASS_CERT = os.environ.get("WALLET_PASS_CERT", "")
WALLET_PASS_KEY = os.environ.get("WALLET_PASS_KEY", "")
WALLET_PASS_KEY_PASSWORD = os.environ.get("WALLET_PASS_KEY_PASSWORD", "")
WALLET_WWDR_CERT = os.environ.get("WALLET_WWDR_CERT", "")
WALLET_PASS_TYPE_ID = os.environ.get("WALLET_PASS_TYPE_ID", "")
WALLET_TEAM_ID = os.environ.get("WALLET_TEAM_ID", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
