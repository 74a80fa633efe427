"""The configured OpenID Connect providers, read and checked once at start-up.

Configuration lives in the app config, not in an admin setting, because it carries client
secrets: ``FORUM_OIDC_PROVIDERS`` (a JSON list in the environment) or ``OIDC_PROVIDERS`` in
``instance/config.py``. Each provider is an object with these keys:

``id``            (required) short name in URLs and in the database: ``[a-z0-9_-]{1,32}``.
                  Never rename it once members have linked accounts.
``label``         the name on the "Sign in with …" button (default: the id).
``issuer``        (required) the issuer URL; discovery reads ``<issuer>/.well-known/openid-configuration``
                  and the discovered ``issuer`` must be exactly this. HTTPS, except loopback addresses.
``client_id``     (required) and ``client_secret`` (required): registered at the provider.
``scopes``        space-separated, must include ``openid`` (default ``"openid email profile"``).
``claims``        which claim holds what (dotted paths reach into objects, e.g.
                  ``"realm_access.roles"``). Defaults: ``{"email": "email", "email_verified":
                  "email_verified", "name": "name", "username": "preferred_username",
                  "locale": "locale", "groups": "groups"}``.
``group_roles``   ``{"<provider group>": "moderator" | "admin"}``. When set, the provider manages
                  the roles of the members who sign in with it: each sign-in gives the highest
                  mapped role, or "member" when none of their groups maps.
``group_staff_groups`` ``{"<provider group>": "<staff group name>"}``. The staff groups named
                  here are managed: each sign-in adds the member to those their groups map to and
                  removes them from the others. Staff groups not named here are left alone. A
                  staff group must exist (Admin → Staff); a missing one is logged and skipped.
``link_by_verified_email`` (default true) link a sign-in to an existing account when the
                  provider says the email is verified AND the account's email is verified here.
``fetch_userinfo`` (default true) also read the userinfo endpoint (its ``sub`` must match).
``csp_form_action`` extra origins (``["https://login.other.example"]``) the sign-in may pass
                  through: the "Sign in with …" button is a form, and the browser follows its
                  redirects only to origins the page's Content-Security-Policy ``form-action``
                  lists. The issuer's origin is always listed; add the hosts the provider sends
                  browsers on to, if its authorization endpoint lives elsewhere.
``logout``        what logging out does when the provider has an ``end_session_endpoint``:
                  ``"offer"`` (default: the signed-out page offers to sign out at the provider
                  too), ``"redirect"`` (go there at once), ``"off"``.

``FORUM_SSO_ONLY`` (default false): members sign in only through a provider; local passwords
and registration are refused, except the administrators' break-glass password sign-in at /login.
A config key rather than an admin setting: an admin flipping it from the web could lock every
member out, and it only makes sense together with the provider configuration that lives here.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from forum.accounts.models import Role

PROVIDER_ID_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
DEFAULT_CLAIMS: dict[str, str] = {"email": "email", "email_verified": "email_verified", "name": "name",
                                  "username": "preferred_username", "locale": "locale", "groups": "groups"}
LOGOUT_MODES = ("offer", "redirect", "off")
MAPPABLE_ROLES = (Role.MODERATOR.value, Role.ADMIN.value)
_KNOWN_KEYS = {"id", "label", "issuer", "client_id", "client_secret", "scopes", "claims", "group_roles",
               "group_staff_groups", "link_by_verified_email", "fetch_userinfo", "logout", "csp_form_action"}
_EXTENSION = "forum.sso.providers"


class ProviderConfigError(ValueError):
    """The provider configuration is wrong; the message says which provider and which key."""


@dataclass(frozen=True)
class Provider:
    id: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    claims: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CLAIMS))
    group_roles: Mapping[str, str] = field(default_factory=dict)
    group_staff_groups: Mapping[str, str] = field(default_factory=dict)
    link_by_verified_email: bool = True
    fetch_userinfo: bool = True
    logout: str = "offer"
    csp_form_action: tuple[str, ...] = ()

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def form_action_origins(self) -> tuple[str, ...]:
        parts = urlsplit(self.issuer)
        return (f"{parts.scheme}://{parts.netloc}", *self.csp_form_action)

    @property
    def managed_staff_groups(self) -> frozenset[str]:
        return frozenset(self.group_staff_groups.values())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_origin(value: str) -> bool:
    parts = urlsplit(value.rstrip("/"))
    return parts.scheme == "https" and bool(parts.hostname) and not (parts.path or parts.query or parts.fragment)


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = True, default: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ProviderConfigError(f"{where}: \"{key}\" must be a non-empty string")
    return value.strip()


def _mapping(raw: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                              for k, v in value.items()):
        raise ProviderConfigError(f"{where}: \"{key}\" must be an object of strings to strings")
    return dict(value)


def _flag(raw: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ProviderConfigError(f"{where}: \"{key}\" must be true or false")
    return value


def parse_provider(raw: Any, index: int) -> Provider:
    where = f"FORUM_OIDC_PROVIDERS[{index}]"
    if not isinstance(raw, dict):
        raise ProviderConfigError(f"{where} must be an object")
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise ProviderConfigError(f"{where}: unknown key(s) {', '.join(unknown)} "
                                  f"(known: {', '.join(sorted(_KNOWN_KEYS))})")
    provider_id = _text(raw, "id", where)
    if not PROVIDER_ID_RE.match(provider_id):
        raise ProviderConfigError(f"{where}: \"id\" must be 1 to 32 of a-z, 0-9, _ and -")
    where = f"OIDC provider \"{provider_id}\""
    issuer = _text(raw, "issuer", where).rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ProviderConfigError(f"{where}: \"issuer\" must be an https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ProviderConfigError(f"{where}: \"issuer\" must use https:// (http is for loopback tests only)")
    scopes = " ".join(_text(raw, "scopes", where, default="openid email profile").split())
    if "openid" not in scopes.split():
        raise ProviderConfigError(f"{where}: \"scopes\" must include openid")
    claims = {**DEFAULT_CLAIMS, **_mapping(raw, "claims", where)}
    unknown_claims = sorted(set(claims) - set(DEFAULT_CLAIMS))
    if unknown_claims:
        raise ProviderConfigError(f"{where}: \"claims\" knows {', '.join(DEFAULT_CLAIMS)}; "
                                  f"not {', '.join(unknown_claims)}")
    group_roles = _mapping(raw, "group_roles", where)
    bad_roles = sorted({r for r in group_roles.values() if r not in MAPPABLE_ROLES})
    if bad_roles:
        raise ProviderConfigError(f"{where}: \"group_roles\" maps to {' or '.join(MAPPABLE_ROLES)}, "
                                  f"not {', '.join(bad_roles)}")
    origins = raw.get("csp_form_action") or []
    if not isinstance(origins, list) or not all(isinstance(o, str) and _is_origin(o) for o in origins):
        raise ProviderConfigError(f"{where}: \"csp_form_action\" must be a list of origins like "
                                  "\"https://login.example.com\"")
    logout = _text(raw, "logout", where, default="offer")
    if logout not in LOGOUT_MODES:
        raise ProviderConfigError(f"{where}: \"logout\" must be one of {', '.join(LOGOUT_MODES)}")
    return Provider(
        id=provider_id, label=_text(raw, "label", where, default=provider_id), issuer=issuer,
        client_id=_text(raw, "client_id", where), client_secret=_text(raw, "client_secret", where),
        scopes=scopes, claims=claims, group_roles=group_roles,
        group_staff_groups=_mapping(raw, "group_staff_groups", where),
        link_by_verified_email=_flag(raw, "link_by_verified_email", where, True),
        fetch_userinfo=_flag(raw, "fetch_userinfo", where, True), logout=logout,
        csp_form_action=tuple(o.rstrip("/") for o in origins))


def parse_providers(raw: Any) -> dict[str, Provider]:
    """``FORUM_OIDC_PROVIDERS`` as given (a list, or its JSON text) -> providers by id."""
    if raw in (None, "", [], ()):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ProviderConfigError(f"FORUM_OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        raise ProviderConfigError("FORUM_OIDC_PROVIDERS must be a JSON list of provider objects")
    providers: dict[str, Provider] = {}
    for index, item in enumerate(raw):
        provider = parse_provider(item, index)
        if provider.id in providers:
            raise ProviderConfigError(f"OIDC provider \"{provider.id}\" is configured twice")
        providers[provider.id] = provider
    return providers


def init_app(app: Flask) -> None:
    providers = parse_providers(app.config["OIDC_PROVIDERS"])
    if app.config["SSO_ONLY"] and not providers:
        raise ProviderConfigError("FORUM_SSO_ONLY is set but no FORUM_OIDC_PROVIDERS are configured: "
                                  "nobody but administrators could sign in")
    app.extensions[_EXTENSION] = providers


def configured() -> dict[str, Provider]:
    return dict(current_app.extensions.get(_EXTENSION, {}))


def get(provider_id: str) -> Provider | None:
    return current_app.extensions.get(_EXTENSION, {}).get(provider_id)


def sso_only() -> bool:
    return bool(current_app.config.get("SSO_ONLY")) and bool(configured())


def configured_in(app: Flask) -> dict[str, Provider]:
    return dict(app.extensions.get(_EXTENSION, {}))
