"""The OpenID Connect protocol, through Authlib's Flask client.

Authlib does discovery (``server_metadata_url``), the authorization code flow with PKCE
(``code_challenge_method="S256"``: a verifier kept in the signed session, its challenge sent),
the ``state`` check (the state names the session entry holding the nonce and the verifier: an
unknown state raises ``MismatchingStateError``), and :meth:`parse_id_token`: the signature
against the provider's JWKS (algorithms from discovery), ``iss``, ``aud``, ``exp``/``iat``,
``nonce`` and ``at_hash``. What it does not do is done here: the discovered issuer must be the
configured one, the callback's ``iss`` (RFC 9207) must be it too, the ID token must be present
and parsed (Authlib skips it when the state lacks a nonce), and userinfo's ``sub`` must match.

Outbound HTTP: these requests go to the endpoints of an issuer the operator configured (not to
an address a member typed), so they use Authlib's requests session with a timeout rather than
forum.outbound, which exists to keep member-supplied URLs off internal networks.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request

from .providers import Provider

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10  # seconds, for discovery, JWKS, token and userinfo requests
_EXTENSION = "forum.sso.oauth"


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used; ``reason`` is for the log, never shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def init_app(app: Flask, providers: dict[str, Provider]) -> None:
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(name=provider.id, client_id=provider.client_id, client_secret=provider.client_secret,
                       server_metadata_url=provider.metadata_url,
                       client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                                      "default_timeout": HTTP_TIMEOUT})
    app.extensions[_EXTENSION] = oauth


def _client(provider: Provider) -> Any:
    return getattr(current_app.extensions[_EXTENSION], provider.id)


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document (read once per process), its issuer checked."""
    try:
        data = dict(_client(provider).load_server_metadata())
    except Exception as exc:  # network, HTTP status, JSON: the provider cannot be used now
        raise SignInFailed(f"discovery at {provider.metadata_url} failed: {exc}") from exc
    if str(data.get("issuer", "")).rstrip("/") != provider.issuer:
        raise SignInFailed(f"discovery names issuer {data.get('issuer')!r}, configured {provider.issuer!r}")
    return data


def authorize_redirect(provider: Provider, redirect_uri: str, **params: Any) -> Any:
    """The redirect to the provider's sign-in (state, nonce and PKCE verifier kept in the session)."""
    metadata(provider)
    return _client(provider).authorize_redirect(redirect_uri, **params)


def finish(provider: Provider) -> tuple[dict[str, Any], str]:
    """The callback's verified claims and the raw ID token (kept for RP-initiated logout).
    Raises SignInFailed for anything untrustworthy."""
    issuer_param = request.args.get("iss")
    if issuer_param is not None and issuer_param.rstrip("/") != provider.issuer:
        raise SignInFailed(f"callback iss {issuer_param!r} is not {provider.issuer!r} (mix-up)")
    metadata(provider)
    client = _client(provider)
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:  # the provider's error, a state mismatch, a bad signature or claim
        raise SignInFailed(f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # joserfc's signature/claim errors, network errors
        raise SignInFailed(f"{type(exc).__name__}: {exc}") from exc
    claims = token.get("userinfo")
    id_token = token.get("id_token")
    if not claims or not id_token or not claims.get("sub"):
        raise SignInFailed("no verified ID token in the token response")
    merged = dict(claims)
    if provider.fetch_userinfo and metadata(provider).get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except Exception as exc:
            raise SignInFailed(f"userinfo failed: {exc}") from exc
        if extra.get("sub") != claims["sub"]:
            raise SignInFailed("userinfo sub differs from the ID token's")
        merged = {**extra, **dict(claims)}  # the signed token wins
    return merged, str(id_token)


def end_session_url(provider: Provider, id_token: str, post_logout_redirect_uri: str, state: str) -> str | None:
    """The provider's RP-initiated logout address, when its discovery has one (``state`` comes
    back with the browser: the forum keeps it to know the return is the one it sent)."""
    try:
        data = metadata(provider)
    except SignInFailed as exc:
        log.warning("OIDC provider %s: no logout (%s)", provider.id, exc.reason)
        return None
    endpoint = data.get("end_session_endpoint")
    if not endpoint:
        return None
    result = _client(provider).create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                                  id_token_hint=id_token, client_id=provider.client_id,
                                                  state=state)
    return str(result["url"])

