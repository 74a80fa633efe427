"""URLs: the only place that decides what an absolute link to this site looks like, and which
redirect targets we trust.

Absolute links leave the site (mail, calendar files, feeds, webhooks) and are read later,
somewhere else, so they must never be built from the request: ``Host`` and
``X-Forwarded-Host`` are chosen by whoever sends the request, and a password-reset link built
from them would hand a real token to the attacker's server. Every absolute URL is therefore
built from ``FORUM_PUBLIC_URL`` by :func:`external_url` / :func:`public_url`; with it unset (the
development default) links point at http://127.0.0.1:5000, where ``flask run`` serves.

:func:`trusted_hosts` turns the same setting into Flask's ``TRUSTED_HOSTS``, so in production a
request for any other host is refused (400) before a view runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

DEVELOPMENT_URL = "http://127.0.0.1:5000"


def public_base(app: Flask | None = None) -> str:
    """``FORUM_PUBLIC_URL`` without a trailing slash (the development default when unset)."""
    config = (app or current_app).config
    return str(config.get("PUBLIC_URL") or DEVELOPMENT_URL).rstrip("/")


def bot_user_agent(product: str = "Circolo") -> str:
    """The User-Agent of the forum's own requests to other sites (remote images, webhooks):
    the product and, as crawlers do, where to learn who is asking."""
    return f"{product} (+{public_base()})"


def public_url(path: str = "/") -> str:
    """An absolute URL for a site path ("/t/5" → "https://community.example.com/t/5")."""
    if not path.startswith("/"):
        path = "/" + path
    return public_base() + path


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, _external=True)``, but from ``FORUM_PUBLIC_URL``, never the request.

    Works outside a request too (CLI, jobs): the URL map is bound to the public address.
    """
    app = current_app
    parts = urlsplit(public_base(app))
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def public_host(app: Flask | None = None) -> str:
    """The public host name, lower case, without port ("community.example.com")."""
    return (urlsplit(public_base(app)).hostname or "127.0.0.1").lower()


def is_own_host(host: str | None, app: Flask | None = None) -> bool:
    """Whether a link's host is this site: the public host, with or without "www."."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    own = public_host(app)
    own = own[4:] if own.startswith("www.") else own
    host = host[4:] if host.startswith("www.") else host
    return host == own


def trusted_hosts(app: Flask) -> list[str] | None:
    """``TRUSTED_HOSTS`` for production: only the public host (a health check from the machine
    itself sends ``Host: <public host>`` too). None (any host) when ``FORUM_PUBLIC_URL`` is
    unset: development, where 127.0.0.1 and localhost both work."""
    if not app.config.get("PUBLIC_URL"):
        return None
    return [public_host(app)]


def safe_next(target: str | None, default: str = "/") -> str:
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    # "//evil.example" and "https://evil.example" both have a netloc; "/\\evil" was normalised above.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target
