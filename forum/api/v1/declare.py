"""How an API route is declared: once, with everything the OpenAPI document says about it.

A resource module (``forum/api/v1/categories.py`` is the example to copy) makes one
:class:`Resource` (an OpenAPI tag), registers the JSON Schemas of its representations on it
with :meth:`Resource.schema`, and declares each route with :meth:`Resource.route`::

    api = Resource("categories", "Forum categories.")
    CATEGORY = api.schema("Category", {"type": "object", ...})

    @api.route("GET", "/categories/{slug}", summary="One category",
               params=[path("slug", STRING)], response=CATEGORY)
    def get_category(req: ApiRequest, slug: str) -> Any:
        return category_json(services.get_category(req.user, slug))

The declaration is the single source of: the Flask rule (``{slug}`` -> ``<slug>``,
an integer parameter -> ``<int:…>``), the caller checks (``member``: signed in or 401;
``scopes``: each needed, else 403; a session's state change needs its CSRF token), query
parameters parsed and bounded (400 with ``fields``), the JSON body checked against ``body``
(415 / 400 / 422 with ``fields``), ``paginated`` lists (``cursor`` and ``limit`` in, ``{"items",
"next"}`` out), the status, ``ETag`` / 304 on reads, extra rate limits, and the OpenAPI
operation (:mod:`.openapi`). The view receives an :class:`ApiRequest` and the path values, and
returns the representation (a dict or list, or :func:`page`), or an :class:`Answer` for a
status or headers of its own. It calls the same domain services as the web pages, with
``req.user``: the permission checks are the services' and the domains' permissions modules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_babel import ngettext

from forum.extensions import member_action_limit, succeeded
from forum.text import ascii_int, strip_control_chars
from forum.web_input import INT_MAX

from . import auth
from .errors import ApiError

JSON_MIME = "application/json"
DEFAULT_LIMIT = 30
MAX_LIMIT = 100

# Shared schemas for parameters and fields.
STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
DATETIME: dict[str, Any] = {"type": "string", "format": "date-time"}
URL: dict[str, Any] = {"type": "string", "format": "uri"}
CURSOR = {"$ref": "#/components/schemas/Cursor"}


@dataclass(frozen=True)
class Setting:
    """A schema value read from the site's configuration (forum/config.py) when the schema is
    used, e.g. a title's ``minLength``: the document and the check say what the forms say."""

    name: str


def resolved(schema: Any) -> Any:
    """``schema`` with every :class:`Setting` replaced by the current app's value."""
    if isinstance(schema, Setting):
        return current_app.config[schema.name]
    if isinstance(schema, dict):
        return {k: resolved(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [resolved(v) for v in schema]
    return schema


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """A value that may be null (OpenAPI 3.1: JSON Schema's own ``type`` list / anyOf)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    return {**schema, "type": [kind, "null"]} if isinstance(kind, str) else {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Any], *, required: Iterable[str] | None = None, extra: bool = False) -> dict[str, Any]:
    """An object schema; every property required unless ``required`` says otherwise."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required), "additionalProperties": extra}


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # "path" | "query"
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


def path(name: str, schema: dict[str, Any], description: str = "") -> Param:
    return Param(name, "path", schema, description, required=True)


def query(name: str, schema: dict[str, Any], description: str = "", *, required: bool = False) -> Param:
    return Param(name, "query", schema, description, required)


PAGE_PARAMS = (
    query("cursor", {"type": "string", "maxLength": 64},
          "The `next` value of the previous page; omit for the first page."),
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
          "Items per page."),
)


@dataclass
class ApiRequest:
    """What a view gets: the caller, parsed query values, the checked JSON body."""

    caller: auth.Caller
    args: dict[str, Any]
    body: dict[str, Any]

    @property
    def user(self) -> Any:
        return self.caller.user

    @property
    def cursor(self) -> str | None:
        return self.args.get("cursor") or None

    @property
    def limit(self) -> int:
        return int(self.args.get("limit") or DEFAULT_LIMIT)


@dataclass
class Answer:
    """A view's answer with a status or headers of its own (201 + Location)."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def page(items: Sequence[Any], next_cursor: str | None) -> dict[str, Any]:
    """A paginated answer: ``{"items": [...], "next": cursor or null}``."""
    return {"items": list(items), "next": next_cursor}


@dataclass
class Operation:
    method: str
    path: str
    view: Callable[..., Any]
    summary: str
    description: str
    scopes: tuple[str, ...]
    member: bool
    params: tuple[Param, ...]
    body: dict[str, Any] | None
    response: dict[str, Any] | None
    status: int
    paginated: bool
    errors: tuple[int, ...]
    tag: str
    limits: tuple[Callable[[Callable[..., Any]], Callable[..., Any]], ...] = ()

    @property
    def endpoint(self) -> str:
        return self.view.__name__

    @property
    def all_params(self) -> tuple[Param, ...]:
        return self.params + (PAGE_PARAMS if self.paginated else ())

    @property
    def response_schema(self) -> dict[str, Any] | None:
        if self.response is None or not self.paginated:
            return self.response
        return obj({"items": {"type": "array", "items": self.response}, "next": nullable(CURSOR)})

    @property
    def flask_rule(self) -> str:
        types = {p.name: p.schema.get("type") for p in self.params if p.location == "path"}
        return re.sub(r"\{(\w+)\}", lambda m: f"<int:{m.group(1)}>" if types.get(m.group(1)) == "integer"
                      else f"<{m.group(1)}>", self.path)


class Resource:
    """A group of routes (one OpenAPI tag) and the schemas of their representations."""

    def __init__(self, tag: str, description: str = "") -> None:
        self.tag = tag
        self.description = description
        self.operations: list[Operation] = []
        self.schemas: dict[str, dict[str, Any]] = {}

    def schema(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        """Register a component schema (a representation); returns its ``$ref``."""
        self.schemas[name] = schema
        return ref(name)

    def route(self, method: str, path_: str, *, summary: str, description: str = "",
              scopes: Sequence[str] = ("read",), member: bool = False, params: Sequence[Param] = (),
              body: dict[str, Any] | None = None, response: dict[str, Any] | None = None, status: int = 200,
              paginated: bool = False, errors: Sequence[int] = (),
              limits: Sequence[Callable[[Callable[..., Any]], Callable[..., Any]]] = ()
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a route. ``scopes``: what a key needs (visitors have ``read``); ``member``:
        only for someone signed in; ``errors``: statuses besides the ones every route may
        answer; ``limits``: extra Flask-Limiter decorators (posting's per-member limit)."""
        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            self.operations.append(Operation(
                method.upper(), path_, view, summary, description, tuple(scopes), member, tuple(params),
                body, response, status, paginated, tuple(errors), self.tag, tuple(limits)))
            return view
        return decorate


# --- the view wrapper ----------------------------------------------------------------------------

def _parse_param(param: Param, raw: str) -> Any:
    schema = param.schema
    kind = schema.get("type")
    if kind == "integer":
        value = ascii_int(raw.lstrip("-"), digits=19) if raw else None
        if value is not None and raw.startswith("-"):
            value = -value
        if value is None or value < schema.get("minimum", -INT_MAX) or value > schema.get("maximum", INT_MAX):
            raise ValueError
        return value
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError
        return raw == "true"
    if "enum" in schema and raw not in schema["enum"]:
        raise ValueError
    if len(raw) > schema.get("maxLength", 1000) or len(raw) < schema.get("minLength", 0):
        raise ValueError
    return raw


def _param_message(param: Param) -> str:
    schema = param.schema
    if schema.get("type") == "integer" and "minimum" in schema and "maximum" in schema:
        return _("Use a whole number from %(min)d to %(max)d.", min=schema["minimum"], max=schema["maximum"])
    if "enum" in schema:
        return _("Use one of: %(values)s.", values=", ".join(schema["enum"]))
    return _("This value is not valid.")


def _query_args(op: Operation) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for param in op.all_params:
        if param.location != "query":
            continue
        raw = request.args.get(param.name)
        if raw is None or raw == "":
            if param.required:
                problems[param.name] = _("This value is required.")
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        try:
            values[param.name] = _parse_param(param, raw)
        except ValueError:
            problems[param.name] = _param_message(param)
    if problems:
        raise ApiError(400, fields=problems)
    return values


def _field_name(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        match = re.match(r"'([^']+)'", error.message)
        return match.group(1) if match else ""
    if error.validator == "additionalProperties":
        return ""
    return ".".join(str(p) for p in error.absolute_path)


def _field_message(error: jsonschema.ValidationError) -> str:
    """A field's message; a title's or a text's length in the words of the forms' own check
    (forum.discussions.services), so "" and "Hi" read the same sentence."""
    field_name = str(error.absolute_path[-1]) if error.absolute_path else ""
    limit = error.validator_value if isinstance(error.validator_value, int) else 0
    if error.validator == "minLength":
        if field_name == "title":
            return _("Please write a title of at least %(n)d characters.", n=limit)
        if limit <= 1:
            return _("This value is required.")
        return _("Please write at least %(n)d characters.", n=limit)
    if error.validator == "maxLength":
        if field_name == "title":
            return _("Please keep the title under %(n)d characters.", n=limit)
        return ngettext("Write at most %(num)d character.", "Write at most %(num)d characters.", limit)
    return {
        "required": _("This value is required."),
        "additionalProperties": _("Unknown fields: send only the documented ones."),
    }.get(str(error.validator), _("This value is not valid."))


MAX_DEPTH = 32


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON value nests arrays/objects deeper than ``limit`` (checked without
    recursion, before anything recursive such as :func:`_clean` or jsonschema walks it)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _clean(value: Any) -> Any:
    """A JSON value as the site's forms see theirs (web_input.CleanMultiDict): control characters
    and lone surrogates removed from every string (PostgreSQL cannot store NUL), whole numbers
    written as 2.0 read as 2."""
    if isinstance(value, str):
        return strip_control_chars(value)
    if isinstance(value, dict):
        return {strip_control_chars(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) <= INT_MAX:
        return int(value)
    return value


def _json_body(op: Operation) -> dict[str, Any]:
    if op.body is None:
        return {}
    if not request.content_length and not op.body.get("required"):
        return {}  # nothing sent where every field is optional ("hide this post"): as {}
    if request.mimetype != JSON_MIME:
        raise ApiError(415)
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit, reached before ours could look
        data = None
        deep = True
    else:
        deep = data is not None and _too_deep(data)
    if deep:
        raise ApiError(400, _("The body nests objects or arrays too deeply (at most %(max)d levels).",
                              max=MAX_DEPTH))
    if data is None:
        raise ApiError(400, _("The body is not valid JSON."))
    data = _clean(data)
    validator = jsonschema.Draft202012Validator(resolved(op.body))
    problems: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        problems.setdefault(_field_name(error), _field_message(error))
    if problems:
        general = problems.pop("", None)
        raise ApiError(422, general, fields=problems)
    return data  # type: ignore[no-any-return]


def _json_response(body: Any, status: int, headers: dict[str, str], caller: auth.Caller) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    response = Response(data, status=status, mimetype=JSON_MIME, headers=headers)
    response.headers["Vary"] = "Authorization, Cookie, Accept-Language"
    if request.method in ("GET", "HEAD") and status == 200:
        etag = hashlib.sha256(data).hexdigest()[:40]
        response.set_etag(etag)
        response.headers["Cache-Control"] = "private, no-cache" if caller.is_authenticated else "no-cache"
        if request.if_none_match.contains(etag):
            response.status_code = 304
            response.set_data(b"")
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


def _wrap(op: Operation) -> Callable[..., Any]:
    def view(**path_values: Any) -> Any:
        caller = auth.require(op.scopes, member=op.member)
        req = ApiRequest(caller, _query_args(op), _json_body(op))
        result = op.view(req, **path_values)
        if isinstance(result, Response):
            return result
        answer = result if isinstance(result, Answer) else Answer(result, op.status)
        if answer.status == 204:
            return Response(status=204, headers={"Cache-Control": "no-store", **answer.headers})
        return _json_response(answer.body, answer.status, answer.headers, caller)

    view.__name__ = op.endpoint
    view.__doc__ = op.view.__doc__
    wrapped: Callable[..., Any] = view
    for extra in op.limits:
        wrapped = extra(wrapped)
    return wrapped


def register(bp: Blueprint, resources: Iterable[Resource]) -> None:
    seen: set[str] = set()
    for resource in resources:
        for op in resource.operations:
            if op.endpoint in seen:
                raise RuntimeError(f"two API routes are named {op.endpoint!r}")
            seen.add(op.endpoint)
            bp.add_url_rule(op.flask_rule, op.endpoint, _wrap(op), methods=[op.method])


def member_rate_key(prefix: str) -> Callable[[], str]:
    """A rate-limit key per member (a key's member, a session's member), else per address."""
    def key() -> str:
        try:
            who = auth.caller()
        except ApiError:
            return f"{prefix}:ip:{request.remote_addr}"
        if who.is_authenticated:
            return f"{prefix}:member:{who.user.id}"
        return f"{prefix}:ip:{request.remote_addr}"
    return key


def caller_is_member() -> bool:
    """Whether the caller is a member (a key's, a session's); a key that fails is a visitor."""
    try:
        return auth.caller().is_authenticated
    except ApiError:
        return False


def member_limit(config_key: str, *, successes_only: bool = False,
                 exempt_when: Callable[[], bool] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The web's per-member allowance for an action (forum.extensions.member_action_limit), in
    the same bucket: a member has one allowance however they act. ``successes_only``: refused
    attempts (4xx) are not counted. Made once, at import: Flask-Limiter's limits are process-wide."""
    return member_action_limit(config_key, key_func=member_rate_key(config_key.lower()),
                               deduct_when=succeeded if successes_only else None, exempt_when=exempt_when)
