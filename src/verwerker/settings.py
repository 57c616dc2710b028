"""Verwerker settings: one file, read from VERWERKER_* environment variables.

Every variable is documented in docs/configuration.md (a test holds the two together). Defaults give a
working embedded install (SQLite and the vault in VERWERKER_DATA_DIR); `verwerker check --deploy`
refuses an unsafe production one.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from verwerker.lib.env import env_bool, env_int, env_list, env_path, env_secret, env_str
from verwerker.lib.keys import ensure_key_file, ensure_private_file

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("VERWERKER_DATA_DIR", "./var")

DEBUG = env_bool("VERWERKER_DEBUG", False)

# The secret key signs sessions and tokens. Embedded default: generated on first start into the data
# directory with mode 0600; production passes it in (or a file holding it).
SECRET_KEY = env_secret("VERWERKER_SECRET_KEY") or ensure_key_file(
    DATA_DIR / "secret-key", text=True
)

# Master key wrapping every data key of the vault. Embedded default: a file in the data directory,
# generated on first start (mode 0600). Production: pass it in, or a file holding it.
MASTER_KEY = env_secret("VERWERKER_MASTER_KEY")
MASTER_KEY_FILE = DATA_DIR / "master-key"

# The house's key that signs deletion certificates (PAdES). Embedded default: generated on first use in
# the data directory (mode 0600) with a self-signed certificate beside it; a house may name its own.
SIGNING_KEY_FILE = env_path("VERWERKER_SIGNING_KEY_FILE", str(DATA_DIR / "signing-key.pem"))
SIGNING_CERT_FILE = env_path("VERWERKER_SIGNING_CERT_FILE", str(DATA_DIR / "signing-cert.pem"))

# The vault: ciphertext of every client data blob. Keep it out of backups (P16; docs/backups.md);
# `verwerker check` warns when it lies inside a path listed in VERWERKER_BACKUP_INCLUDES.
VAULT_DIR = env_path("VERWERKER_VAULT_DIR", str(DATA_DIR / "vault"))
BACKUP_INCLUDES = env_list("VERWERKER_BACKUP_INCLUDES", [])
# Blobs shredded per purge transaction; 1 makes every object its own transaction (tests of interruption).
PURGE_CHUNK_SIZE = env_int("VERWERKER_PURGE_CHUNK_SIZE", 500, minimum=1)
# The retention purge's purgers, one per record class, run in this order (retention/purge.py). They live
# with the records they delete; retention sits below those apps, so this list names them, not ready().
RETENTION_PURGERS = [
    "verwerker.datafiles.purge.DataFilePurger",  # data_files: client blobs past the agreement's retention
    "verwerker.intake.purge.SftpFolderPurger",  # sftp_folders: uploads and outbox files, monthly
    "verwerker.retention.purge.KeepPurger",  # audit_events: kept, listed for the report
    "verwerker.crm.purge.PeoplePurger",  # crm: own relations without a relationship or consent
    "verwerker.crm.purge.FinancialPurger",  # financieel: financial records after seven years
    "verwerker.facilities.purge.CameraClipPurger",  # camera_clips (P27)
    "verwerker.facilities.purge.ConsentLogPurger",  # consent_log (P08)
    "verwerker.portal.purge.PortalOrderPurger",  # portal_orders: orderer data anonymised after the history (P06)
]
# Who else holds data keys wrapped by the master key, each re-wrapping its own in `verwerker vault
# rotate-key` (vault/management/commands/vault.py); like the purgers, they sit above the vault.
MASTER_KEY_HOLDERS = [
    "verwerker.crm.actions.do_rewrap_extra_keys",  # the CRM's purpose-bound fields (P04)
    "verwerker.portal.actions.do_rewrap_sealed_keys",  # portal orderer data (P06)
]
# Who derives work from the audit log, fed in one pass after a cursor each (audit/feed.py); like the
# purgers, they sit above the audit app.
AUDIT_LOG_READERS = [
    "verwerker.notifications.actions.LOG_READER",  # notifications and their e-mails
    "verwerker.api.actions.LOG_READER",  # webhook deliveries
]
# Who knows what a client calls a shredded blob, asked in this order for deletion certificates
# (retention/certificates.py client_names); like the purgers, they sit above retention.
CERTIFICATE_NAMERS = [
    "verwerker.production.queries.client_names_of_blobs",  # a job's outputs, in words
    "verwerker.datafiles.queries.client_names_of_blobs",  # the data file's name as sent
    "verwerker.intake.queries.client_names_of_blobs",  # uploads and outbox files
]

# Intake: the SFTP server (one account per client) and web upload, both streaming into the vault.
SFTP_HOST = env_str("VERWERKER_SFTP_HOST", "127.0.0.1")
SFTP_PORT = env_int("VERWERKER_SFTP_PORT", 2222, minimum=0)
# Generated on first start of `verwerker sftpd` (ed25519, mode 0600); clients pin its fingerprint.
SFTP_HOST_KEY = env_path("VERWERKER_SFTP_HOST_KEY", str(DATA_DIR / "sftp-host-key"))
SFTP_FAILURE_LIMIT = env_int("VERWERKER_SFTP_FAILURE_LIMIT", 5, minimum=1)
SFTP_BAN_MINUTES = env_int("VERWERKER_SFTP_BAN_MINUTES", 15, minimum=1)
SFTP_BAN_MAX_HOURS = env_int("VERWERKER_SFTP_BAN_MAX_HOURS", 168, minimum=1)
# Failures for one account from every address lock only its password logins, at a much higher count.
SFTP_PASSWORD_LOCK_LIMIT = env_int("VERWERKER_SFTP_PASSWORD_LOCK_LIMIT", 50, minimum=1)
SFTP_PASSWORD_LOCK_HOURS = env_int("VERWERKER_SFTP_PASSWORD_LOCK_HOURS", 24, minimum=1)
UPLOAD_MAX_MB = env_int("VERWERKER_UPLOAD_MAX_MB", 2048, minimum=1)
UPLOAD_QUOTA_MB = env_int("VERWERKER_UPLOAD_QUOTA_MB", 10240, minimum=1)
# The shape a client file may have (datafiles/read.py): refused over these, before a column is allocated.
MAX_COLUMNS = env_int("VERWERKER_MAX_COLUMNS", 500, minimum=1)
MAX_HEADER_KIB = env_int("VERWERKER_MAX_HEADER_KIB", 64, minimum=1)
MAX_FIELD_KIB = env_int("VERWERKER_MAX_FIELD_KIB", 1024, minimum=1)
# Production: records per output part; each part is one task any worker can take.
JOB_PART_SIZE = env_int("VERWERKER_JOB_PART_SIZE", 5000, minimum=10)
# A job released or producing whose parts have not advanced for this long is resumed by the sweep.
PRODUCTION_STALL_MINUTES = env_int("VERWERKER_PRODUCTION_STALL_MINUTES", 10, minimum=1)
# The press's ICC output profile (PDF/X-4 output intent of every print part); empty: sRGB.
OUTPUT_INTENT_ICC = env_str("VERWERKER_OUTPUT_INTENT_ICC", "")
OUTPUT_CONDITION = env_str("VERWERKER_OUTPUT_CONDITION", "")
UPLOAD_EXTENSIONS = [e.lower().lstrip(".") for e in env_list(
    "VERWERKER_UPLOAD_EXTENSIONS", ["csv", "txt", "tsv", "xlsx", "ods", "zip", "pdf"]
)]

HTTP_HOST = env_str("VERWERKER_HTTP_HOST", "127.0.0.1")
HTTP_PORT = env_int("VERWERKER_HTTP_PORT", 8000, minimum=0)
ALLOWED_HOSTS = env_list("VERWERKER_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("VERWERKER_CSRF_TRUSTED_ORIGINS", [])
# Base address of the web interface in links that leave the system (consent confirmation e-mails).
PUBLIC_URL = env_str("VERWERKER_PUBLIC_URL", f"http://{HTTP_HOST}:{HTTP_PORT}")

# Behind a TLS-terminating proxy in production: secure cookies, HSTS, redirect to https.
HTTPS = env_bool("VERWERKER_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy (django-csp): scripts and styles only from the site itself, no inline
# code or style attributes, no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # blob: for the portal's live proof: the PNG is fetched by POST (fields stay out of URLs and logs).
        "img-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "verwerker_session"
CSRF_COOKIE_NAME = "verwerker_csrf"
# Sessions end when idle: the expiry is renewed on every request and set per kind of user by
# accounts.middleware.IdleTimeoutMiddleware.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
STAFF_IDLE_MINUTES = env_int("VERWERKER_STAFF_IDLE_MINUTES", 15, minimum=1)
CLIENT_IDLE_MINUTES = env_int("VERWERKER_CLIENT_IDLE_MINUTES", 60, minimum=1)

INSTALLED_APPS = [
    "verwerker.accounts",
    "verwerker.clients",
    "verwerker.audit",
    "verwerker.datafiles",
    "verwerker.runtime",
    "verwerker.privacy",
    "verwerker.vault",
    "verwerker.retention",
    "verwerker.intake",
    "verwerker.production",
    "verwerker.crm",
    "verwerker.facilities",
    "verwerker.api",
    "verwerker.demo",  # development: `verwerker up --demo`; no models, nothing imports it
    "verwerker.lists",
    "verwerker.logbook",  # the audit log in words and its screens (above the apps it names)
    "verwerker.notifications",
    "verwerker.portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "verwerker.accounts.middleware.IdleTimeoutMiddleware",
    "verwerker.accounts.middleware.AccountGateMiddleware",
    "verwerker.facilities.middleware.ConfidentialityGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "verwerker.urls"
WSGI_APPLICATION = "verwerker.wsgi.application"

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
                "verwerker.accounts.context_processors.house",
                "verwerker.privacy.context_processors.breach_clock",
                "verwerker.notifications.context_processors.work_counts",
                "verwerker.portal.context_processors.portal",
            ],
        },
    }
]

# Embedded default: SQLite in the data directory. IMMEDIATE transactions take the write lock up front,
# so two processes never both read the audit chain's head and then race to extend it; WAL lets readers
# run beside the writer.
DATABASE_URL = env_str("VERWERKER_DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "verwerker.sqlite3",  # type: ignore[typeddict-item]
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000",
    }
    # It holds password hashes and TOTP seeds: made 0600 before SQLite would create it 0644 (its WAL follows).
    _sqlite_file = str(DATABASES["default"]["NAME"])
    if _sqlite_file not in ("", ":memory:") and not _sqlite_file.startswith("file:"):
        ensure_private_file(Path(_sqlite_file))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures, per username and source address together, so one attacker cannot
# lock every account from one address nor guess one account from many.
AXES_FAILURE_LIMIT = env_int("VERWERKER_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("VERWERKER_LOGIN_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if HTTPS else 0

OTP_TOTP_ISSUER = env_str("VERWERKER_HOUSE_NAME", "Verwerker")

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("VERWERKER_TIME_ZONE", "Europe/Amsterdam")
FORMAT_MODULE_PATH = ["verwerker.formats"]  # one date and time format, Dutch and local, to the minute
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Static files are served from the package by WhiteNoise's finders; nothing to collect.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env_str("VERWERKER_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("VERWERKER_EMAIL_FROM", "verwerker@localhost")
# SMTP, used when VERWERKER_EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env_str("VERWERKER_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("VERWERKER_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("VERWERKER_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("VERWERKER_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("VERWERKER_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("VERWERKER_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("VERWERKER_EMAIL_TIMEOUT", 30, minimum=1)
# Client portals (portal app): who at the house hears of stock below its reorder point; the address
# payment providers report back to; the loopback test payment provider (portal/testpay.py).
PORTAL_HOUSE_EMAILS = env_list("VERWERKER_PORTAL_HOUSE_EMAILS", [])
PORTAL_PUBLIC_URL = env_str("VERWERKER_PORTAL_PUBLIC_URL", "http://127.0.0.1:8000")
PORTAL_TEST_PAYMENT_URL = env_str("VERWERKER_PORTAL_TEST_PAYMENT_URL", "http://127.0.0.1:8765")
PORTAL_TEST_PAYMENT_SECRET = env_secret("VERWERKER_PORTAL_TEST_PAYMENT_SECRET", "test-payment-secret")

# The house itself: shown in the UI, on certificates and in notices. The statement's figures are
# defaults that an agreement may override.
HOUSE_NAME = env_str("VERWERKER_HOUSE_NAME", "Verwerker")
DEFAULT_MAX_RETENTION_DAYS = env_int("VERWERKER_DEFAULT_RETENTION_DAYS", 31, minimum=1)
DEFAULT_BREACH_NOTICE_HOURS = env_int("VERWERKER_DEFAULT_BREACH_NOTICE_HOURS", 18, minimum=1)
# Hours before a client's breach-notice deadline at which the privacy officers are e-mailed (0 = at it).
BREACH_ESCALATION_HOURS = sorted(
    {int(h) for h in env_list("VERWERKER_BREACH_ESCALATION_HOURS", ["12", "6", "2", "1", "0"])}, reverse=True
)
# The house's contact point for breaches and privacy questions, printed in notices (Art. 33(3)(b)).
PRIVACY_CONTACT = env_str("VERWERKER_PRIVACY_CONTACT", "privacy@localhost")
# Postal address of the house, for the processor's register (Art. 30(2)(a)) and notices.
HOUSE_ADDRESS = env_str("VERWERKER_HOUSE_ADDRESS", "")
# The house's own registers (facilities): awareness sessions due, workstation checks due (P11, P17), and
# the origins of the house's website that may post to the cookie-consent log (P08; empty: any origin).
AWARENESS_INTERVAL_MONTHS = env_int("VERWERKER_AWARENESS_INTERVAL_MONTHS", 12, minimum=1)
WORKSTATION_CHECK_DAYS = env_int("VERWERKER_WORKSTATION_CHECK_DAYS", 31, minimum=1)
CONSENT_SITE_ORIGINS = env_list("VERWERKER_CONSENT_SITE_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "verwerker.lib.logfilters.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("VERWERKER_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "axes": {"level": "WARNING"},
        "django_tasks_db": {"level": "INFO"},
        "asyncssh": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}
STATICFILES_DIRS = [BASE_DIR / "static"]

# The REST API (/api/v1/, verwerker.api): bearer tokens only (no session, so no CSRF exposure), errors as
# RFC 9457 problem details, a rate limit per token in the default cache (locmem on the embedded default;
# per process, which is what one `verwerker up` runs), bounded JSON bodies.
API_RATE = env_str("VERWERKER_API_RATE", "600/min")
API_WEBHOOK_BACKOFF_SECONDS = env_int("VERWERKER_API_WEBHOOK_BACKOFF_SECONDS", 30, minimum=0)
API_WEBHOOK_TIMEOUT_SECONDS = env_int("VERWERKER_API_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# Webhook endpoints are https://; plain http to loopback only while debugging (and in the tests).
API_WEBHOOK_ALLOW_LOOPBACK_HTTP = DEBUG
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["verwerker.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["verwerker.api.auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["verwerker.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "verwerker.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # `format` is the audit export's parameter, not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Verwerker API",
    "DESCRIPTION": "Files, jobs, proofs, certificates and webhooks for clients; status and counts for the house.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from the drf-spectacular-sidecar package (no CDN); the split view serves its script from
    # a URL, so the page runs under the site's strict CSP without inline code.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "verwerker.api.schema.add_problems"],
    "COMPONENT_SPLIT_REQUEST": True,
}
