"""The API's one error shape: ``{"error": {"code", "message", "fields"}}``.

:func:`error_response` builds every error answer of ``/api/v1``; :func:`install` maps HTTP
errors, domain errors (:mod:`forum.errors`), CSRF failures and rate limits onto it, with the
message in the caller's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.pagination import InvalidCursor

PREFIX = "/api/v1"

# Status -> (code, message); messages are gettext'd when answering, in the caller's locale.
CODES: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "server_error", 503: "unavailable",
}
# Codes more precise than their status's, and the status each is answered with.
CSRF = "csrf"
INSUFFICIENT_SCOPE = "insufficient_scope"
POSTING_BLOCKED = "posting_blocked"
EDIT_CONFLICT = "edit_conflict"
DETAILED_CODES: dict[str, int] = {CSRF: 400, INSUFFICIENT_SCOPE: 403, POSTING_BLOCKED: 403, EDIT_CONFLICT: 409}


def codes_of(status: int) -> list[str]:
    """Every ``error.code`` an answer of ``status`` may carry (the OpenAPI document lists them)."""
    return [CODES[status], *(code for code, answered in DETAILED_CODES.items() if answered == status)]


def all_codes() -> list[str]:
    return [*CODES.values(), *DETAILED_CODES]


def _message(status: int) -> str:
    messages = {
        400: _("The request was not valid."),
        401: _("Send a valid API key: Authorization: Bearer <key>."),
        403: _("You do not have permission to do that."),
        404: _("This does not exist or is not visible to you."),
        405: _("This address does not take that method."),
        406: _("This address answers JSON only."),
        409: _("This changed meanwhile. Read it again and retry."),
        413: _("The request is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        422: _("Some values are not valid."),
        429: _("Too many requests. Please wait a little and try again."),
        500: _("Something went wrong. We have logged the error."),
        503: _("The site is briefly unavailable. Please try again in a minute."),
    }
    return messages.get(status, _("The request was not valid."))


class ApiError(Exception):
    """Raised by API code to answer an error: ``fields`` maps a field name to its message."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.fields = dict(fields or {})
        super().__init__(self.code)


def error_response(status: int, message: str | None = None, *, code: str | None = None,
                   fields: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """THE error answer: ``{"error": {"code", "message", "fields"}}`` with ``status``."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message or _message(status),
                      "fields": dict(fields or {})}}
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _http_error(e: HTTPException) -> Response:
    status = e.code or 500
    if status >= 500:
        db.session.rollback()
    # A werkzeug description is English and generic; ours (InvalidCursor, not-UTF-8) are lazily
    # translated: those are kept, the rest replaced by the message of the status.
    description = getattr(e, "description", None)
    message = str(description) if description is not None and type(description).__name__ == "LazyString" else None
    if isinstance(e, InvalidCursor):  # the pages' wording speaks of links; a program sent a parameter
        message = _("The cursor is not valid: use the `next` value of a previous page, or leave it out.")
    headers = {}
    if status == 405 and e.response is None:
        allowed = getattr(e, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    if status == 429:
        retry = getattr(e, "retry_after", None)
        if retry:
            headers["Retry-After"] = str(retry)
    return error_response(status, message, headers=headers)


def install(app: Flask, bp: Blueprint) -> None:
    """Errors raised inside the blueprint's views are answered by its handlers; a URL under
    ``/api/v1`` that matches no route (404, 405) is answered before the site's own page."""

    @bp.errorhandler(ApiError)
    def api_error(e: ApiError) -> Response:
        return error_response(e.status, e.message, code=e.code, fields=e.fields)

    @bp.errorhandler(ValidationFailed)
    def invalid(e: ValidationFailed) -> Response:
        db.session.rollback()
        fields = {k: v for k, v in e.errors.items() if k}
        return error_response(422, e.errors.get("") or (e.message if not fields else None), fields=fields)

    @bp.errorhandler(PermissionDenied)
    def forbidden(e: PermissionDenied) -> Response:
        db.session.rollback()
        return error_response(403)

    @bp.errorhandler(NotFound)
    def not_found(e: NotFound) -> Response:
        return error_response(404)

    @bp.errorhandler(CSRFError)
    def csrf_failed(e: CSRFError) -> Response:
        # 400, as everywhere on the site (Flask-WTF's answer; tests/test_security.py).
        return error_response(400, _("The form expired or the CSRF token is missing. Send it in X-CSRFToken."),
                              code=CSRF)

    @bp.errorhandler(DBAPIError)
    def database_error(e: DBAPIError) -> Response:
        # The site's handler decides whether the database is down (503) or the statement failed
        # (it re-raises: a 500); only the shape of its answer is the API's.
        site_handler = current_app.error_handler_spec.get(None, {}).get(None, {}).get(DBAPIError)
        if site_handler is None:
            raise e
        answer = current_app.make_response(site_handler(e))  # type: ignore[arg-type]
        return error_response(answer.status_code)

    @bp.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        return _http_error(e)

    # Flask prefers the site's handler for a status code over a blueprint's for a class:
    # the blueprint claims each status itself.
    for status in CODES:
        bp.register_error_handler(status, http_error)

    @bp.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        if isinstance(e, HTTPException):
            return _http_error(e)
        current_app.logger.exception("API request failed", exc_info=e)
        db.session.rollback()
        return error_response(500)

    @app.before_request
    def _unrouted_api_request() -> Any:
        # No route matched (or not for this method): the site's error page would answer HTML.
        failure = request.routing_exception
        if (failure is not None and is_api_request() and isinstance(failure, HTTPException)
                and (failure.code or 500) >= 400):
            return _http_error(failure)
        return None
