"""Settings shared by every environment; values come from the environment through django-environ.

Every variable read here is listed, with a comment, in ``.env.example``. Importing this module writes
nothing to disk: each folder is created by whatever first writes into it.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# As in cookiecutter-django, a .env file is read only when asked for: a forgotten file must not
# override what the deployment sets (docker compose already passes .env to the container as env_file).
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The embedded databases, cache files and local media live here. Not created at import: the SQLite
# engines (ocipizza.db.sqlite3, the embedded store), the file cache, the storage and build_cep_db create
# their folders when they first write.
VAR_DIR = Path(env("OCIPIZZA_VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ocipizza.nosql.apps.NoSQLConfig",
    "ocipizza.apps.OciPizzaConfig",
    "ocipizza.mail.apps.MailConfig",
    "ocipizza.pizzeria.apps.PizzeriaConfig",
    "accounts",
    "menu",
    "orders",
    "locations",
    "backoffice",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ocipizza.middleware.PermissionsPolicyMiddleware",
    "ocipizza.middleware.ProxyCountMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ocipizza.middleware.ServiceUnavailableMiddleware",
    "ocipizza.csp.CachedCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ocipizza.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ocipizza.middleware.CsrfHoleMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.CustomerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ocipizza.urls"
WSGI_APPLICATION = "ocipizza.wsgi.application"

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
                "csp.context_processors.nonce",
                "ocipizza.context_processors.site",
                "orders.context_processors.cart",
            ],
        },
    },
]

# Form fields are rendered with Django's own Jinja2 copies of its form templates: the same HTML, at half
# the CPU of the template language (a checkout page renders some twenty field and widget templates).
FORM_RENDERER = "django.forms.renderers.Jinja2"

# --- relational database: staff accounts, permissions, sessions without Redis ------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite engine that also creates the database file's folder on first connect.
    DATABASES["default"]["ENGINE"] = "ocipizza.db.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- the NoSQL store ------------------------------------------------------------------------------
NOSQL_BACKEND = env("NOSQL_BACKEND", default="sqlite")
NOSQL_BACKENDS = {
    "sqlite": "ocipizza.nosql.backends.sqlite.SQLiteStore",
    "oracle": "ocipizza.nosql.backends.oracle.OracleStore",
}
NOSQL_STORES = {
    "default": {
        "BACKEND": NOSQL_BACKENDS.get(NOSQL_BACKEND, NOSQL_BACKEND),
        "OPTIONS": {
            # embedded backend
            "PATH": env("NOSQL_SQLITE_PATH", default=str(VAR_DIR / "nosql.sqlite3")),
            "TIMEOUT": env.float("NOSQL_SQLITE_TIMEOUT", default=5.0),
            # Oracle NoSQL Database (borneo)
            "MODE": env("NOSQL_MODE", default="onprem"),
            "ENDPOINT": env("NOSQL_ENDPOINT", default="http://127.0.0.1:8080"),
            "NAMESPACE": env("NOSQL_NAMESPACE", default=""),
            "USER": env("NOSQL_USER", default=""),
            "PASSWORD": env("NOSQL_PASSWORD", default=""),
            "REGION": env("OCI_REGION", default=""),
            "COMPARTMENT": env("OCI_COMPARTMENT_ID", default=""),
            "AUTH": env("OCI_AUTH", default="config"),
            "OCI_CONFIG_FILE": env("OCI_CONFIG_FILE", default="~/.oci/config"),
            "OCI_PROFILE": env("OCI_PROFILE", default="DEFAULT"),
            "REQUEST_TIMEOUT": env.float("NOSQL_REQUEST_TIMEOUT", default=3.0),
            "RETRIES": env.int("NOSQL_RETRIES", default=5),
            "RETRY_DELAY": env.float("NOSQL_RETRY_DELAY", default=0.1),
            "DDL_TIMEOUT": env.float("NOSQL_DDL_TIMEOUT", default=60.0),
            "POOL_SIZE": env.int("NOSQL_POOL_SIZE", default=32),
            "TABLE_READ_UNITS": env.int("NOSQL_TABLE_READ_UNITS", default=50),
            "TABLE_WRITE_UNITS": env.int("NOSQL_TABLE_WRITE_UNITS", default=50),
            "TABLE_STORAGE_GB": env.int("NOSQL_TABLE_STORAGE_GB", default=1),
        },
    }
}

# --- Redis: sessions, cart, cache, rate limits ------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")


# Rendered HTML reused across requests (ocipizza/fragments.py): in each worker's memory, so a cached
# piece costs no Redis command; least recently used pieces go first beyond MAX_ENTRIES. No timeout:
# a piece's key names everything it depends on.
FRAGMENTS_CACHE = {
    "BACKEND": "ocipizza.fragments.HTMLCache",
    "LOCATION": "ocipizza-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 512},
}


def cache_settings(redis_url: str, var_dir: Path) -> tuple[dict, str]:
    """CACHES and SESSION_ENGINE for Redis when it is configured, else for one machine's processes."""
    if redis_url:
        caches = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="ocipizza"),
                "OPTIONS": {
                    "CLIENT_CLASS": "django_redis.client.DefaultClient",
                    # Short timeouts: with Redis down a page answers 503 at once instead of hanging.
                    "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                    "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=1.0),
                    "CONNECTION_POOL_KWARGS": {"max_connections": 50},
                },
            },
            "fragments": FRAGMENTS_CACHE,
        }
        # ocipizza.sessions: Django's cache sessions, but Redis down is a 503 that keeps the cookie, not
        # an empty session whose cookie SessionMiddleware deletes.
        return caches, "ocipizza.sessions"
    # Without Redis: a cache every process on the machine shares, and sessions in the relational
    # database, so several workers still see the same carts.
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var_dir / "cache"),
        },
        "fragments": FRAGMENTS_CACHE,
    }
    return caches, "django.contrib.sessions.backends.db"


CACHES, SESSION_ENGINE = cache_settings(REDIS_URL, VAR_DIR)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_SAVE_EVERY_REQUEST = False
# Flash messages in the session, not in a cookie of their own the client could read or forge; so a
# visitor with a pending message always has a session (menu/rendering.py's is_plain_visitor counts on it).
MESSAGE_STORAGE = "ocipizza.messages.BoundedSessionStorage"
# A signed-in customer is signed out after this long without a request, and this long after signing in
# whatever the activity (accounts/middleware.py); the cart stays with the account.
CUSTOMER_SESSION_IDLE_SECONDS = env.int("CUSTOMER_SESSION_IDLE_SECONDS", default=7 * 24 * 60 * 60)
CUSTOMER_SESSION_MAX_SECONDS = env.int("CUSTOMER_SESSION_MAX_SECONDS", default=30 * 24 * 60 * 60)

# --- passwords ------------------------------------------------------------------------------------
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

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

# --- static files and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
# OCI Object Storage (STORAGE_BACKEND=oci; ocipizza/storage.py and the README's "Object Storage").
OCI_STORAGE = {
    "BUCKET": env("OCI_STORAGE_BUCKET", default="ocipizza-media"),
    "NAMESPACE": env("OCI_STORAGE_NAMESPACE", default=""),
    "ENDPOINT": env("OCI_STORAGE_ENDPOINT", default=""),
    "REGION": env("OCI_REGION", default=""),
    "AUTH": env("OCI_STORAGE_AUTH", default="") or env("OCI_AUTH", default="config"),
    "OCI_CONFIG_FILE": env("OCI_CONFIG_FILE", default="~/.oci/config"),
    "OCI_PROFILE": env("OCI_PROFILE", default="DEFAULT"),
    "URL_MODE": env("OCI_STORAGE_URL_MODE", default="public"),
    "URL_BASE": env("OCI_STORAGE_URL_BASE", default=""),
    "PAR_TTL": env.int("OCI_STORAGE_PAR_TTL", default=7 * 24 * 60 * 60),
    "TIMEOUT": env.float("OCI_STORAGE_TIMEOUT", default=5.0),
    "RETRIES": env.int("OCI_STORAGE_RETRIES", default=2),
}
STORAGES = {
    "default": {
        "BACKEND": {
            "local": "django.core.files.storage.FileSystemStorage",
            "oci": "ocipizza.storage.OCIObjectStorage",
        }.get(STORAGE_BACKEND, STORAGE_BACKEND),
    },
    "staticfiles": {"BACKEND": "ocipizza.staticstorage.StaticFilesStorage"},
}
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=STORAGE_BACKEND == "local")
# Photos from the bucket come from another origin: the CSP lets images load from it.
STORAGE_IMG_SRC = []
if STORAGE_BACKEND == "oci":
    _photos_at = urlsplit(
        OCI_STORAGE["URL_BASE"]
        or OCI_STORAGE["ENDPOINT"]
        # Without a region here the config file's region serves: any OCI endpoint then.
        or f"https://objectstorage.{OCI_STORAGE['REGION'] or '*'}.oraclecloud.com"
    )
    STORAGE_IMG_SRC = [f"{_photos_at.scheme}://{_photos_at.netloc}"]

# --- e-mail ---------------------------------------------------------------------------------------
# Django's own default (an SMTP relay on this machine); local.py prints to the console instead, and
# `check --deploy` refuses the console (ocipizza.E001): it would write usable links into the logs.
EMAIL_CONFIG = env.email("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OCI PIZZA <pedidos@ocipizza.com.br>")
# Mail goes through the outbox table (ocipizza/mail) and leaves through a dispatcher: smtp (Django's
# EMAIL_BACKEND above) or oci_functions (the send_mail function on Fn Project / OCI Functions).
MAIL_DISPATCHER = env("MAIL_DISPATCHER", default="smtp")
# Try each new message right after the response, with a short timeout; send_outbox is the guarantee.
MAIL_SEND_IMMEDIATELY = env.bool("MAIL_SEND_IMMEDIATELY", default=True)
MAIL_IMMEDIATE_TIMEOUT = env.float("MAIL_IMMEDIATE_TIMEOUT", default=3.0)
MAIL_SEND_TIMEOUT = env.float("MAIL_SEND_TIMEOUT", default=20.0)
# A sender holds a message this long; far above MAIL_SEND_TIMEOUT, so no one overtakes a slow send.
MAIL_OUTBOX_LEASE_SECONDS = env.int("MAIL_OUTBOX_LEASE_SECONDS", default=120)
MAIL_OUTBOX_MAX_ATTEMPTS = env.int("MAIL_OUTBOX_MAX_ATTEMPTS", default=60)
# Called by every send_outbox round before sending, as producer(limit=, progress=), to queue mail they
# owe: orders' status e-mails are flagged on the order row and queued here.
MAIL_OUTBOX_PRODUCERS = [
    "orders.expiry.orders_pix_expire_producer",  # first, so the cancellation's e-mail leaves this round
    "orders.notifications.order_notifications_flush",
]
MAIL_FN = {
    "ENDPOINT": env("MAIL_FN_ENDPOINT", default=""),
    "FUNCTION_ID": env("MAIL_FN_FUNCTION_ID", default=""),
    "AUTH": env("MAIL_FN_AUTH", default="none"),  # none (Fn server), config, instance, resource
    "OCI_CONFIG_FILE": env("OCI_CONFIG_FILE", default="~/.oci/config"),
    "OCI_PROFILE": env("OCI_PROFILE", default="DEFAULT"),
}

# --- security -------------------------------------------------------------------------------------
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ocipizza.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (ocipizza.middleware): every browser feature the site does not use is off, for us
# and for anything framed; only the PIX "Copiar código" button writes to the clipboard.
# Names Chromium does not know would put a warning in every page's console, so only known ones.
PERMISSIONS_POLICY = {
    **dict.fromkeys(
        (
            *("accelerometer", "autoplay", "camera", "clipboard-read", "display-capture", "encrypted-media"),
            *("fullscreen", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer"),
            *("microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get"),
            *("screen-wake-lock", "serial", "usb", "xr-spatial-tracking"),
        ),
        (),
    ),
    "clipboard-write": ("self",),
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *STORAGE_IMG_SRC, *env.list("CSP_EXTRA_IMG_SRC", default=[])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "ocipizza.security_log.JsonLineFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # borneo logs through its own logger; route it here instead of its default logs/driver.log.
        "borneo": {"level": env("NOSQL_LOG_LEVEL", default="WARNING")},
        # The OCI SDK logs its circuit breaker set-up at INFO on every start.
        "oci": {"level": "WARNING"},
        # Authentication and staff actions, one JSON object per line (ocipizza/security_log.py), apart
        # from the plain lines so a shipper can route them to the audit store as they are.
        "ocipizza.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}

# --- the shop -------------------------------------------------------------------------------------
MENU_DATA_DIR = Path(env("MENU_DATA_DIR", default=str(BASE_DIR / "data" / "menu")))
PIZZERIA_PROFILE_FILE = Path(env("PIZZERIA_PROFILE_FILE", default=str(BASE_DIR / "data" / "pizzeria.json")))
SITE_NAME = "OCI PIZZA"
# The menu and profile kept decoded in each process (ocipizza/localcopy.py) are trusted this long
# without asking Redis whether they changed: a change made on another instance shows there this late.
LOCALCOPY_TRUST_SECONDS = env.float("LOCALCOPY_TRUST_SECONDS", default=1.0)
# A PIX order's code is good for this many minutes; an order still unpaid after that is cancelled.
ORDER_PIX_MINUTES = env.int("ORDER_PIX_MINUTES", default=30)
# The tracking page asks every this many seconds whether its order moved (one Redis read when not).
ORDER_PROGRESS_POLL_SECONDS = env.int("ORDER_PROGRESS_POLL_SECONDS", default=10)

# --- customer accounts (accounts/) -----------------------------------------------------------------
# Base of the links in e-mails, e.g. https://pedidos.ocipizza.com.br; empty: the request's own host.
SITE_URL = env("SITE_URL", default="")
# Bump when the privacy notice changes materially; each account records the version it accepted.
PRIVACY_NOTICE_VERSION = "2025-06-01"
# The encarregado (DPO) contact the privacy notice gives for LGPD requests.
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="privacidade@ocipizza.com.br")
# Called as hook(customer=...) before an account is deleted (LGPD), e.g. to anonymise its orders.
ACCOUNTS_DELETION_HOOKS = ["orders.services.orders_close_for_deletion", "orders.services.orders_anonymise"]
# Called as hook(customer=...) by the deletion page; each returns sentences on what deleting does to it.
ACCOUNTS_DELETION_NOTICES = ["orders.selectors.orders_deletion_notices"]
# Customers (back office): called as hook(customer=...) by the LGPD export; each returns sections to add.
ACCOUNTS_EXPORT_HOOKS = ["orders.export.orders_export"]

# --- CEP lookup (locations) -------------------------------------------------------------------------
# Built by `manage.py build_cep_db` into a new file swapped in atomically; the app only reads it.
CEP_DB_PATH = Path(env("CEP_DB_PATH", default=str(VAR_DIR / "cep.sqlite3")))
CEP_RANGES_CSV = Path(env("CEP_RANGES_CSV", default=str(BASE_DIR / "data" / "cep_ranges.csv")))
CEP_API_MAX_AGE = env.int("CEP_API_MAX_AGE", default=60 * 60 * 24)  # browsers and CDNs may cache hits

# --- rate limits (ocipizza/ratelimit.py) ------------------------------------------------------------
# scope: (requests, seconds) per fixed window, counted in Redis. The accounts' scopes are counted
# before any password is hashed; cep_api is per client IP on /api/cep/.
# Logins count per client, per (account, client) with growing lockouts, and per account with a much
# higher ceiling, so a stranger slows down without locking the owner out (see ocipizza/ratelimit.py).
RATE_LIMITS = {
    "login_ip": (30, 5 * 60),
    "login_client": (5, 15 * 60),
    "login_account": (100, 60 * 60),
    "signup_ip": (10, 60 * 60),
    "signup_email": (3, 60 * 60),
    "reset_ip": (10, 60 * 60),
    "reset_email": (3, 60 * 60),
    "resend_confirmation": (3, 60 * 60),
    "password_check": (5, 15 * 60),
    # Orders placed without an account, per client (the order caps also count per e-mail address).
    "guest_order_ip": (10, 60 * 60),
    # Staff sign-in (/gestao/): counted before the password hasher runs, as the customers' login.
    "staff_login_ip": (30, 5 * 60),
    "staff_login_client": (5, 15 * 60),
    "staff_login_account": (50, 60 * 60),
    "staff_otp": (5, 5 * 60),
    "cep_api": (env.int("CEP_API_RATE_LIMIT", default=60), env.int("CEP_API_RATE_WINDOW", default=60)),
}
# The CEP API's counter lives in Redis, but a busy client's hits are mostly granted from slots a process
# reserved ahead (ocipizza.ratelimit.SharedBudget): reservations double up to BATCH, and never exceed
# 1/SHARE of what is left of the window. The limit always holds; a burst spread over processes may be
# refused up to their unspent reservations early.
RATE_LIMIT_LOCAL_SHARE = env.int("RATE_LIMIT_LOCAL_SHARE", default=8)
RATE_LIMIT_LOCAL_BATCH = env.int("RATE_LIMIT_LOCAL_BATCH", default=16)
# The longest lockout of the escalating scopes (login_client, staff_login_client): 15 min, 30, 60... up to
# this; lockouts are remembered this long after the first.
RATE_LIMIT_MAX_LOCKOUT_SECONDS = 24 * 60 * 60
# Proxies in front of the app that append to X-Forwarded-For (the OCI load balancer: 1). With 0 the
# client is REMOTE_ADDR; trusting the header without a proxy would let anyone pick their own rate limit.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# /readyz checks the store's tables and write path at most this often per process (seconds).
READYZ_STORE_CACHE_SECONDS = env.float("READYZ_STORE_CACHE_SECONDS", default=5.0)
# Only the benchmarks (perf/run.py) turn this on: /perf/hello, the middleware floor they report.
PERF_HELLO_VIEW = env.bool("PERF_HELLO_VIEW", default=False)

# --- back office (/gestao/) ------------------------------------------------------------------------------
# A staff session ends after this long without a request: a working day and then some.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=14 * 60 * 60)
# ...and this long after signing in, however busy: a new day starts with the password (and the code).
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=16 * 60 * 60)
# The orders board shows one working day, which begins at this local hour (a shift past midnight stays
# in the day it began).
BACKOFFICE_DAY_STARTS_AT = env.int("BACKOFFICE_DAY_STARTS_AT", default=5)
# The issuer name authenticator apps show next to the managers' six-digit codes.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="OCI PIZZA")
# Wrong codes are limited by RATE_LIMITS["staff_otp"] (one policy for every limit, in Redis); django-otp's
# own per-device back-off would also refuse the right code typed a second after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0
