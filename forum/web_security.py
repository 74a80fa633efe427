"""What every answer tells the browser: content security policy, transport security, caching,
and the size of request the site accepts. One module owns these so a view cannot forget them.

Policy
------
* **CSP.** Scripts only from this site (``script-src 'self'``: there is no inline script, and
  a test keeps it so); inline ``<style>`` elements need the per-response nonce
  (``csp_nonce()`` in templates: the brand's CSS); ``style`` *attributes* stay allowed
  (``style-src-attr``) because templates set CSS variables (category colours) and bleach
  keeps ``text-align`` in posts. Images may come from any https host (posts embed them).
  ``frame-ancestors 'none'``, ``form-action 'self'``, ``base-uri 'none'``,
  ``object-src 'none'``. Plugins that need more can add sources with
  :func:`allow_source` in their ``init_app``/start-up hook.
* **HSTS** when ``FORUM_PUBLIC_URL`` is https (a forum reached over plain http in
  development must not pin itself to https).
* **Caching.** A page for a signed-in member is never ``Cache-Control: public``: a shared
  cache would hand it (or a pending event's calendar file) to the next visitor. Such pages
  default to ``private, no-cache``.
* **Size.** ``MAX_CONTENT_LENGTH`` (default 2 MiB) and Flask's form memory limits refuse a
  150 MB POST before it is read; the answer is a translated 413 page. Uploads, when they
  come, get their own limit on their own route.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError

from forum.urls import public_base

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# Directive -> sources; "{nonce}" is replaced per response.
DEFAULT_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'nonce-{nonce}'"],
    "style-src-elem": ["'self'", "'nonce-{nonce}'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "https:", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'", "https:"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

HSTS_VALUE = "max-age=31536000"
STATIC_ENDPOINTS = frozenset({"static", "theme_static.static_file"})


def csp_nonce() -> str:
    """This response's nonce, for the rare inline element a template must emit."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def allow_source(app: Flask, directive: str, source: str) -> None:
    """Let a plugin or theme add a source (e.g. an analytics host to ``script-src``)."""
    policy: dict[str, list[str]] = app.extensions.setdefault("forum.csp", {})  # a domain's init_app runs first
    sources = policy.setdefault(directive, ["'self'"])
    if source not in sources:
        sources.append(source)


def content_security_policy() -> str:
    policy: dict[str, list[str]] = current_app.extensions["forum.csp"]
    nonce = csp_nonce()
    return "; ".join(f"{name} {' '.join(s.replace('{nonce}', nonce) for s in sources)}"
                     for name, sources in policy.items())


def _is_personal(response: Response) -> bool:
    """Whether the answer is for one signed-in member (not a static file)."""
    if request.endpoint in STATIC_ENDPOINTS:
        return False
    return bool(current_user and current_user.is_authenticated)


def _apply_cache_policy(response: Response) -> None:
    cache = response.headers.get("Cache-Control", "")
    if not _is_personal(response):
        return
    if "public" in cache:
        response.headers["Cache-Control"] = cache.replace("public", "private")
    elif not cache:
        response.headers["Cache-Control"] = "private, no-cache"


def init_app(app: Flask) -> None:
    added = app.extensions.get("forum.csp", {})  # allow_source() calls of the domains' init_app
    app.extensions["forum.csp"] = {k: list(v) for k, v in DEFAULT_POLICY.items()}
    for directive, sources in added.items():
        for source in sources:
            allow_source(app, directive, source)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    https = urlsplit(public_base(app)).scheme == "https" and bool(app.config.get("PUBLIC_URL"))

    @app.errorhandler(SecurityError)
    def untrusted_host(e: SecurityError) -> Any:
        # Refused before routing (TRUSTED_HOSTS): no URL can be built for this host, so the
        # answer is plain text rather than the themed error page.
        return Response(f"This site is served at {public_base()}\n", 400, mimetype="text/plain")

    @app.after_request
    def security_headers(response: Response) -> Any:
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS_VALUE)
        _apply_cache_policy(response)
        return response
