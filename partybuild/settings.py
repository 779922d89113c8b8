"""Settings for PartyBuild. Everything that differs between machines comes from the environment.

See `.env.example` for each variable and its default. Importing this module reads the environment and
nothing else: it creates no folder and does not depend on the working directory. Whoever writes a folder
creates it (the Makefile `var/`, the Celery app its broker folders, collectstatic, the storages and the
file-based mail and cache backends).
"""

import datetime as dt
import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# Where the code is: a source checkout in development, site-packages once installed (README, "Deploying").
BASE_DIR = Path(__file__).resolve().parent.parent
# The app's templates and translations travel inside its package (installed beside this one), so they are
# found wherever it is installed.
TASKS_DIR = BASE_DIR / "tasks"
# A source checkout, not an installed package: only there do the development defaults below apply.
IN_CHECKOUT = (BASE_DIR / "manage.py").is_file()

env = environ.Env()
# Opt-in, as in cookiecutter-django: the Makefile sets DJANGO_READ_DOT_ENV_FILE=1 on a developer's machine, so
# that the checkout's .env applies there; a server sets its environment itself and never reads a stray file.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Runtime files: the SQLite database, the embedded broker, mail files, the file cache, collected static files
# and, by default, evidence. Required in production; in development (DEBUG on, in a source checkout) the
# checkout's var/ (which `make` creates).
if env("VAR_DIR", default=""):
    VAR_DIR = Path(env("VAR_DIR"))
elif DEBUG and IN_CHECKOUT:
    VAR_DIR = BASE_DIR / "var"
else:
    raise ImproperlyConfigured(
        "Set VAR_DIR to a folder for runtime files (README, 'Configuration'); only DEBUG=1 in a source "
        "checkout has a default (its var/)."
    )
# No default outside DEBUG: a production server must never start with a key anyone can read in the source.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-partybuild-development-only") if DEBUG else env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "simple_history",
    "django_celery_beat",
    "axes",
    # Its tables hold the CAS tickets of open sessions, so that the identity platform's single logout ends them.
    # Listed whatever the environment says, so that every installation has the same tables and migrations.
    "django_cas_ng",
    # The REST API (README, "Integration"): DRF, its OpenAPI schema, and Swagger UI served from a package (no CDN).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before everything that may answer (redirects, the lockout page): every page gets the policy.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Next to authentication: whatever a signed-in user is sent stays out of shared and disk caches.
    "tasks.security.middleware.PrivateCacheMiddleware",
    "tasks.security.middleware.SessionTimeoutMiddleware",
    "tasks.security.middleware.PasswordChangeRequiredMiddleware",
    "tasks.security.middleware.AuditDeniedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partybuild.urls"
WSGI_APPLICATION = "partybuild.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Listed before the apps' folders so that registration/*.html here wins over django.contrib.admin's.
        "DIRS": [TASKS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tasks.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'partybuild.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE transactions and a busy
    # timeout make concurrent writers wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The light is a long CASE expression: PostgreSQL's JIT would spend ~0.4 s compiling it on every
    # dashboard query to save a few milliseconds of execution. Our queries are short; JIT never pays.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "tasks.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# --- Single sign-on (README, "Integration"): each provider is on when its first variable is set ---------------------
# An external identity logs in to an EXISTING account only: matched by username (or the value of a configured claim or
# attribute), never created, never given a role. Accounts with an administrator duty and superusers log in only with
# their local password. SSO_LOCAL_LOGIN=administrators keeps local passwords for them alone.
SSO_LOCAL_LOGIN = env("SSO_LOCAL_LOGIN", default="all")
if SSO_LOCAL_LOGIN not in ("all", "administrators"):
    raise ImproperlyConfigured("SSO_LOCAL_LOGIN is 'all' or 'administrators'.")
SSO_HTTP_TIMEOUT = env.float("SSO_HTTP_TIMEOUT", default=10)
# OpenID Connect (mozilla-django-oidc; its own setting names). The endpoints are in the provider's
# /.well-known/openid-configuration.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="") or None
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid profile")
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = SSO_HTTP_TIMEOUT
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_oidc_callback"
OIDC_LABEL = env("OIDC_LABEL", default="")
# CAS 2.0 / 3.0 (django-cas-ng), which many 统一身份认证 platforms speak.
CAS_SERVER_URL = env("CAS_SERVER_URL", default="")
CAS_VERSION = env("CAS_VERSION", default="3")
CAS_USERNAME_ATTRIBUTE = env("CAS_USERNAME_ATTRIBUTE", default="cas:user")
CAS_CREATE_USER = False
CAS_ROOT_PROXIED_AS = SITE_URL
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_LABEL = env("CAS_LABEL", default="")


def CAS_SESSION_FACTORY():  # noqa: N802 - a setting django-cas-ng calls
    """python-cas's HTTP session, with a time-out (imported late: the app is not loaded yet here)."""
    from tasks.security.sso.backends import cas_session

    return cas_session()


# LDAP / Active Directory (django-auth-ldap, installed with `pip install partybuild[ldap]`): the login form's
# password is checked by the directory. The username typed is looked up with LDAP_USER_FILTER under
# LDAP_USER_SEARCH_BASE; the local account is the one named like it, or like the entry's LDAP_USERNAME_ATTR.
LDAP_SERVER_URI = env("LDAP_SERVER_URI", default="")
LDAP_BIND_DN = env("LDAP_BIND_DN", default="")
LDAP_BIND_PASSWORD = env("LDAP_BIND_PASSWORD", default="")
LDAP_USER_SEARCH_BASE = env("LDAP_USER_SEARCH_BASE", default="")
LDAP_USER_FILTER = env("LDAP_USER_FILTER", default="(uid=%(user)s)")
LDAP_USERNAME_ATTR = env("LDAP_USERNAME_ATTR", default="")
LDAP_START_TLS = env.bool("LDAP_START_TLS", default=False)
# WeCom (企业微信) and DingTalk (钉钉) web login. The API bases are settings because private deployments
# (企业微信私有化, 专属钉钉) run their own servers.
WECOM_CORP_ID = env("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env("WECOM_AGENT_ID", default="")
WECOM_SECRET = env("WECOM_SECRET", default="")
WECOM_API_BASE = env("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
WECOM_AUTHORIZE_URL = env("WECOM_AUTHORIZE_URL", default="https://open.weixin.qq.com/connect/oauth2/authorize")
WECOM_QR_LOGIN_URL = env("WECOM_QR_LOGIN_URL", default="https://login.work.weixin.qq.com/wwlogin/sso/login")
DINGTALK_CLIENT_ID = env("DINGTALK_CLIENT_ID", default="")
DINGTALK_CLIENT_SECRET = env("DINGTALK_CLIENT_SECRET", default="")
DINGTALK_LOGIN_URL = env("DINGTALK_LOGIN_URL", default="https://login.dingtalk.com/oauth2/auth")
DINGTALK_API_BASE = env("DINGTALK_API_BASE", default="https://api.dingtalk.com")
DINGTALK_OAPI_BASE = env("DINGTALK_OAPI_BASE", default="https://oapi.dingtalk.com")
# "userid" (the enterprise's staff id, one more call) or a field of the user's DingTalk profile ("mobile", "email").
DINGTALK_USERNAME_CLAIM = env("DINGTALK_USERNAME_CLAIM", default="userid")

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked (README, "Accounts and audit").
    "axes.backends.AxesStandaloneBackend",
    *(["tasks.security.sso.ldap.LDAPBackend"] if LDAP_SERVER_URI else []),
    "tasks.security.backends.PartyBuildModelBackend",
    "tasks.security.backends.DutyPermissionBackend",
    *(["tasks.security.sso.backends.OIDCBackend"] if OIDC_RP_CLIENT_ID else []),
    *(["tasks.security.sso.backends.CASBackend"] if CAS_SERVER_URL else []),
    *(["tasks.security.sso.backends.WeComBackend"] if WECOM_CORP_ID else []),
    *(["tasks.security.sso.backends.DingTalkBackend"] if DINGTALK_CLIENT_ID else []),
]
# 等保 2.0 password rules: >= 10 characters, 3 of 4 character classes, not the account name, not one of the
# last PASSWORD_HISTORY_COUNT passwords, changed every PASSWORD_MAX_AGE_DAYS days (0: never expires).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tasks.security.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "tasks.security.validators.NotUsernameValidator"},
    {"NAME": "tasks.security.validators.PasswordHistoryValidator"},
]
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
# Login lockout (django-axes), keyed on the username: intranet users share one NAT address, so locking an
# address would lock a whole office. The (username, address) pair adds nothing to the username alone (it
# can only reach the limit after the username has); it is listed because axes' check axes.W006 asks for the
# address somewhere, and we prefer satisfying a check to silencing it.
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "tasks.audit.client_ip"
AXES_USERNAME_CALLABLE = "tasks.security.backends.lockout_username"
# Single sign-on callbacks carry no username or password for axes to count: they check the lock of the account they
# resolve themselves (tasks.security.sso.accounts), and a failed one is no password guess.
AXES_WHITELIST_CALLABLE = "tasks.security.sso.accounts.is_sso_callback"
AXES_VERBOSE = False
# Sessions: a new id at every login (Django), stored server-side and deleted at logout, ended after
# SESSION_IDLE_TIMEOUT seconds without a request or SESSION_ABSOLUTE_TIMEOUT after login
# (tasks.security.middleware.SessionTimeoutMiddleware).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: links in reminder e-mails and WeCom/DingTalk messages must open logged in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies whose X-Real-IP header names the client (nginx on the same machine by default): addresses or CIDR
# ranges, comma-separated. From any other peer the header is ignored and the socket address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1"])
try:
    [ipaddress.ip_network(_proxy.strip(), strict=False) for _proxy in TRUSTED_PROXIES if _proxy.strip()]
except ValueError as _error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from None
# nginx redirects port 80 itself (docs/nginx.conf); this catches anything that reaches Django over http.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
# HSTS is off by default: an intranet whose certificates come from its own CA (often not yet trusted by every
# browser) would lock users out of the site for a year. Turn it on once the CA is trusted everywhere.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
# Only the HSTS warning is silenced, and only while HSTS is deliberately off (see above).
SILENCED_SYSTEM_CHECKS = ["security.W004"] if not SECURE_HSTS_SECONDS else []
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from this site only; no inline script
# or style, no eval, no plugins, no framing. Page behaviour lives in tasks/static/tasks/app.js; htmx is told not to
# inject its indicator <style> nor evaluate code (the htmx-config meta tag in base.html), and its indicator rules
# are in app.css. Images may also be data: URIs, which Bootstrap's CSS uses for its small icons.
# tests/test_security_headers.py holds every template to this; the browser tests fail on any CSP violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API (README, "Integration"; tasks/api/) ------------------------------------------------------
# JSON only: DRF's browsable pages need inline scripts the Content-Security-Policy refuses; the documentation page
# (Swagger UI from drf-spectacular-sidecar, its start script a file of its own) stands in for them.
REST_FRAMEWORK = {
    # A token first: a call that sends one is judged by it, whatever cookie comes along.
    "DEFAULT_AUTHENTICATION_CLASSES": ["tasks.api.auth.TokenAuthentication", "tasks.api.auth.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "tasks.api.auth.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["tasks.api.auth.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tasks.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tasks.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tasks.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (or signed-in user) and period, counted in the shared cache: over it, 429 with Retry-After.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/minute")
# The longest a token may live (days); the user picks its expiry up to this.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=366)
SPECTACULAR_SETTINGS = {
    "TITLE": "PartyBuild 党建任务通 API",
    "DESCRIPTION": "年度党建工作要点的计划、重点任务、承办任务、进展反馈、延期申请和看板数字。"
    " Errors are RFC 9457 problem details (application/problem+json) with a Chinese `detail`.",
    "VERSION": "1",
    # Operations are grouped by what follows /api/v1/ (assignments, reports, ...).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to validator.swagger.io: an intranet has no internet, and the schema is checked in CI.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "persistAuthorization": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PartyMemberStatusEnum": "tasks.models.PartyMember.Status",
        "AttendanceStatusEnum": "tasks.models.Attendance.Status",
    },
}

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# The UI is Chinese whatever the browser asks for (English is only the source language of the code).
LANGUAGES = [("zh-hans", "简体中文")]
# Listed, not only found as the app's folder: first in LOCALE_PATHS, our words win over Django's and other apps'.
LOCALE_PATHS = [TASKS_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------------------------
STATIC_URL = "static/"
# Filled by `collectstatic`, served by whitenoise.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_ROOT = VAR_DIR / "media"
# Evidence files (佐证材料) live outside the static and media roots and are only served by a view
# that checks who is asking. Every read, write and delete goes through STORAGES["evidence"]: a folder
# (EVIDENCE_ROOT, a shared volume with several servers) unless a settings override names another
# backend, such as django-storages' S3Storage (README, "Deploying").
EVIDENCE_ROOT = Path(env("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": EVIDENCE_ROOT}},
}
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Cache ----------------------------------------------------------------------------------------
# Shared by every web process (dashboard figures, invalidated on write: tasks/cache.py). Default: files
# under var/cache; in production point CACHE_URL at Redis (redis://host:6379/2).
_cache_url = env("CACHE_URL", default="")
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
elif _cache_url:
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- E-mail ---------------------------------------------------------------------------------------
# Default: each message is written as a file under var/mail/ where a developer can read it.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PartyBuild <partybuild@localhost>")

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    # The folders are created when the Celery app is configured (partybuild/celery.py).
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# A message not acknowledged within this time is handed to another worker (Redis, SQS). Every countdown,
# retry delay and job time limit we use stays well below it (tests/test_settings_celery.py asserts this).
BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if not CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Kept explicit: Celery 6 turns it on. Off, a job running when the broker restarts finishes its batch (each row
# is claimed in the database) instead of being cancelled half-way; bench/fault_redis_restart.py measured this.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Reminders (README.md, "Reminders") ------------------------------------------------------------
# A failed send is retried with exponential backoff and jitter: base * 2**attempt seconds, capped.
# A row fails for good only when it has had REMINDER_MAX_ATTEMPTS attempts and is REMINDER_RETRY_WINDOW old:
# a mail server or robot down for an hour or a night delays reminders, it does not lose them.
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)
REMINDER_RETRY_WINDOW_SECONDS = env.int("REMINDER_RETRY_WINDOW_SECONDS", default=24 * 3600)
REMINDER_RETRY_BASE_SECONDS = env.float("REMINDER_RETRY_BASE_SECONDS", default=30)
REMINDER_RETRY_MAX_SECONDS = env.int("REMINDER_RETRY_MAX_SECONDS", default=600)
# A delivery job is killed after this long (a hung SMTP or webhook server must not hold the row forever).
REMINDER_JOB_TIME_LIMIT = env.int("REMINDER_JOB_TIME_LIMIT", default=300)
# The sweeper re-enqueues rows left pending this long, and frees rows stuck in "sending" (a worker died
# between claiming and marking) after REMINDER_CLAIM_TIMEOUT. Both exceed the longest retry delay.
REMINDER_SWEEP_AFTER_SECONDS = env.int("REMINDER_SWEEP_AFTER_SECONDS", default=900)
REMINDER_CLAIM_TIMEOUT_SECONDS = env.int("REMINDER_CLAIM_TIMEOUT_SECONDS", default=900)
# E-mails go out in batches sharing one SMTP connection.
REMINDER_EMAIL_BATCH_SIZE = env.int("REMINDER_EMAIL_BATCH_SIZE", default=100)
REMINDER_WEBHOOK_TIMEOUT = env.float("REMINDER_WEBHOOK_TIMEOUT", default=10)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Outbound webhooks (README, "Integration"): retried with the reminders' backoff until a delivery has had
# WEBHOOK_MAX_ATTEMPTS attempts *and* is WEBHOOK_RETRY_WINDOW_SECONDS old; then the endpoint is disabled and its owner
# told. Each POST times out after WEBHOOK_TIMEOUT seconds.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_RETRY_WINDOW_SECONDS = env.int("WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)

# --- Domain rules (DOMAIN.md defaults) --------------------------------------------------------------
LIGHT_DUE_SOON_WORKDAYS = env.int("LIGHT_DUE_SOON_WORKDAYS", default=5)
LIGHT_LAG_POINTS = env.int("LIGHT_LAG_POINTS", default=25)
LIGHT_STALE_REPORT_DAYS = env.int("LIGHT_STALE_REPORT_DAYS", default=30)

# --- Audit (README.md, "Auditing") -----------------------------------------------------------------
# 等保 asks for at least 180 days; a smaller value is raised to 180.
AUDIT_RETENTION_DAYS = max(180, env.int("AUDIT_RETENTION_DAYS", default=180))
# Permission denials: one audit row per user (or address), kind and this many seconds, and one more with the count
# of the rest (tasks.audit.denials), so that requesting hidden ids in a loop cannot flood the log.
AUDIT_DENIAL_WINDOW_SECONDS = env.int("AUDIT_DENIAL_WINDOW_SECONDS", default=60)
# The audit hash chain's HMAC key: with it, whoever can write to the database cannot rewrite the log unnoticed.
# Only in the servers' environment, never in the database (rows name it by a fingerprint). Without it (fine for
# development) rows are hashed with plain SHA-256; `check --deploy` warns (tasks.checks). After a key change,
# the old key stays in the fallbacks (comma-separated) while rows hashed with it remain.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")
AUDIT_CHAIN_KEY_FALLBACKS = env.list("AUDIT_CHAIN_KEY_FALLBACKS", default=[])

# --- Logging --------------------------------------------------------------------------------------
# One line per record: JSON in production (LOG_FORMAT=json), key=value text in development. A server error's
# reference (shown on the 500 page) is in the record with its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "partybuild.logging.RequestContextFilter"}},
    "formatters": {
        "plain": {"()": "partybuild.logging.KeyValueFormatter"},
        "json": {"()": "partybuild.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain" if DEBUG else "json"),
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
