"""The REST API, ``/api/v1`` (issue 14).

* :mod:`.declare`: how a route is declared (once: rule, checks, parameters, body and response
  schemas, OpenAPI) — read its docstring, copy :mod:`.categories`;
* :mod:`.auth`: API keys and the session, scopes, CSRF for sessions;
* :mod:`.errors`: the one error shape;
* :mod:`.openapi`: the document at ``/api/v1/openapi.json``.

A new resource module is added to :data:`RESOURCES` (one line).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from forum import __version__
from forum.extensions import csrf, limiter

from . import (
    auth,
    categories,
    errors,
    escalations,
    events,
    moderation,
    notifications,
    openapi,
    posts,
    search,
    tags,
    topics,
    users,
)
from .declare import Resource, register

# Every resource module's Resource, in the order the document lists them.
RESOURCES: tuple[Resource, ...] = (categories.api, topics.api, posts.api, users.api, search.api,
                                   events.api, notifications.api, moderation.api, escalations.api, tags.api)


def api_rate_limit() -> str:
    return str(current_app.config["RATELIMIT_API"])  # forum/config.py


# One decorator for the process: Flask-Limiter's limiter is process-wide and keeps the limits it
# was given by value, so each app built (tests, live settings) adds the same limit, not one more.
rate_limit = limiter.limit(api_rate_limit, key_func=auth.rate_key)


def openapi_document() -> Any:
    return jsonify(openapi.document(RESOURCES, __version__))


def _retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter sends ``Retry-After`` with every answer of a limited route; under /api/v1 it
    is said only with a 429 (or a 503), where it means something."""
    if errors.is_api_request() and response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask) -> None:
    # A blueprint per app: the process may build several (live settings rebuild the app).
    bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    bp.add_url_rule("/openapi.json", "openapi_document", openapi_document, methods=["GET"])
    register(bp, RESOURCES)
    errors.install(app, bp)
    bp.after_request(auth.after_request)
    # Exempt from the site-wide check only so a key needs no token: auth.require checks the
    # token for every state change a session (cookie) makes.
    csrf.exempt(bp)
    rate_limit(bp)
    app.register_blueprint(bp)
    # First in the list, so it runs last: after the limiter's own after_request has added its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)
