"""Circolo: a self-hosted community forum a brand runs for its own customers."""

from __future__ import annotations

import logging
import os
import secrets
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

__version__ = "0.1.0"

log = logging.getLogger(__name__)

# Domain packages with a ``views.bp`` blueprint, registered in this order.
DOMAINS = ("accounts", "discussions", "admin", "notifications", "moderation", "staff", "events", "search")


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
    app = Flask(__name__, instance_relative_config=True)
    from forum.config import DefaultConfig

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

    if int(app.config["PROXIES"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)  # type: ignore[method-assign]
    _init_extensions(app)
    _init_plugins_and_themes(app)
    for domain in DOMAINS:
        app.register_blueprint(import_module(f"forum.{domain}.views").bp)
    _init_templates(app)
    _init_errors(app)
    _init_security_headers(app)

    from forum import cli

    cli.init_app(app)

    @app.get("/healthz")
    def healthz() -> Any:
        from forum.extensions import db

        db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok", version=__version__)

    return app


def _init_extensions(app: Flask) -> None:
    from forum import i18n, mail
    from forum.accounts.models import AnonymousUser
    from forum.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    i18n.init_app(app)
    mail.init_app(app)
    from forum.search import services as search_services

    search_services.init_app(app)
    # Import every domain's models so metadata (create_all, Alembic) sees all tables.
    for domain in DOMAINS:
        try:
            import_module(f"forum.{domain}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"forum.{domain}.models":
                raise

    from forum.accounts.services import load_user

    login_manager.user_loader(load_user)


def _init_plugins_and_themes(app: Flask) -> None:
    from forum import themes
    from forum.plugins import manager

    disabled: set[str] = set(app.config["DEFAULT_DISABLED_PLUGINS"])
    active_theme = None
    # Admin choices live in the database; on a fresh install there is no table yet.
    with app.app_context():
        try:
            from forum.admin.settings import all_settings

            values = all_settings()
            chosen = values.get("disabled_plugins")
            disabled = set(app.config["DEFAULT_DISABLED_PLUGINS"] if chosen is None else chosen)
            active_theme = values.get("theme")
        except Exception:  # no schema yet (fresh install): start with defaults
            from forum.extensions import db

            db.session.rollback()
    themes.init_app(app, active_theme)
    manager.init_app(app, disabled)


def _init_templates(app: Flask) -> None:
    from flask_babel import format_datetime, get_locale
    from flask_login import current_user

    from forum.admin.settings import all_settings
    from forum.i18n import LOCALE_NAMES
    from forum.plugins.manager import render_slot
    from forum.themes import brand_css, theme_stylesheets

    @app.context_processor
    def inject() -> dict[str, Any]:
        settings = all_settings()
        return {
            "settings": settings,
            "community_name": settings.get("community_name") or app.config["COMMUNITY_NAME"],
            "brand_css": brand_css(settings),
            "theme_stylesheets": theme_stylesheets(),
            "locale_names": LOCALE_NAMES,
            "current_locale": str(get_locale()),
            "slot": lambda name, **kw: render_slot(f"forum_tpl_{name}", user=current_user, **kw),
            "current_coc_version": _current_coc_version(),
        }

    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.globals["isoformat"] = lambda d: d.isoformat() if d else ""
    app.jinja_env.filters["reject_keys"] = lambda d, *keys: {k: v for k, v in d.items() if k not in keys}


def _current_coc_version() -> int:
    if "coc_version" not in g:
        from forum.accounts.services import current_coc_version

        g.coc_version = current_coc_version()
    return int(g.coc_version)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _init_security_headers(app: Flask) -> None:
    """Cheap browser protections on every answer; a view may set its own value first."""

    @app.after_request
    def security_headers(response: Any) -> Any:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _init_errors(app: Flask) -> None:
    from flask_babel import gettext as _

    from forum.errors import NotFound, PermissionDenied

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

    @app.errorhandler(429)
    def too_many(e: Any) -> Any:
        return page(429, _("Slow down"), _("Too many attempts. Please wait a little and try again."))

    @app.errorhandler(500)
    def server_error(e: Any) -> Any:
        return page(500, _("Something went wrong"), _("We have logged the error. Please try again later."))
