"""Django settings. Every value comes from ``assay.config``; see docs/settings.md."""

from __future__ import annotations

from pathlib import Path

from assay import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(config.raw("DATA_DIR")).resolve()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.as_bool("DEBUG")
ALLOWED_HOSTS = config.as_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = config.as_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's assets locally instead of from a CDN
    "assay.apps.AssayConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "assay.web.limits.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assay.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assay.web.errors.AssayErrorMiddleware",
]

ROOT_URLCONF = "assay.urls"
WSGI_APPLICATION = "assay.wsgi.application"

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

DATABASES = {"default": config.database_from_url(config.raw("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "assay.User"
AUTHENTICATION_BACKENDS = ["assay.auth.EmailBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

SESSION_COOKIE_SECURE = config.as_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None  # served from the app folders by WhiteNoise; no collectstatic step
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MAX_UPLOAD_BYTES = config.as_int("MAX_UPLOAD_MB", minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PAY_FLOOR_CENTS_PER_HOUR = config.as_cents("PAY_FLOOR_PER_HOUR")
CURRENCY = config.raw("CURRENCY").upper()
LEASE_MIN_MINUTES = config.as_int("LEASE_MIN_MINUTES", minimum=1)
LEASE_FACTOR = config.as_int("LEASE_FACTOR", minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

BASE_URL = config.raw("BASE_URL").rstrip("/")
EVIDENCE_DIR = DATA_DIR / "evidence"
MAX_EVIDENCE_BYTES = config.as_int("MAX_EVIDENCE_MB", minimum=1) * 1024 * 1024
POOL_MIN = config.as_int("POOL_MIN", minimum=1)
POOL_HOURS_PER_EXPERT = config.as_int("POOL_HOURS_PER_EXPERT", minimum=1)
# "12.5" percent reads as 1250 hundredths of a percent (basis points): exact integer fees.
PLATFORM_FEE_BASIS_POINTS = config.as_cents("PLATFORM_FEE_PERCENT")
if PLATFORM_FEE_BASIS_POINTS > 10_000:
    raise config.ConfigError("ASSAY_PLATFORM_FEE_PERCENT must be 100 or less")
AUTO_APPROVE_DAYS = config.as_int("AUTO_APPROVE_DAYS", minimum=1)
if AUTO_APPROVE_DAYS > 14:
    raise config.ConfigError("ASSAY_AUTO_APPROVE_DAYS must be 14 or fewer")
TOPUP_AFTER_SUBMISSIONS = config.as_int("TOPUP_AFTER_SUBMISSIONS", minimum=5)
PAYOUT_MINIMUM_CENTS = config.as_cents("PAYOUT_MINIMUM")
APPEAL_ACKNOWLEDGE_DAYS = config.as_int("APPEAL_ACKNOWLEDGE_DAYS", minimum=1)
APPEAL_DECIDE_DAYS = config.as_int("APPEAL_DECIDE_DAYS", minimum=1)
if APPEAL_DECIDE_DAYS > 14 or APPEAL_ACKNOWLEDGE_DAYS > APPEAL_DECIDE_DAYS:
    raise config.ConfigError(
        "ASSAY_APPEAL_DECIDE_DAYS must be 14 or fewer, and not before acknowledgement"
    )
MIN_EVIDENCE = config.as_int("MIN_EVIDENCE", minimum=1)
NOTICE_DAYS = config.as_int("NOTICE_DAYS", minimum=1)

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
if config.raw("EMAIL_BACKEND") not in _EMAIL_BACKENDS:
    raise config.ConfigError("ASSAY_EMAIL_BACKEND must be console or smtp")
EMAIL_BACKEND = _EMAIL_BACKENDS[config.raw("EMAIL_BACKEND")]
DEFAULT_FROM_EMAIL = config.raw("EMAIL_FROM")
EMAIL_HOST = config.raw("SMTP_HOST")
EMAIL_PORT = config.as_int("SMTP_PORT", minimum=1)
EMAIL_HOST_USER = config.raw("SMTP_USER")
EMAIL_HOST_PASSWORD = config.raw("SMTP_PASSWORD")
EMAIL_USE_TLS = config.as_bool("SMTP_TLS")
