"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def succeeded(response: Any) -> bool:
    """A ``deduct_when`` for writes: only an answer that did what was asked (below 400) is
    counted, so a refused attempt (a 422 to correct, a 403) does not use up the allowance, nor
    does a form's Preview button (it posts the form, and writes nothing)."""
    return bool(response.status_code < 400) and "preview" not in request.form


def member_posting_limit() -> Any:
    """The one posting allowance (RATELIMIT_POSTING) of the pages that post: what was posted
    counts, previews and refusals do not; moderators are not held to it (tidying members'
    posts is their work). The API's routes count in the same bucket (forum/api/v1/declare.py)."""
    return member_action_limit("RATELIMIT_POSTING", methods=["POST"], deduct_when=succeeded,
                               exempt_when=lambda: bool(current_user.is_authenticated and current_user.is_moderator))


def member_action_limit(config_key: str, *, key_func: Callable[[], str] | None = None,
                        methods: list[str] | None = None,
                        deduct_when: Callable[[Any], bool] | None = None,
                        exempt_when: Callable[[], bool] | None = None) -> Any:
    """One allowance per member for an action, read from the configuration (``config_key``) and
    shared by every route that does it: the web form and the API count in the same bucket, so
    an integration cannot flag, answer or escalate twice as often as the page allows. The API
    passes its own key function (its caller is known only once its key is read); both give
    ``<scope>:member:<id>`` (a visitor: ``<scope>:ip:<address>``). ``deduct_when`` (e.g.
    :func:`succeeded`): count only those answers; ``exempt_when``: not counted at all (a limit
    for visitors only, another for members only)."""
    scope = config_key.lower()
    return limiter.shared_limit(lambda: str(current_app.config[config_key]), scope=scope,
                                key_func=key_func or per_member(scope), methods=methods,
                                deduct_when=deduct_when, exempt_when=exempt_when)


def per_member(prefix: str) -> Callable[[], str]:
    """A rate-limit key for "per member": the account's id, whatever browser or sign-in they use
    (not ``get_id()``, whose token a password change rotates, handing out a fresh allowance);
    visitors are counted per IP."""

    def key() -> str:
        if current_user.is_authenticated:
            return f"{prefix}:member:{current_user.id}"
        return f"{prefix}:ip:{request.remote_addr}"

    return key
