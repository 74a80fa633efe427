"""Default configuration.

Overridden, in order, by ``instance/config.py``, ``FORUM_*`` environment variables
(``app.config.from_prefixed_env("FORUM")``) and the ``test_config`` passed to ``create_app``.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    # Filled in by create_app from instance/secret_key when not configured, so a fresh
    # install is secure without a manual step and sessions survive restarts.
    SECRET_KEY: str | None = None

    # None means "SQLite in the instance folder"; create_app resolves the path.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    SEARCH_BACKEND = "whoosh"  # "whoosh" | "null"
    SEARCH_INDEX_DIR: str | None = None  # default: instance/search

    COMMUNITY_NAME = "Circolo"
    DEFAULT_LOCALE = "en"
    SUPPORTED_LOCALES = ("en", "it", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    THEME = "core"
    # How often (seconds) each worker looks at the settings version, to apply an admin's theme or
    # plugin change without a restart (forum/live_settings.py). None: never (a restart applies it).
    SETTINGS_CHECK_SECONDS: float | None = 1.0
    THEME_DIRS: tuple[str, ...] = (str(PROJECT_ROOT / "themes"),)
    PLUGIN_DIRS: tuple[str, ...] = (str(PROJECT_ROOT / "plugins"),)
    SAFE_MODE = False
    # Disabled until an admin enables them in Admin -> Plugins (the example is for developers).
    DEFAULT_DISABLED_PLUGINS: tuple[str, ...] = ("example_badge",)

    # Mail: with no MAIL_SERVER, messages are written to the log (and kept in memory in tests).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Circolo <no-reply@localhost>"
    # "queue": mail is written to the outbox with the write that sends it and leaves through the
    # job queue after the commit, at most MAIL_RATE_PER_MINUTE a minute (providers throttle),
    # never twice (forum/mail/delivery.py). "inline" sends at once, inside the request (tests).
    MAIL_DELIVERY = "queue"
    MAIL_RATE_PER_MINUTE = 120
    MAIL_KEEP_DAYS = 7  # sent messages (they carry reset links) are deleted after this

    # Background jobs (forum/jobs): "queue" moves them through Huey (QUEUE_URL: unset = a SQLite
    # file in the instance folder, redis://… for several machines); "inline" runs a request's jobs
    # right after it (tests). JOBS_WORKER "in-process": the web process runs a consumer thread
    # (flask run delivers everything on its own); "external": `flask --app wsgi forum worker` does.
    JOBS_MODE = "queue"
    JOBS_WORKER = "in-process"
    JOBS_IN_PROCESS_THREADS = 2
    QUEUE_URL: str | None = None
    QUEUE_NAME = "circolo"
    JOBS_KEEP_DAYS = 7  # finished jobs are forgotten after this; failed ones wait for an admin

    # The address members use, e.g. "https://community.example.com". Every absolute link (mail,
    # calendar files, feeds) is built from it, never from the request's Host, and when set,
    # requests for any other host are refused (TRUSTED_HOSTS). Unset: http://127.0.0.1:5000.
    PUBLIC_URL: str | None = None

    # Number of reverse proxies in front of the app (nginx: 1). Without it every visitor shares
    # the proxy's IP, so rate limits and audit IPs would be wrong.
    PROXIES = 0

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # When the storage (Redis) is down, count in this process's memory (the same limits, per
    # worker) with one warning, and go back to Redis when it answers again: never a 500. Short
    # socket timeouts so a dead Redis costs each request half a second at most, once.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_REGISTER = "5 per minute;20 per hour"
    RATELIMIT_RESET = "5 per minute;20 per hour"
    # Per member, whether from the page or the API (forum.extensions.member_action_limit):
    # posting (new topics, replies, edits; only what was posted counts), flags, RSVPs, escalations.
    RATELIMIT_POSTING = "6 per minute;120 per hour"
    RATELIMIT_FLAG = "20 per minute;200 per day"
    RATELIMIT_RSVP = "30 per minute"
    RATELIMIT_ESCALATE = "20 per hour"
    # Private messages sent (new conversations and replies; previews and refusals do not count).
    RATELIMIT_MESSAGE = "6 per minute;60 per hour"
    # The data-rights forms (a copy of one's data, deleting one's account), per member.
    RATELIMIT_PRIVACY = "10 per hour;30 per day"
    # Moderators' crisis forms (slow mode, timers, locks, announcements), per member.
    RATELIMIT_CRISIS = "60 per hour"
    # Reading the member directory: enough for a person paging through it, not for harvesting it.
    RATELIMIT_DIRECTORY = "30 per minute;300 per hour"
    # Search, /search and /api/v1/search in the same buckets: visitors per IP, members per account.
    RATELIMIT_SEARCH = "30 per minute;300 per hour"
    RATELIMIT_SEARCH_MEMBER = "60 per minute;600 per hour"
    # Bounds on one search's work. Index terms all its prefix* together may expand to (over it,
    # each prefix keeps its most frequent terms); seconds of matching before the hits found so
    # far are shown; deepest results page served (each page deeper costs a longer top list).
    SEARCH_MAX_EXPANSIONS = 64
    SEARCH_TIME_BUDGET_SECONDS = 0.15  # ~10x a plain search; 0.5 s measured 20x (benchmarks/README.md)
    SEARCH_MAX_PAGE = 50
    # Per account, whatever the IP: this many failed sign-ins within the window lock the account
    # for LOGIN_LOCK_SECONDS (the owner is mailed once per lock); reset mails per account per hour.
    LOGIN_FAILURES_BEFORE_LOCK = 10
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_LOCK_SECONDS = 15 * 60
    PASSWORD_RESET_MAILS_PER_HOUR = 3

    EMAIL_VERIFY_MAX_AGE = 3 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 2 * 3600
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set FORUM_SESSION_COOKIE_SECURE=true behind HTTPS (see README, production).
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: no lost drafts after lunch

    # The largest request the site reads (forum/web_security.py): a post is at most
    # MAX_POST_LENGTH characters, so 2 MiB leaves room for any form and refuses a 150 MB
    # POST before it is read. Uploads get their own limit on their own route.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    MAX_FORM_PARTS = 500

    # Uploaded files (forum/uploads/storage.py): "" keeps them in instance/uploads/;
    # "s3://bucket/prefix" puts them in an S3-compatible store (README: storage).
    STORAGE_URL = ""
    STORAGE_S3_ENDPOINT_URL: str | None = None
    STORAGE_S3_REGION: str | None = None
    STORAGE_S3_ACCESS_KEY_ID: str | None = None
    STORAGE_S3_SECRET_ACCESS_KEY: str | None = None
    STORAGE_S3_ADDRESSING: str | None = None
    STORAGE_S3_SERVE = "redirect"
    STORAGE_S3_URL_EXPIRES = 300
    # Let nginx send local files (README: X-Accel-Redirect): the internal location's prefix.
    STORAGE_LOCAL_ACCEL_REDIRECT: str | None = None

    # Sign-in with the brand's identity providers (OpenID Connect): a list of providers, each
    # key documented in forum/sso/providers.py and README ("Sign in with your brand's accounts").
    # Configuration, not admin settings: they carry client secrets. SSO_ONLY: members sign in
    # only through a provider (administrators keep their password: the break-glass login).
    OIDC_PROVIDERS: list[dict] = []
    SSO_ONLY = False

    # The REST API (/api/v1): counted per member (all their keys and their session together; an
    # admin key per key; visitors per IP), on top of each route's own limits (posting:
    # RATELIMIT_POSTING, search: RATELIMIT_SEARCH / RATELIMIT_SEARCH_MEMBER).
    RATELIMIT_API = "300 per minute;5000 per hour"

    # Webhooks (forum/webhooks/services/delivery.py): seconds per socket operation and for a
    # whole delivery; an endpoint is turned off after this many failed deliveries in a row
    # (each after all its retries); finished deliveries are kept this many days in the log.
    WEBHOOKS_TIMEOUT = 5.0
    WEBHOOKS_DEADLINE = 10.0
    WEBHOOKS_DISABLE_AFTER = 5
    WEBHOOKS_KEEP_DAYS = 30

    POSTS_PER_PAGE = 20
    TOPICS_PER_PAGE = 30
    MAX_POST_LENGTH = 32_000
    MIN_POST_LENGTH = 2
    MAX_TITLE_LENGTH = 200
    MIN_TITLE_LENGTH = 5
