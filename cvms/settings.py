"""Settings for the CVMS Provider Portal.

One module, driven by environment variables (see README.md, "Configuration"). The defaults run
a fresh checkout on a bare machine: SQLite and a broker in files under var/, emails written to
var/mail. Production switches everything through the environment.
"""

import ipaddress
import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Core
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: export SECRET_KEY to a long random string."
        )
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "cvms.apps.PortalAdminConfig",  # django.contrib.admin, with a second factor when asked
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # |intcomma: counts with thousands separators (2,992)
    "django.contrib.postgres",
    "sequences",  # gapless help-desk case numbers
    "django_object_actions",  # the help desk's buttons on a case in the admin
    "phonenumber_field",  # recipients' phone numbers, validated as US numbers
    "axes",  # sign-in throttling on every sign-in form
    "django_otp",  # staff's second factor in the admin (STAFF_TWO_FACTOR)
    "django_otp.plugins.otp_totp",
    "providers",
    "audit",
    "outbox",
    "recipients",
    "bulkupload",
    "helpdesk",
    "portal",
]

MIDDLEWARE = [
    # First: /health/ answers the in-container probe before Host checks and the https
    # redirect (cvms/health.py says why).
    "cvms.health.HealthCheckMiddleware",
    # Forwarded headers from anyone but TRUSTED_PROXIES are dropped before anything reads them.
    "cvms.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, for the recipient portal's pages only (cvms/middleware.py).
    "cvms.middleware.RecipientPortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helpdesk.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cvms.middleware.NoStoreForSignedInMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out sign-in
]

ROOT_URLCONF = "cvms.urls"
WSGI_APPLICATION = "cvms.wsgi.application"

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
                "providers.context_processors.portal",
            ],
            # Every count a page or an email shows reads "2,992", never "2992": |intcomma
            # everywhere without a {% load %} in each template. (USE_THOUSAND_SEPARATOR would
            # also group ids and years printed into URLs and forms.)
            "builtins": ["django.contrib.humanize.templatetags.humanize"],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL in production (DATABASE_URL)
# An empty variable counts as unset, as docker-compose passes unset ones through empty.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'cvms.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions and a busy
    # timeout make concurrent writers wait for each other instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file too, not Django's shared in-memory database: there, a worker thread
    # and the test reading the same table fail with "table is locked" instead of waiting, as
    # processes sharing this file do.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: broker and cache when REDIS_URL is set
REDIS_URL = env.str("REDIS_URL", default="")
# Without it the broker is files on this machine and each process has its own cache (rate
# limits counted per process): right for development, wrong for production unless one machine
# is all there is and that is said on purpose (checked with EMAIL_URL's, below).
SINGLE_MACHINE = env.bool("SINGLE_MACHINE", default=False)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cvms"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis in production, kombu's filesystem transport (no server needed) by default
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    # kombu's filesystem transport, writing each message whole (cvms/broker.py).
    CELERY_BROKER_TRANSPORT = "cvms.broker:Transport"
    # It does not create its folders; web and worker both need them.
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
# Redis hands a message still unacknowledged after visibility_timeout to another worker: that
# is when the task of a killed worker runs again (tasks are acknowledged late, below; kombu
# looks for such messages every 100 s or so, so 5 to 7 minutes after it started). Sized
# to the longest task: a send_emails slice takes seconds (EMAIL_SEND_SLICE_SECONDS, 30 at most),
# a 5,000-row upload job seconds to a minute, the periodic tasks less; none is sent with an
# ETA or countdown, which would have to fit in it too. A task that outlives it runs twice, and
# each one tolerates that: a second copy of a running upload job finds it claimed, with a
# fresh heartbeat, and stops (bulkupload/jobs.py); two senders never take the same email; the
# periodic tasks' work is idempotent or recorded once.
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 300}
    if REDIS_URL
    else {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
)
# The job rows in the database are the source of truth for status; no result backend needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Emails left queued (broker down, worker died, retries due) are picked up within a minute.
    "sweep-outbox": {"task": "outbox.tasks.sweep_outbox", "schedule": 60.0},
    # Bounces delivered into BOUNCE_MAILDIR, read within a minute (nothing when it is unset).
    "read-bounces": {"task": "outbox.tasks.read_bounces", "schedule": 60.0},
    "sweep-upload-jobs": {"task": "bulkupload.tasks.sweep_upload_jobs", "schedule": 60.0},
    "purge-expired-previews": {
        "task": "bulkupload.tasks.purge_expired_previews",
        "schedule": 3600.0,
    },
    "purge-case-files": {"task": "helpdesk.tasks.purge_case_files", "schedule": 3600.0},
    "delete-expired-upload-files": {
        "task": "bulkupload.tasks.delete_expired_upload_files",
        "schedule": 3600.0,
    },
    "fold-recipient-counts": {"task": "recipients.tasks.fold_recipient_counts", "schedule": 3600.0},
    # Fresh statistics after imports, as autovacuum would keep them, out of the imports' way.
    "analyze-recipients": {"task": "recipients.tasks.analyze_recipients", "schedule": 60.0},
    # Daily in effect: a reminder is recorded once, whenever the run after its due day comes.
    "second-dose-reminders": {
        "task": "portal.tasks.send_second_dose_reminders",
        "schedule": 3600.0,
    },
}

# Email: files under var/mail by default so a developer can read what was sent. With DEBUG off
# that default would write every welcome email (its set-password link too) into the worker's
# own disk and call it sent: production names its relay, or asks for files with filemail://.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL.startswith("anymail://"):
    # Through an email provider's API (django-anymail): anymail://amazon_ses, sendgrid,
    # mailgun, postmark... Its settings come from ANYMAIL_* variables (ANYMAIL_SENDGRID_API_KEY,
    # ANYMAIL_WEBHOOK_SECRET...), its tracking webhooks at /anymail/<provider>/tracking/.
    EMAIL_BACKEND = f"anymail.backends.{urlsplit(EMAIL_URL).netloc}.EmailBackend"
elif EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# With DEBUG off, one error names every production variable left unset (mail relay, Redis,
# and the SMART Health Card key, below).
_unset = []
if not EMAIL_URL:
    _unset.append(
        "EMAIL_URL must be set when DEBUG is off: export EMAIL_URL to your mail relay, e.g. "
        "smtp+tls://user:password@smtp.example.gov:587 (or filemail:///path/to/folder to keep "
        "emails as files on purpose)."
    )
if not REDIS_URL and not SINGLE_MACHINE:
    _unset.append(
        "REDIS_URL must be set when DEBUG is off: export REDIS_URL, e.g. redis://redis:6379/0 "
        "(or SINGLE_MACHINE=true for a trial on one machine, with the broker in files under "
        "var/broker and each process counting its own rate limits)."
    )
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # django-environ drops the path's leading "/": filemail:///srv/mail means /srv/mail here.
    EMAIL_FILE_PATH = urlsplit(EMAIL_URL).path or str(VAR_DIR / "mail")
# Every email leaves through our backends (cvms/mail.py): Message-IDs in the portal's domain,
# and the relay's certificate checked against EMAIL_SSL_CAFILE.
EMAIL_BACKEND = {
    "django.core.mail.backends.smtp.EmailBackend": "cvms.mail.SMTPBackend",
    "django.core.mail.backends.filebased.EmailBackend": "cvms.mail.FileBackend",
}.get(EMAIL_BACKEND, EMAIL_BACKEND)
# django-anymail's settings, from ANYMAIL_<NAME> variables (ANYMAIL_WEBHOOK_SECRET: the
# "user:password" the provider's webhook sends; the provider's API key and signing key).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}
# A PEM bundle of the CAs that verify the relay's certificate (STARTTLS or SSL), instead of the
# system's: for a relay whose certificate comes from the state's own CA.
EMAIL_SSL_CAFILE = env.str("EMAIL_SSL_CAFILE", default="") or None
if EMAIL_SSL_CAFILE and not Path(EMAIL_SSL_CAFILE).is_file():
    raise ImproperlyConfigured(f"EMAIL_SSL_CAFILE names no file: {EMAIL_SSL_CAFILE}")
# The domain of every Message-ID (SITE_URL's host unless set): never the container's name.
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="")
# Seconds the SMTP backend waits for each answer of the mail server (Django's default: for
# ever; django-environ's EMAIL_URL sets none). It bounds how long a sender holds emails it
# claimed (outbox/sending.py) and how long a slow or unreachable relay keeps a worker from
# stopping.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# SMTP sessions one sender keeps open at once: a relay takes a message in milliseconds of its
# own, so one session at a time leaves it idle (bench/relay.py measures it).
EMAIL_SESSIONS = env.int("EMAIL_SESSIONS", default=4)
# Sender chains that send one large mailing side by side (each a task in a pool process of its
# own, each with EMAIL_SESSIONS sessions): one process's Python is the limit, not the relay.
# The worker's concurrency (WORKER_CONCURRENCY) bounds how many run at once; PostgreSQL only.
EMAIL_SENDER_CHAINS = env.int("EMAIL_SENDER_CHAINS", default=2)
# How long one email task sends before it hands the rest to a fresh task: a worker told to
# stop (a deploy) finishes the slice it is in, so keep it well within the 10 s after which
# Docker, Kubernetes and systemd kill. At most 30 s: beat's sweep takes back what a dead
# sender held after 90 s (outbox.sending.STALE_AFTER), which must outlast a slice and one
# email's SMTP exchange.
EMAIL_SEND_SLICE_SECONDS = env.int("EMAIL_SEND_SLICE_SECONDS", default=5)
if not 1 <= EMAIL_SEND_SLICE_SECONDS <= 30:
    raise ImproperlyConfigured(
        f"EMAIL_SEND_SLICE_SECONDS must be 1 to 30 seconds, not {EMAIL_SEND_SLICE_SECONDS}."
    )
# How long an email the relay refuses for now (4xx) is tried again before it is given up.
EMAIL_DEFERRED_GIVE_UP_HOURS = env.int("EMAIL_DEFERRED_GIVE_UP_HOURS", default=24)
# Bounces (VERP): every email's envelope sender is BOUNCE_ADDRESS with the email's signed id
# (bounces+123-5f0c...@cvms.example.gov); the relay delivers mail for it into the Maildir
# BOUNCE_MAILDIR, which beat reads every minute. Unset: the envelope sender is the From.
BOUNCE_ADDRESS = env.str("BOUNCE_ADDRESS", default="")
if BOUNCE_ADDRESS and BOUNCE_ADDRESS.count("@") != 1:
    raise ImproperlyConfigured(f"BOUNCE_ADDRESS is not an address: {BOUNCE_ADDRESS}")
BOUNCE_MAILDIR = env.str("BOUNCE_MAILDIR", default="")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Vaccine Management System <nccvms@dhhs.nc.gov>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Who gets an email for every server error (500) when DEBUG is off: "ops@state.gov" or
# "Ops Team <ops@state.gov>", comma-separated. What the report holds: cvms/error_reports.py.
ADMINS = [parseaddr(admin) for admin in env.list("ADMINS", default=[])]
if not all("@" in address for _, address in ADMINS):
    raise ImproperlyConfigured(
        "ADMINS must be email addresses separated by commas, e.g. "
        f"ops@state.gov,Ops Team <team@state.gov>; it is {env.str('ADMINS')!r}"
    )
DEFAULT_EXCEPTION_REPORTER = "cvms.error_reports.Reporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "cvms.error_reports.ReportFilter"
EMAIL_SUBJECT_PREFIX = "[CVMS] "

# SMART Health Cards (README, "SMART Health Card keys"): the ES256 (P-256) key the portal signs
# recipients' cards with, a PEM file kept outside the database; and, after a rotation, a PEM
# file of the earlier keys' public halves, published beside the current one at
# /.well-known/jwks.json so that cards signed before the rotation still verify.
SHC_PRIVATE_KEY_FILE = env.str("SHC_PRIVATE_KEY_FILE", default="")
SHC_PREVIOUS_PUBLIC_KEYS_FILE = env.str("SHC_PREVIOUS_PUBLIC_KEYS_FILE", default="")
# With DEBUG on and no key named, one is made for this checkout on first use, under var/
# (never committed). Cards it signs verify only against this machine's /.well-known/jwks.json.
SHC_MAKE_DEVELOPMENT_KEY = DEBUG and not SHC_PRIVATE_KEY_FILE
if SHC_MAKE_DEVELOPMENT_KEY:
    SHC_PRIVATE_KEY_FILE = str(VAR_DIR / "shc-development-key.pem")
elif not SHC_PRIVATE_KEY_FILE:
    _unset.append(
        "SHC_PRIVATE_KEY_FILE must be set when DEBUG is off: the SMART Health Card signing key, "
        "made with `python manage.py make_shc_key --out /etc/cvms/shc/signing-key.pem`."
    )
if _unset and not DEBUG:
    raise ImproperlyConfigured(" ".join(_unset))
# A key named but not there is a typo or a missing mount: say so now, not at the first card.
# (What the files hold is checked by portal's system check, `manage.py check`.)
for _name, _path in [
    ("SHC_PRIVATE_KEY_FILE", "" if SHC_MAKE_DEVELOPMENT_KEY else SHC_PRIVATE_KEY_FILE),
    ("SHC_PREVIOUS_PUBLIC_KEYS_FILE", SHC_PREVIOUS_PUBLIC_KEYS_FILE),
]:
    if _path and not Path(_path).is_file():
        raise ImproperlyConfigured(f"{_name} names no file: {_path}")

# Accounts
AUTH_USER_MODEL = "providers.User"
LOGIN_URL = "providers:login"
LOGIN_REDIRECT_URL = "providers:home"
LOGOUT_REDIRECT_URL = "providers:login"
# Provider-portal password reset emails per address and hour (django-ratelimit); past it the
# page answers as always and sends nothing.
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="5/h")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes), on every sign-in form: the provider portal, the admin, the
# help desk and the recipient portal all authenticate through it. After AXES_FAILURE_LIMIT
# wrong passwords for one account, or from one address, sign-in is refused for the cool-off,
# the right password included. Staff see and clear lockouts in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff sign in to the admin with a TOTP code too (django-otp; cvms/admin.py).
STAFF_TWO_FACTOR = env.bool("STAFF_TWO_FACTOR", default=False)
OTP_TOTP_ISSUER = "CVMS Help Desk"
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.int("SIGN_IN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Usernames compared as sign-in compares them (lower-cased), and never written to the logs.
AXES_USERNAME_CALLABLE = "providers.throttle.sign_in_username"
AXES_CLIENT_STR_CALLABLE = "providers.throttle.describe_client"
AXES_CLIENT_IP_CALLABLE = "cvms.proxy.client_ip"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# How long the welcome email's "create your password" link works.
RECIPIENT_SETUP_LINK_DAYS = env.int("RECIPIENT_SETUP_LINK_DAYS", default=30)
# Recipient-portal sign-in and "Forgot password" POSTs, per address and per username
# (django-ratelimit).
RECIPIENT_LOGIN_RATE = env.str("RECIPIENT_LOGIN_RATE", default="10/5m")
RECIPIENT_PASSWORD_RESET_RATE = env.str("RECIPIENT_PASSWORD_RESET_RATE", default="10/h")
# Questions from the recipient portal's contact form, per address and per username or email
# typed (django-ratelimit): each opens a case and emails a confirmation.
RECIPIENT_QUESTION_RATE = env.str("RECIPIENT_QUESTION_RATE", default="5/h")
# Welcome emails sent again from a recipient's page (resent, or to a corrected address), per
# recipient and per manager (django-ratelimit): enough to fix a mistake, too few to spam.
WELCOME_RESEND_RATE = env.str("WELCOME_RESEND_RATE", default="3/d")
WELCOME_RESEND_MANAGER_RATE = env.str("WELCOME_RESEND_MANAGER_RATE", default="30/h")

# Help desk
# Files attached to a case are personal data: deleted this many days after the case closes.
HELPDESK_FILE_RETENTION_DAYS = env.int("HELPDESK_FILE_RETENTION_DAYS", default=30)
# Registration attempts per address (django-ratelimit; the code is six guessable digits).
HELPDESK_REGISTER_RATE = env.str("HELPDESK_REGISTER_RATE", default="10/h")
# django-object-actions: buttons post (its default will become POST; say so now).
DJANGO_OBJECT_ACTIONS_DEFAULT_HTTP_METHOD = "POST"
# django-ratelimit counts in the cache. Without Redis that is the in-process cache, right for
# the one web process `make run` starts; production sets REDIS_URL, which every process shares.
if not REDIS_URL:
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# Recipient portal
PHONENUMBER_DEFAULT_REGION = "US"

# Language and time
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True
# Dates written one way, the portal's, in the admin too (cvms/formats/en/formats.py).
FORMAT_MODULE_PATH = ["cvms.formats"]
# The recipient portal is in English and Spanish; a recipient chooses with the switch on every
# portal page (Django's set_language, remembered in the language cookie) or their browser's
# language. Everything else (provider portal, help desk, admin) is English only:
# cvms.middleware.RecipientPortalLocaleMiddleware applies the choice to /portal/ pages alone.
LANGUAGES = [("en", "English"), ("es", "Español")]
# The portal's catalogue lives with the portal app: its only translated strings are the
# portal's (portal/ and templates/portal/). Listed so that `make messages`, run from the
# project root, writes templates/portal's strings there too.
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # remembered for a year, across browser restarts
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it

# Static files, served by whitenoise
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: the portal never needs more than the file size limit in memory
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 64 * 1024
# Every form takes one file: a request with more is refused (400) as its second file part
# begins, before it is written anywhere, so a POST cannot spool more than one file's limit to
# disk (Django's default allows 100). The proxy in front caps the whole body too (README).
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_HANDLERS = [
    "bulkupload.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A failed-records file larger than this is linked from the manager's summary email, not attached.
SUMMARY_ATTACHMENT_MAX_BYTES = env.int("SUMMARY_ATTACHMENT_MAX_BYTES", default=3 * 1024 * 1024)
# Uploaded files and their failed records are deleted this many days after the upload ended.
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=30)
# A manager's upload (Low Volume, High Volume) holds its welcome emails this many minutes after
# it is processed, and its uploader may undo it meanwhile (bulkupload.undo); 0 sends them at
# once, with no undo. The command line and the help desk always send at once.
UNDO_WINDOW_MINUTES = env.int("UNDO_WINDOW_MINUTES", default=10)
if UNDO_WINDOW_MINUTES < 0:
    raise ImproperlyConfigured(f"UNDO_WINDOW_MINUTES cannot be negative: {UNDO_WINDOW_MINUTES}")
LOW_VOLUME_MAX_ROWS = env.int("LOW_VOLUME_MAX_ROWS", default=100)
HIGH_VOLUME_MAX_ROWS = env.int("HIGH_VOLUME_MAX_ROWS", default=5000)
# On PostgreSQL an import writes this many batches at once, each over a connection of its own,
# while it checks the next (bulkupload.writer.BatchWriter); 1 writes them one after another.
IMPORT_WRITERS = env.int("IMPORT_WRITERS", default=2)
# After an import the recipients' table is vacuumed once this many rows (plus 2 % of the table)
# were added since it last was, and beat analyzes it once as many (plus 10 %) changed: Loaded
# Recipients' deep pages need the visibility map only VACUUM sets (recipients.sql).
RECIPIENTS_VACUUM_ROWS = env.int("RECIPIENTS_VACUUM_ROWS", default=10_000)
# Loaded Recipients search (recipients/listing.py, recipients/search.py), tuned at a million
# recipients (make bench), not from the environment; tests set them low to reach each way a
# search's matches are found. At most SEARCH_FEW_MATCHES matches are sorted from their ids; up
# to SEARCH_COUNTED_MATCHES (estimated) they are counted and sorted in one pass; past it pages
# are walked, reading SEARCH_WALK_MIN..SEARCH_WALK_MAX rows of the sort order. An estimate
# reads SEARCH_SAMPLE_PAGES pages of the table (~20,000 recipients).
SEARCH_FEW_MATCHES = 5000
SEARCH_COUNTED_MATCHES = 25_000
SEARCH_SAMPLE_PAGES = 500
SEARCH_WALK_MIN, SEARCH_WALK_MAX = 5000, 60000
# Addresses providers type for people who have none (recipients.placeholders): their recipients
# are loaded but sent no welcome email. Comma-separated; `name@*` is that name at any domain,
# `*@domain` any name at that domain, anything else one exact address (case ignored).
PLACEHOLDER_EMAILS = env.list(
    "PLACEHOLDER_EMAILS",
    default=[
        "noemail@*", "no.email@*", "no-email@*", "no_email@*", "nomail@*", "none@*",
        "noone@*", "na@na.com", "n.a@na.com", "no@email.com", "no@no.com", "no@none.com",
        "email@email.com", "noreply@*", "donotreply@*", "unknown@unknown.com",
        "*@noemail.com", "*@none.com", "*@nomail.com",
    ],
)  # fmt: skip
# Files that find people loaded at other locations, per person, on every door that reports them
# (bulkupload.elsewhere; django-ratelimit): "Duplicated" tells whether a person is registered
# somewhere. Past the rate such a file is refused whole; each one is in the audit trail.
PREVIEW_ELSEWHERE_RATE = env.str("PREVIEW_ELSEWHERE_RATE", default="10/h")

# Security: strict by default when DEBUG is off (manage.py check --deploy stays silent)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): the pages load scripts and styles from the site only,
# and carry no inline script or style; nothing may frame them or post them elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The proxies in front (README "Configuration"): only from these addresses or networks are
# X-Forwarded-For and X-Forwarded-Proto believed (cvms/proxy.py); from anyone else they are
# whatever the client wrote. Sign-in throttling and rate limits count by the client's address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from None
RATELIMIT_IP_META_KEY = "cvms.proxy.client_ip"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
        # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        if not TRUSTED_PROXIES:
            # Every request would seem to come from the proxy, and ten wrong passwords from
            # anyone would lock everyone out.
            raise ImproperlyConfigured(
                "TRUSTED_PROXIES must be set when SECURE_PROXY_SSL_HEADER is on: the address "
                "of the proxy in front (e.g. 127.0.0.1, or its address on the compose network)."
            )

# Logging: to stderr; never log personal data (names, dates of birth, emails)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Demo data (python manage.py seed_demo)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-pass-2021")
