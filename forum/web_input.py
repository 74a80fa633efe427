"""What the site accepts from a request before any view sees it: the one place input is cleaned.

Policy:

* **Control characters.** Every form and query-string value has C0 and C1 control characters
  removed, except tab, newline and carriage return (``forum.text.strip_control_chars``). A NUL
  cannot be stored by PostgreSQL (it raised ``DataError``, a 500, on every post containing one)
  and no person types these; removing them here means every field of every form, bundled or
  plugin, is covered without each form remembering to.
* **Invalid UTF-8** in a form or query string is a 400 with a clear message, not text stored with
  U+FFFD in place of the letters that were meant.
* **Numbers.** ``<int:…>`` URL parts and ``request.args.get(..., type=int)`` only yield values an id
  column (INTEGER) can hold; anything larger is "not found" (URLs) or the default (query
  parameters). A form field holding such a number (a category id) is "not found" too, from the
  driver's refusal (SQLite: OverflowError; PostgreSQL: "integer out of range"), never a 500.
* **Text in URLs** (``<slug>``, ``<username>``) with control characters does not match a route:
  a 404 instead of a query the database refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

from forum.extensions import db
from forum.text import has_control_chars, strip_control_chars

# Ids are INTEGER columns (32-bit on PostgreSQL): nothing larger can name a row.
INT_MAX = 2**31 - 1


class CleanMultiDict(ImmutableMultiDict[str, Any]):
    """Form and query values with control characters removed; ``get(type=int)`` stays in an id's range."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        super().__init__([(strip_control_chars(key) if isinstance(key, str) else key,
                           strip_control_chars(value) if isinstance(value, str) else value)
                          for key, value in iter_multi_items(mapping)])

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -INT_MAX <= value <= INT_MAX:
            return default
        return value


def not_utf8() -> BadRequest:
    return BadRequest(_("This request is not valid UTF-8 text. Please try again from the page itself."))


_REQUEST_LIMITS = "forum.request_limits"


def allow_larger_requests(app: Flask, endpoint: str, limit: Callable[[], int]) -> None:
    """Let ``endpoint`` read requests up to ``limit()`` bytes instead of ``MAX_CONTENT_LENGTH``
    (a form that carries files). Known once the URL is matched, so before anything (CSRF
    included) reads the body."""
    app.extensions.setdefault(_REQUEST_LIMITS, {})[endpoint] = limit


class ForumRequest(Request):
    parameter_storage_class = CleanMultiDict
    # Invalid UTF-8 is refused (400) instead of being stored with U+FFFD in place of letters.
    encoding_errors = "strict"

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and current_app:
            limit = current_app.extensions.get(_REQUEST_LIMITS, {}).get(self.url_rule.endpoint)
            if limit is not None:
                return int(limit())
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        # Werkzeug drops a form it cannot decode and the page would then say "this form has
        # expired" (no CSRF token): check the bytes first and say what is wrong. The body is
        # bounded by MAX_CONTENT_LENGTH, so reading it whole here costs nothing new.
        if self.mimetype == "application/x-www-form-urlencoded":
            try:
                unquote_to_bytes(self.get_data(cache=True).replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise not_utf8() from None
        super()._load_form_data()


class IntIdConverter(IntegerConverter):
    """``<int:…>`` that only matches what an id column can hold."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class _NoControlChars:
    def to_python(self, value: str) -> Any:
        if has_control_chars(value):
            raise ValidationError()
        return super().to_python(value)  # type: ignore[misc]


class TextConverter(_NoControlChars, UnicodeConverter):
    pass


class TextPathConverter(_NoControlChars, PathConverter):
    pass


def _number_out_of_range(exc: OverflowError) -> Any:
    # A form field (a category, an id) held a number no row can have: SQLite's driver refuses to
    # bind it. Whatever wanted that row does not find it.
    db.session.rollback()
    return current_app.handle_user_exception(NotFound())


def _database_refused_value(exc: DBAPIError) -> Any:
    # SQLSTATE 22003, numeric value out of range (by code: psycopg is not installed on SQLite sites).
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == "22003":
        db.session.rollback()
        return current_app.handle_user_exception(NotFound())
    raise exc


def _not_utf8(exc: UnicodeDecodeError) -> Any:
    return current_app.handle_user_exception(not_utf8())


def init_app(app: Flask) -> None:
    """Call before any route is added: converters are bound when rules are."""
    app.request_class = ForumRequest
    app.url_map.converters.update(default=TextConverter, string=TextConverter, path=TextPathConverter,
                                  int=IntIdConverter)
    app.register_error_handler(OverflowError, _number_out_of_range)
    app.register_error_handler(DataError, _database_refused_value)
    app.register_error_handler(UnicodeDecodeError, _not_utf8)

    @app.before_request
    def _refuse_a_query_that_is_not_utf8() -> None:
        # Werkzeug would drop the undecodable parameters silently (a search for nothing).
        try:
            unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise not_utf8() from None
