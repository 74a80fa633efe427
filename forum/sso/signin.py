"""The sso domain's side of the sign-in pages: what it contributes to accounts'
:class:`~forum.accounts.interfaces.ExternalSignIn` (SSO-only mode, the provider's sign-out)
and the template helpers for the "Sign in with …" buttons and "Connected accounts"."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import redirect, session, url_for

from forum.accounts.models import User
from forum.urls import external_url

from . import client, providers, services
from .models import ExternalIdentity
from .providers import Provider

SESSION_LOGIN = "sso_login"  # {"provider": id, "id_token": raw}: for RP-initiated logout
SESSION_SIGNED_OUT = "sso_signed_out"  # {"provider", "id_token", "state"}: after the logout, in the new session


class ProviderSignIn:
    def members_use_passwords(self) -> bool:
        return not providers.sso_only()

    def password_sign_in_allowed(self, user: Any) -> bool:
        # The break-glass sign-in: administrators keep their password when members may not.
        return not providers.sso_only() or (user is not None and bool(getattr(user, "is_admin", False)))

    def logout_continuation(self) -> Callable[[], Any] | None:
        data = session.get(SESSION_LOGIN)
        if not isinstance(data, dict):
            return None
        provider = providers.get(str(data.get("provider")))
        if provider is None or provider.logout == "off" or not data.get("id_token"):
            return None
        signed_out = {"provider": provider.id, "id_token": str(data["id_token"]),
                      "state": secrets.token_urlsafe(16)}
        url = end_session_url(signed_out)
        if url is None:
            return None

        def after_logout() -> Any:
            # Runs in the new, empty session: the offer (or the return from the provider) needs it.
            session[SESSION_SIGNED_OUT] = signed_out
            if provider.logout == "redirect":
                return redirect(url)
            # POST-redirect-GET: reloading the signed-out page must not post the logout again.
            return redirect(url_for("sso.signed_out"))
        return after_logout


def end_session_url(signed_out: Any) -> str | None:
    """The provider's sign-out address for what :data:`SESSION_SIGNED_OUT` holds, or None."""
    if not isinstance(signed_out, dict):
        return None
    provider = providers.get(str(signed_out.get("provider")))
    if provider is None or provider.logout == "off":
        return None
    return client.end_session_url(provider, str(signed_out.get("id_token") or ""),
                                  external_url("sso.provider_signed_out", provider_id=provider.id),
                                  str(signed_out.get("state") or ""))


@dataclass(frozen=True)
class Connection:
    provider: Provider
    identity: ExternalIdentity | None
    can_disconnect: bool


def login_buttons() -> list[Provider]:
    return list(providers.configured().values())


def connections(user: User) -> list[Connection]:
    """One line per configured provider for the member's settings (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    configured = providers.configured()
    if not configured:
        return []
    by_provider = {identity.provider: identity for identity in services.identities_of(user)}
    return [Connection(p, by_provider.get(p.id), bool(by_provider.get(p.id)) and services.can_disconnect(
        user, by_provider[p.id])) for p in configured.values()]
