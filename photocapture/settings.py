"""Settings come from the environment (django-environ).

Two modes. Demo mode (`DJANGO_DEMO=true`, turned on by `dev.py demo` and the test settings)
runs embedded: SQLite, Celery tasks eagerly in-process, console e-mail and SMS, plain HTTP.
Anything else is production: safe defaults (HTTPS only, HSTS, secure cookies) and a process
that refuses to start, naming every missing setting, rather than run half-configured
(photocapture/configuration.py). README.md lists the variables.
"""

import os
from pathlib import Path

import environ

from . import beat
from .configuration import DEMO_SECRET_KEY, production_problems, refuse_to_start

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEMO = env.bool("DJANGO_DEMO", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEMO_SECRET_KEY if DEMO else "")
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEMO else []
)
# Behind a TLS-terminating proxy: the browser's Origin is https://<public host>, which Django
# must trust, and the proxy says the request was HTTPS in a header only it may set.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_cas_ng",  # campus single sign-on: its ticket tables always exist, used when CAS_SERVER_URL is set
    "core",
    "accounts",
    "jobs",
    "sessions_app",
    "fees",
    "verification",
    "retakes",
    "notifications",
    "capture_day",
    "api",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    # Outermost: a GET answered 503 because the database blinked goes through the whole chain again.
    "photocapture.middleware.UnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "photocapture.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "photocapture.middleware.RefuseNulMiddleware",
    "photocapture.middleware.BusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "photocapture.middleware.campus_sign_on_form_action",
    "photocapture.middleware.permissions_policy",
    "photocapture.middleware.files_not_stored",
]

ROOT_URLCONF = "photocapture.urls"
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
                "notifications.context_processors.inbox",
                "sessions_app.context_processors.campaign_switcher",
            ],
            # {% url %} of a name without arguments reversed once per process (core/templatetags/links.py).
            "builtins": ["core.templatetags.links"],
        },
    },
]
WSGI_APPLICATION = "photocapture.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
# A database restarted mid-day leaves dead persistent connections: each request checks its
# connection first and reconnects instead of answering 500 until every worker has recycled.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind a transaction-pooling pgbouncer the next transaction may run on another server connection:
# no server-side cursors, and the hot paths' statements (core.rows.Prepared) go unprepared.
if env.bool("DB_TRANSACTION_POOLER", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo server and Celery's eager tasks share one file; wait instead of failing on a busy lock.
    # IMMEDIATE: a transaction takes the write lock when it begins. A deferred one that reads,
    # then writes while another thread writes, fails at once with "database is locked" whatever
    # the timeout (SQLite cannot wait there without a deadlock): a desk swipe answered 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# The local form (ModelBackend, throttled by accounts.views) and the campus identity service
# (CAS, sessions_app.campus_login): a ticket never reaches the password backend, nor a password this one.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sessions_app.campus_login.CampusCasBackend",
]

# Campus single sign-on (统一身份认证, django-cas-ng's own setting names). Off unless CAS_SERVER_URL
# is set, e.g. https://cas.example.edu.cn/cas/ (the trailing slash matters: login, serviceValidate
# and logout are resolved against it). The 学工号 is the CAS user, or the attribute named by
# CAS_USERNAME_ATTRIBUTE; it is matched to an existing account, never used to create one.
CAS_SERVER_URL = env("CAS_SERVER_URL", default="") or None
CAS_VERSION = env("CAS_VERSION", default="3")
CAS_USERNAME_ATTRIBUTE = env("CAS_USERNAME_ATTRIBUTE", default="cas:user")
# Behind a proxy that rewrites the host: the public root (https://photo.example.edu.cn) the
# service URLs are built on, as registered with the identity service.
CAS_ROOT_PROXIED_AS = env("CAS_ROOT_PROXIED_AS", default="") or None
CAS_CREATE_USER = False
CAS_APPLY_ATTRIBUTES_TO_USER = False
CAS_REDIRECT_URL = "/"
CAS_IGNORE_REFERER = True  # after login go to ?next= or home, never back to the login page
CAS_LOGIN_MSG = None  # its messages are English-only; the home page says who is logged in
CAS_LOGGED_MSG = None
CAS_VERIFY_SSL_CERTIFICATE = True

# Failed logins within the window: this many per (account, address), more per account from any
# address, and a ceiling per address far above what one campus NAT address sees (accounts.services).
LOGIN_THROTTLE_MAX_FAILURES = env.int("LOGIN_THROTTLE_MAX_FAILURES", default=5)
LOGIN_THROTTLE_MAX_FAILURES_PER_ACCOUNT = env.int("LOGIN_THROTTLE_MAX_FAILURES_PER_ACCOUNT", default=20)
LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS = env.int("LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS", default=200)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)
# How long a row lock may wait on PostgreSQL before the action answers "please retry"
# (core.locking): a desk swipe never waits without bound behind a long write.
LOCK_TIMEOUT_MS = env.int("LOCK_TIMEOUT_MS", default=3000)
# A desk operator may undo their own swipe for this long (capture_day.services.undo_check_in).
DESK_UNDO_MINUTES = env.int("DESK_UNDO_MINUTES", default=5)

LANGUAGE_CODE = "zh-hans"
# Simplified Chinese is the default; English only for whoever picks it in the page header
# (remembered for a year in the language cookie; see photocapture.middleware).
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Private uploads (retake photos): never served by a static handler, only through views that check scope.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = env.int("ROSTER_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or ("memory://" if DEMO else ""))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=DEMO and not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
# Job kinds registered outside an app's jobkinds.py (the project-level export registry).
JOBS_KIND_MODULES = ["photocapture.export_jobs"]
# A web request that enqueues while the broker is down gives up after about a second (the job's
# row stays pending for the sweeper) instead of waiting out kombu's default retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Workers keep trying to reach a broker that went away instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A message taken by a worker that dies is handed out again after this many seconds
# (Redis transport); it must exceed the longest countdown a task is scheduled with.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_BEAT_SCHEDULE = beat.schedule(
    daily_at_overrides=env.list("BEAT_DAILY_AT", default=[]),
    sweep_every_seconds=env.float("BEAT_SWEEP_EVERY_SECONDS", default=300.0),
    reminders_minute=env.int("REMINDER_BEAT_MINUTE", default=0),
)
# A photo still pending this long after its upload had its check job lost; the sweeper queues it again.
RETAKES_RECHECK_PENDING_AFTER_SECONDS = env.int("RETAKES_RECHECK_PENDING_AFTER_SECONDS", default=300)
# Likewise a background job still queued this long after it was asked for.
JOBS_REQUEUE_QUEUED_AFTER_SECONDS = env.int("JOBS_REQUEUE_QUEUED_AFTER_SECONDS", default=300)
# A running job's lease: its worker renews it every JOBS_HEARTBEAT_SECONDS (and with its progress);
# past it the worker is taken for dead and the sweeper resumes the job (queued again) or, after
# JOBS_MAX_ATTEMPTS runs, fails it with the code "lease_expired". Kinds are idempotent (a re-run
# records nothing twice), so resuming is safe.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=60)
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=15.0)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_TEST_RUN_DELAY = env.float("JOBS_TEST_RUN_DELAY", default=0.0)  # widens the window for a kill test
# A finished job's file is deleted this long after the job ended: exports and a rejected import's
# bad rows (kept whole, for the clerk to fix in Excel and upload again) hold full ID numbers.
JOBS_FILE_MAX_AGE_SECONDS = env.int("JOBS_FILE_MAX_AGE_SECONDS", default=24 * 60 * 60)
# The API's change feed serves only rows older than this (api.selectors.change_page): longer than
# the longest transaction that stamps rows (a CHSI import of a whole cohort), so no row commits
# behind a consumer's cursor.
API_CHANGES_SETTLE_SECONDS = env.int("API_CHANGES_SETTLE_SECONDS", default=120)
# An import (roster, payments, CHSI status) of a file with more rows than this (a cheap estimate) has its
# check and import jobs run by a worker; a smaller one's run within the request (jobs.imports).
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=300)
RETAKES_TEST_CHECK_DELAY = env.float("RETAKES_TEST_CHECK_DELAY", default=0.0)  # widens the window for a kill test
# Days before the verification due date on which unverified students are reminded (plus once when overdue).
VERIFICATION_REMINDER_DAYS = env.list("VERIFICATION_REMINDER_DAYS", cast=int, default=[14, 7, 3, 1])
# Every scheduled reminder's steps, in days before its deadline (notifications/reminders.py and each
# app's reminders.py): fees to coordinators before the remittance deadline, retakes before the retake
# deadline, the slot reminder before the capture day.
FEES_REMINDER_DAYS = env.list("FEES_REMINDER_DAYS", cast=int, default=[7, 3, 1])
RETAKE_REMINDER_DAYS = env.list("RETAKE_REMINDER_DAYS", cast=int, default=[7, 3, 1])
SLOT_REMINDER_DAYS = env.list("SLOT_REMINDER_DAYS", cast=int, default=[1])
# The Asia/Shanghai hour a rule goes out, by rule name ("verification.slot=17,fees.remittance=8");
# a rule not named keeps the hour it declares.
REMINDER_HOURS = env.dict("REMINDER_HOURS", cast={"value": int}, default={})

# Notifications: SMS provider and delivery retry policy (notifications/services.py).
SMS_BACKEND = env("SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend" if DEMO else "")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.log"))
SMS_SIGNATURE = env("SMS_SIGNATURE", default="【教务处】")
# Used only when EMAIL_BACKEND is the file-based one (development, the worker test).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=1800)
# A "sending" claim older than this belongs to a dead worker (longer than any task's hard limit).
NOTIFICATIONS_SENDING_LEASE_SECONDS = env.int(
    "NOTIFICATIONS_SENDING_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60
)
NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS = env.int("NOTIFICATIONS_REQUEUE_PENDING_AFTER_SECONDS", default=3600)
NOTIFICATIONS_SEND_CHUNK = env.int("NOTIFICATIONS_SEND_CHUNK", default=50)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="photocapture.local")
NOTIFICATIONS_TEST_SEND_DELAY = env.float("NOTIFICATIONS_TEST_SEND_DELAY", default=0.0)
# An unknown outcome (a send cut off by a crash) is asked of its provider this often, for this long;
# after that it waits for staff (admin: 发送记录, status 结果未知).
NOTIFICATIONS_RECHECK_SECONDS = env.int("NOTIFICATIONS_RECHECK_SECONDS", default=600)
NOTIFICATIONS_RECHECK_FOR_SECONDS = env.int("NOTIFICATIONS_RECHECK_FOR_SECONDS", default=2 * 24 * 60 * 60)
# The portal's public address, for links in WeCom cards.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Template SMS (SMS_BACKEND=notifications.providers.aliyun.AliyunSmsBackend or
# ...tencent.TencentSmsBackend): the approved sign name; templates are data (admin: 短信模板).
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
SMS_CONNECT_TIMEOUT_MS = env.int("SMS_CONNECT_TIMEOUT_MS", default=5000)
SMS_READ_TIMEOUT_MS = env.int("SMS_READ_TIMEOUT_MS", default=10000)
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
# WeCom (企业微信) app messages: on when WECOM_CORP_ID is set. Group robots need only the base URL.
WECOM_BASE_URL = env("WECOM_BASE_URL", default="https://qyapi.weixin.qq.com")
WECOM_CORP_ID = env("WECOM_CORP_ID", default="")
WECOM_SECRET = env("WECOM_SECRET", default="")
WECOM_AGENT_ID = env.int("WECOM_AGENT_ID", default=0)
WECOM_TIMEOUT_SECONDS = env.float("WECOM_TIMEOUT_SECONDS", default=10.0)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    # Forgiving: with Redis down a cache read is a miss and a write is dropped, so login and
    # the desk keep working; short timeouts so a dead Redis does not stall every request.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

# The demo's console backend masks ID numbers before printing mail into the server log (core.mail).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="core.mail.RedactingConsoleBackend" if DEMO else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="教务处 <jwc@example.edu.cn>")

SESSION_COOKIE_HTTPONLY = True
# HTTPS only outside demo mode. Each is an environment switch for a campus that terminates TLS
# elsewhere; `manage.py check --deploy` (in CI) warns when one is off.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEMO)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEMO)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEMO else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEMO)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEMO)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing here uses a camera, microphone, location or payment API (the ID-card reader types
# like a keyboard); photocapture.middleware sends this on every response.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Scripts and styles only from static/ (no inline code: data reaches JS through json_script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "core.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
# Demo and tests serve static/ without a collectstatic step; production serves the collected,
# compressed, content-hashed copies (`deploy/run web` collects them at start).
WHITENOISE_USE_FINDERS = DEMO
if not DEMO:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Retakes: the automatic check of electronic photos (retakes/photo_check/). Values from the standard
# behind the notice (教毕指〔2017〕99号, see DOMAIN.md); the tolerances are this portal's choice.
PHOTO_CHECK = {
    "width": 480,
    "height": 640,
    "aspect_tolerance": 0.01,  # other sizes with this 3:4 ratio are measured on a copy scaled to 480x640
    # A compliant 480x640 photo saved at JPEG quality 60 (the standard's minimum) is 18-21 KB with
    # libjpeg (Pillow and OpenCV alike, tests/retakes/test_photo_corpus.py); quality 20 is 10-12 KB.
    "min_bytes": 12 * 1024,
    "max_bytes": 2 * 1024 * 1024,
    "upload_max_bytes": env.int("PHOTO_UPLOAD_MAX_BYTES", default=8 * 1024 * 1024),
    "max_pixels": 16_000_000,  # decompression-bomb cap, checked before any pixel is decoded
    # The backdrops a campaign may allow (Campaign.photo_backgrounds names them); Xinhua's blue.
    "background_colours": {"blue": (100, 197, 255), "white": (255, 255, 255), "red": (220, 20, 30)},
    "background_max_distance": 60,  # RGB distance of the backdrop's median from the nearest allowed colour
    "background_max_spread": 24,  # luminance between the light and dark parts of the visible backdrop
    "background_max_noise": 5.0,  # luminance standard deviation (5x5, half size) inside the backdrop
    "backdrop_min_fraction": 0.08,  # less visible backdrop than this: not measured
    "separation_step": 3,  # Lab step between neighbours that the backdrop's flood fill may cross
    "separation_texture_floor": 4.0,  # texture above this and above 3x the edges' own is not backdrop
    "separation_texture_factor": 3.0,
    "head_top_px": (50, 110),
    "eye_line_px": (200, 300),
    "face_width_px": (180, 300),  # cheek to cheek (两脸颊之间), from the face landmarks
    "face_min_px": 60,  # narrower detections are noise, not a second person
    "centre_max_offset_px": 30,
}
# Batches of electronic photos (retakes/batch_import.py): a zip or folder is read entry by entry;
# its checks run in a pool of this many processes on the worker (1: in the job's own process).
PHOTO_BATCH = {
    "workers": env.int("PHOTO_BATCH_WORKERS", default=os.cpu_count() or 1),
    "max_upload_bytes": env.int("PHOTO_BATCH_MAX_UPLOAD_BYTES", default=1024 * 1024 * 1024),
    "max_entries": 5000,  # files in one zip; a cohort's college is a few hundred retakes at most
    "max_total_bytes": 4 * 1024 * 1024 * 1024,  # what the zip may expand to, read entry by entry
    "max_ratio": 100,  # uncompressed / compressed: photos hardly compress, a bomb does 1000x
}
FEES_CALLBACK_SECRET = env("FEES_CALLBACK_SECRET", default="")
# Key of the 采集码 hashes (sessions_app.collection_codes). Its own setting in production: rotating
# SECRET_KEY (sessions, signed links) must not orphan every bound code. Changing this key means
# every student binds again.
COLLECTION_CODE_KEY = env("COLLECTION_CODE_KEY", default=f"collection-code:{SECRET_KEY}" if DEMO else "")
# Key of the hashes an erased student's ID number leaves behind (sessions_app.idcard.id_number_hash),
# derived from the 采集码 key unless set: like it, it must outlive a SECRET_KEY rotation.
ID_NUMBER_HASH_KEY = env("ID_NUMBER_HASH_KEY", default=f"id-number:{COLLECTION_CODE_KEY}")
# Personal data of a campaign is erased this long after its last deadline unless the campaign says
# otherwise (Campaign.retention_days); the archive the erasure writes first is kept far longer.
PRIVACY_ARCHIVE_KEEP_DAYS = env.int("PRIVACY_ARCHIVE_KEEP_DAYS", default=30 * 365)
PRIVACY_ERASE_BATCH = env.int("PRIVACY_ERASE_BATCH", default=500)

if not DEMO:
    refuse_to_start(
        production_problems(
            secret_key=SECRET_KEY,
            collection_code_key=COLLECTION_CODE_KEY,
            broker_url=CELERY_BROKER_URL,
            redis_url=REDIS_URL,
            always_eager=CELERY_TASK_ALWAYS_EAGER,
            allowed_hosts=ALLOWED_HOSTS,
            email_backend=EMAIL_BACKEND,
            sms_backend=SMS_BACKEND,
            messaging={
                name: globals()[name]
                for name in (
                    "SMS_SIGN_NAME",
                    "ALIYUN_SMS_ACCESS_KEY_ID",
                    "ALIYUN_SMS_ACCESS_KEY_SECRET",
                    "TENCENT_SMS_SECRET_ID",
                    "TENCENT_SMS_SECRET_KEY",
                    "TENCENT_SMS_SDK_APP_ID",
                    "WECOM_CORP_ID",
                    "WECOM_SECRET",
                    "WECOM_AGENT_ID",
                )
            },
            csrf_trusted_origins=CSRF_TRUSTED_ORIGINS,
            proxy_ssl_header=_proxy_ssl_header,
            cas_server_url=CAS_SERVER_URL or "",
            cas_version=CAS_VERSION,
        )
    )
