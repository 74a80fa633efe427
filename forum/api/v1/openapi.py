"""The OpenAPI 3.1 document, generated from the route declarations (:mod:`.declare`) with
apispec: nothing about a route is written twice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apispec import APISpec

from forum.urls import public_base

from . import errors
from .declare import JSON_MIME, Operation, Resource, obj, ref, resolved

ERROR = obj({"error": obj({
    "code": {"type": "string", "enum": errors.all_codes(),
             "description": "A stable machine-readable code: the status's own (`not_found`…) or a more "
                            "precise one: " + ", ".join(f"`{code}` ({status})" for code, status
                                                        in errors.DETAILED_CODES.items()) + "."},
    "message": {"type": "string", "description": "A sentence for people, in the caller's language."},
    "fields": {"type": "object", "additionalProperties": {"type": "string"},
               "description": "Per-field messages for invalid input, every wrong field at once (empty otherwise)."},
})})

INTEGER_HEADER = {"schema": {"type": "integer"}}
RATE_HEADERS = {
    "X-RateLimit-Limit": {**INTEGER_HEADER, "description": "Requests allowed in the current window."},
    "X-RateLimit-Remaining": {**INTEGER_HEADER, "description": "Requests left in the current window."},
    "X-RateLimit-Reset": {**INTEGER_HEADER, "description": "When the window ends (Unix time, seconds)."},
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"},
                        "description": "The representation's tag: send it in `If-None-Match` for a 304."}}
LOCATION_HEADER = {"Location": {"schema": {"type": "string"}, "description": "The API address of what was created."}}
RETRY_HEADER = {"Retry-After": {**INTEGER_HEADER, "description": "Seconds to wait before trying again."}}

ERROR_TEXT = {
    400: "The request was not valid (a parameter, a cursor, the JSON, a session's missing CSRF token).",
    401: "No valid credentials: a missing, wrong or revoked key, or a suspended member.",
    403: "The caller may not do this (permissions, key scopes, a member who may not post now).",
    404: "Not found, or not visible to the caller.",
    405: "Method not allowed (an id in the path beyond the largest integer the API takes).",
    409: "A conflict with the current state (an edit of an outdated version).",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Some values are not valid; `fields` says which.",
    429: "Too many requests; see Retry-After.",
    503: "The service (search, the database) is briefly unavailable.",
}
# 405 only where it can happen: an id in the path beyond the integers the routes match leaves
# the address without that method; otherwise a documented operation's method is always allowed.
COMMON_ERRORS = (400, 401, 403, 404, 429, 503)
BODY_ERRORS = (413, 415, 422)

DESCRIPTION = """The forum for other programs.

Authenticate with an API key: `Authorization: Bearer circolo_…`. Members make keys in their
settings (scopes `read`, `write`); admins make keys for integrations in Admin → API keys
(also `moderation`, `admin`, optionally acting as a member). A key never reaches further than
its member may: the API shows and accepts exactly what the site's pages do. Without a key,
the API answers as it would a visitor.

Lists are cursor-paginated: pass the `next` of a page as `cursor` for the following one.
Reads carry a strong `ETag`; send it back in `If-None-Match` for a `304`. Errors are
`{"error": {"code", "message", "fields"}}`."""


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag]}
    if op.description:
        out["description"] = op.description
    security: list[dict[str, list[str]]] = [{"bearer": list(op.scopes)}]
    out["security"] = security if op.member or set(op.scopes) - {"read"} else [*security, {}]
    params = [{"name": p.name, "in": p.location, "required": p.required, "schema": p.schema,
               **({"description": p.description} if p.description else {})} for p in op.all_params]
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {JSON_MIME: {"schema": resolved(op.body)}}}
    responses: dict[str, Any] = {}
    schema = op.response_schema
    headers = {**RATE_HEADERS, **(ETAG_HEADER if op.method == "GET" else {}),
               **(LOCATION_HEADER if op.status == 201 else {})}
    if op.status == 204 or schema is None:
        responses[str(op.status)] = {"description": "Done.", "headers": headers}
    else:
        responses[str(op.status)] = {"description": "Created." if op.status == 201 else "OK.", "headers": headers,
                                     "content": {JSON_MIME: {"schema": schema}}}
    if op.method == "GET":
        responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)."}
    codes = set(COMMON_ERRORS) | set(op.errors) | (set(BODY_ERRORS) if op.body is not None else set())
    if any(p.location == "path" and p.schema.get("type") == "integer" for p in op.params):
        codes.add(405)
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    out["responses"] = responses
    return out


def document(resources: Iterable[Resource], version: str) -> dict[str, Any]:
    resources = list(resources)
    spec = APISpec(title="Circolo API", version=version, openapi_version="3.1.0",
                   info={"description": DESCRIPTION},
                   servers=[{"url": public_base() + "/api/v1"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "An API key: circolo_<prefix>_<secret>."})
    spec.components.schema("Error", ERROR)
    spec.components.schema("Cursor", {"type": "string", "description": "An opaque position in a list."})
    for code, text in ERROR_TEXT.items():
        codes = ", ".join(f"`{c}`" for c in errors.codes_of(code))
        spec.components.response(f"E{code}", {
            "description": f"{text} `error.code`: {codes}.",
            "headers": {**RATE_HEADERS, **RETRY_HEADER} if code == 429 else {},
            "content": {JSON_MIME: {"schema": ref("Error")}}})
    for resource in resources:
        spec.tag({"name": resource.tag, "description": resource.description})
        for name, schema in resource.schemas.items():
            spec.components.schema(name, schema)
    paths: dict[str, dict[str, Any]] = {}
    for resource in resources:
        for op in resource.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    for route, operations in paths.items():
        spec.path(path=route, operations=operations)
    return spec.to_dict()
