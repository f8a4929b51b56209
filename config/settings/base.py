"""Madaniya settings, read from the environment.

With no variable set it runs for development: SQLite, the in-memory channel layer, the
local-memory cache, console email and DEBUG on. `DATABASE_URL` switches to PostgreSQL,
`REDIS_URL` to the Redis channel layer and cache. With `DEBUG=0` the secrets and hosts must be
given, or start-up stops with a message saying which.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from forum.core import conf as forum_conf

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-madaniya-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_prometheus",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "forum.core",
    "forum.audit",
    "forum.accounts",
    "forum.organisations",
    "forum.notifications",
    "forum.categories",
    "forum.discussions",
    "forum.live",
    "forum.polls",
    "forum.consultations",
    "forum.moderation",
    "forum.search",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (forum/core/metrics.py).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "forum.core.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forum.core.middleware.UserLanguageMiddleware",
    "forum.core.middleware.URLTooLongMiddleware",
    "forum.core.middleware.RejectInvalidUTF8Middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "forum.accounts.middleware.PrivilegedMFAMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "forum.core.context_processors.site",
                "forum.notifications.context_processors.unread_notifications",
                "forum.accounts.context_processors.standing",
                "forum.moderation.context_processors.review_queue",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    if not DEBUG:
        raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off (PostgreSQL).")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Messages a process's channels may hold waiting (the hub's one channel receives every group the
# process follows, so a burst across many threads lands there); past it sends raise ChannelFull,
# which is logged and counted (`madaniya_channel_full_total`).
HUB_CHANNEL_CAPACITY = 20_000
if REDIS_URL:
    # The client's bounds are given, not left to redis-py's defaults, which changed under us: redis-py
    # 8 reads with a 5 s socket timeout, exactly channels-redis's 5 s blocking pop (BZPOPMIN), so an
    # idle socket's receive loop lost the race and the socket closed with 1011 every few seconds; and
    # its pool refuses a 101st connection, which failed handshakes in a reconnect storm. A read may
    # take the blocking pop plus slack, and the pool holds up to REDIS_MAX_CONNECTIONS per process
    # (each is held only for one command; Redis itself accepts 10,000 clients). redis-py's waiting
    # `BlockingConnectionPool` was tried and dropped: a cancelled blocking pop never finished
    # (a refused socket's task hung the test loop's shutdown on real Redis).
    REDIS_CLIENT_OPTIONS = {
        "socket_connect_timeout": 5,
        "socket_timeout": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "20")),
        "socket_keepalive": True,
        "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000")),
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # `specific.*`: a process's own channels, the hub's among them (forum/core/hub.py: every
            # group a process follows arrives on that one channel); channels-redis keeps them in one
            # Redis key per process, so this bounds what one process may have waiting in all.
            "CONFIG": {"hosts": [{"address": REDIS_URL, **REDIS_CLIENT_OPTIONS}], "capacity": 1500,
                       "channel_capacity": {"specific.*": HUB_CHANNEL_CAPACITY}, "expiry": 10},
        }
    }
else:
    if not DEBUG:
        raise ImproperlyConfigured("REDIS_URL must be set when DEBUG is off (channel layer and cache).")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "madaniya"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": HUB_CHANNEL_CAPACITY}}}

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "forum.organisations.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The display name field and the invitation checks of signup (forum.organisations).
ACCOUNT_SIGNUP_FORM_CLASS = "forum.organisations.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# E-mail subjects start with "[<the site name in the message's language>] " (forum.core.branding,
# through the account adapter): "[مدنية]" in Arabic.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's own defaults are kept (login failures, signups, resets, confirmations); they need the
# real cache configured above and do nothing with a dummy one.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    # Failed logins: per IP, and per address *from one IP* (the key is address + IP, see
    # forum.accounts.login_throttle), so a guesser elsewhere cannot lock the owner out.
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}

# Encrypts TOTP and recovery-code seeds at rest and keeps a privileged user from removing their last factor.
MFA_ADAPTER = "forum.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Madaniya"
# Off: recording every request (IP, browser, time) is personal data no feature needs, and a write per request.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("FORUM_DEFAULT_LANGUAGE", "ar")
LANGUAGES = [("ar", _("Arabic")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "madaniya_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "forum.core.staticfiles.StaticFilesStorage"  # whitenoise's, with JS module imports hashed
    },
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Madaniya <no-reply@localhost>")
# A hanging mail server must not hold the email worker (or shutdown) for ever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes here.
if os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Forum settings ---------------------------------------------------------------------------
# Every FORUM_* setting is declared once, with its default, type and documentation, in
# forum/core/conf.py (code reads them through it); here they take the environment's value where one
# is given. docs/configuration.md lists them.
globals().update(forum_conf.from_environment(os.environ))

# One JSON object per line in production (FORUM_LOG_FORMAT), each with the request's id
# (forum/core/requestid.py), which the 500 page shows the member.
_LOG_JSON = FORUM_LOG_FORMAT == "json" or (not FORUM_LOG_FORMAT and not DEBUG)  # noqa: F821 - from conf above
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "forum.core.requestid.RequestIdFilter"},
                # live events dropped by the channel layer or a failed broadcast: counted, warned
                "dropped_events": {"()": "forum.core.metrics.DroppedEvents"}},
    "formatters": {
        "json": {"()": "forum.core.requestid.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if _LOG_JSON else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "daphne": {"level": "WARNING"},
                "channels_redis.core": {"level": "INFO", "filters": ["dropped_events"]},
                "forum.core.realtime": {"filters": ["dropped_events"]},
                "forum.notifications.live": {"filters": ["dropped_events"]}},
}
MEDIA_URL = "/media/"
