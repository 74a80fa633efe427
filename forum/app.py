"""The app factory: configuration, extensions, plugins and themes, then every domain.

Each domain package has an ``init_app(app)`` that registers all it adds (blueprint, core hook
implementations, setting defaults, interfaces it implements, search sources, demo data,
template helpers). :data:`DOMAINS` is the one list of them, lowest first: a domain may rely on
what the ones before it registered.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import (
    accounts,
    admin,
    api,
    cli,
    crisis,
    dates,
    demo,
    discussions,
    escalations,
    events,
    i18n,
    ideas,
    insights,
    jobs,
    live_settings,
    mail,
    members,
    messages,
    moderation,
    notifications,
    privacy,
    search,
    settings,
    sso,
    staff,
    tags,
    themes,
    uploads,
    web_input,
    web_security,
    webhooks,
)
from forum.accounts.code_of_conduct import current_coc_version
from forum.config import DefaultConfig
from forum.errors import NotFound, PermissionDenied
from forum.extensions import csrf, db, limiter, login_manager, migrate
from forum.plugins import manager as plugin_manager
from forum.plugins.manager import render_slot
from forum.urls import public_base, trusted_hosts

__version__ = "0.1.0"

log = logging.getLogger(__name__)

# Words in a driver's OperationalError that mean "not reachable right now", not "wrong statement".
DATABASE_DOWN_SIGNS = ("connection", "could not connect", "server closed", "database is locked",
                       "the database system is", "timeout")

# Lowest first. Search comes before the domains that contribute search sources only because
# it creates the index backend; the registry does not depend on the order.
DOMAINS: tuple[Callable[[Flask], None], ...] = (
    accounts.init_app,
    sso.init_app,
    notifications.init_app,
    search.init_app,
    discussions.init_app,
    tags.init_app,
    moderation.init_app,
    staff.init_app,
    events.init_app,
    uploads.init_app,
    messages.init_app,
    escalations.init_app,
    privacy.init_app,
    ideas.init_app,
    crisis.init_app,
    members.init_app,
    insights.init_app,
    api.init_app,
    webhooks.init_app,
    admin.init_app,
    demo.init_app,
    cli.init_app,
)


def _secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder: secure without a setup step."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers proceed while one writer writes; foreign keys are off by default in SQLite.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The app, fronted by :mod:`forum.live_settings` so a theme or plugin change made by an
    admin rebuilds it in every worker without a restart."""
    app = _build_app(test_config)
    # The new app takes the running one's configuration as it is now (values set at run time
    # included), so only what the database says changes.
    live_settings.install(app, lambda current: _build_app(dict(current.config), previous=current))
    _start_in_process_worker(app)
    return app


def _start_in_process_worker(app: Flask) -> None:
    """A web server with no worker of its own (JOBS_WORKER = "in-process", the Quickstart) runs
    the job consumer in its own threads, so mail and fan-out still happen. Started at the
    process's first request, not here: a server that builds the app and then forks its workers
    (gunicorn --preload) would otherwise leave the threads behind in the parent."""
    transport = jobs.transport(app)
    if transport is None or app.testing or not _serving() or app.config.get("JOBS_WORKER") != "in-process":
        return
    threads = int(app.config.get("JOBS_IN_PROCESS_THREADS") or 2)

    @app.before_request
    def _start_consumer() -> None:
        jobs.start_in_process(transport, threads)


def _build_app(test_config: dict[str, Any] | None, previous: Flask | None = None) -> Flask:
    """Build the app. ``previous``: the app this one replaces in a running process (a theme or
    plugin change), whose process-wide state carries over: rate-limit counts, the mail thread."""
    app = Flask("forum", instance_relative_config=True)
    web_input.init_app(app)  # before any route: it sets the URL converters
    _configure(app, test_config)
    _init_extensions(app, previous)
    settings.init_app(app)
    _init_plugins_and_themes(app)
    for init_domain in DOMAINS:
        init_domain(app)
    plugin_manager.start(app)
    jobs.start(app, previous)
    _init_templates(app)
    _init_errors(app)
    web_security.init_app(app)

    if previous is None:
        _startup_banner(app)

    @app.get("/healthz")
    def healthz() -> Any:
        db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok", version=__version__)

    return app


def _serving() -> bool:
    """Whether this process is a web server (``flask run``, gunicorn), not a CLI command or tests."""
    program = Path(sys.argv[0]).name if sys.argv else ""
    return "gunicorn" in program or (program == "flask" and "run" in sys.argv[1:])


def _startup_banner(app: Flask) -> None:
    """What an operator must know when the server starts: where mail goes, where links point."""
    if app.testing or not _serving():
        return
    lines = [f" * Links in mail and calendars point at {public_base(app)} (FORUM_PUBLIC_URL)"]
    notice = mail.startup_notice(app)
    if notice:
        lines.append(notice)
    print("\n".join(lines), flush=True)  # the console is the operator's interface here


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(DefaultConfig)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("FORUM")
    else:
        app.config.from_prefixed_env("FORUM")
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "forum.db")
    if not app.config["SEARCH_INDEX_DIR"]:
        app.config["SEARCH_INDEX_DIR"] = str(Path(app.instance_path) / "search")
    if isinstance(app.config["SUPPORTED_LOCALES"], str):
        app.config["SUPPORTED_LOCALES"] = tuple(app.config["SUPPORTED_LOCALES"].split(","))
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app)
    if int(app.config["PROXIES"]):
        n = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)  # type: ignore[method-assign]


# Flask-Limiter's one process-wide limiter makes a new storage at each init_app: a rebuilt app
# keeps the counts (an admin's theme change must not reset everyone's sign-in attempts).
_LIMITER_STATE = ("_storage", "_limiter", "_fallback_storage", "_fallback_limiter")


def _init_extensions(app: Flask, previous: Flask | None = None) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    kept = {name: getattr(limiter, name) for name in _LIMITER_STATE if hasattr(limiter, name)}
    limiter.init_app(app)
    if previous is not None:
        for name, value in kept.items():
            setattr(limiter, name, value)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    i18n.init_app(app)
    jobs.init_app(app)
    mail.init_app(app, previous)


def _init_plugins_and_themes(app: Flask) -> None:
    shape = live_settings.app_shape({}, app.config)
    # Admin choices live in the database; on a fresh install there is no table yet.
    with app.app_context():
        try:
            shape = live_settings.app_shape(settings.all_settings(), app.config)
        except Exception:  # no schema yet (fresh install): start with defaults
            db.session.rollback()
    live_settings.record_shape(app, shape)
    active_theme, disabled = shape
    themes.init_app(app, active_theme)
    plugin_manager.init_app(app, set(disabled))


def _init_templates(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        values = settings.all_settings()
        return {
            "settings": values,
            "community_name": values.get("community_name") or app.config["COMMUNITY_NAME"],
            "brand_css": themes.brand_css(values),
            "theme_stylesheets": themes.theme_stylesheets(),
            "locale_names": i18n.LOCALE_NAMES,
            "current_locale": str(get_locale()),
            "slot": lambda name, **kw: render_slot(f"forum_tpl_{name}", user=current_user, **kw),
            "current_coc_version": _current_coc_version(),
        }

    app.jinja_env.filters["datetime"] = dates.datetime_filter  # the one time format (macros/ui.html: time)
    app.jinja_env.globals["isoformat"] = lambda d: d.isoformat() if d else ""
    app.jinja_env.filters["reject_keys"] = lambda d, *keys: {k: v for k, v in d.items() if k not in keys}
    # Counts in the reader's locale: "1,234" / "1.234" / "1 234".
    app.jinja_env.filters["number"] = lambda n: format_number(n) if n is not None else ""


def _current_coc_version() -> int:
    if "coc_version" not in g:
        g.coc_version = current_coc_version()
    return int(g.coc_version)


def _init_errors(app: Flask) -> None:
    def page(code: int, title: str, message: str) -> Any:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=title), code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(e: Any) -> Any:
        return page(400, _("Bad request"), getattr(e, "description", "") or _("The request was not valid."))

    @app.errorhandler(403)
    @app.errorhandler(PermissionDenied)
    def forbidden(e: Any) -> Any:
        return page(403, _("Not allowed"), _("You do not have permission to do that."))

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(e: Any) -> Any:
        return page(404, _("Page not found"), _("This page does not exist or is not visible to you."))

    @app.errorhandler(413)
    def too_large(e: Any) -> Any:
        limit = max(1, int(current_app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024))
        return page(413, _("Too large"), _("This request is larger than the %(limit)d MB the site accepts. "
                                           "Shorten the text and try again.", limit=limit))

    @app.errorhandler(429)
    def too_many(e: Any) -> Any:
        return page(429, _("Slow down"), _("Too many attempts. Please wait a little and try again."))

    def failure_page(code: int, title: str, message: str) -> Any:
        # The request may have failed inside the database: roll back first, or the page's own
        # lookups (code of conduct, settings) raise PendingRollbackError on the failed session.
        with suppress(Exception):
            db.session.rollback()
        try:
            return page(code, title, message)
        except Exception:  # the layout needs the database too: a bare page rather than none
            log.exception("the %d page could not be rendered", code)
            body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
            return Response(body, code, mimetype="text/html")

    @app.errorhandler(500)
    def server_error(e: Any) -> Any:
        return failure_page(500, _("Something went wrong"), _("We have logged the error. Please try again later."))

    @app.errorhandler(DBAPIError)  # OperationalError, InterfaceError…: whatever the driver raised
    def database_unreachable(e: DBAPIError) -> Any:
        # The database is down, restarting or locked: say so (503, retry soon) instead of
        # "something broke". Other database errors (a bad statement, a constraint) are ordinary
        # 500s: re-raised, Flask logs them and answers with the 500 page above.
        # Only the driver's connection-level errors are read for signs: an IntegrityError's text
        # quotes the member's own values.
        unreachable = isinstance(e, (OperationalError, InterfaceError)) and any(
            sign in str(e.orig).lower() for sign in DATABASE_DOWN_SIGNS)
        if not (e.connection_invalidated or unreachable):
            raise e
        log.error("database unavailable: %s", e)
        return failure_page(503, _("Briefly unavailable"),
                            _("The site is briefly unavailable. Please try again in a minute."))
