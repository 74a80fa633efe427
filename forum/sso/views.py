"""Sign-in with OpenID Connect providers: thin views over :mod:`forum.sso.services`.

Starting a sign-in is a POST with the CSRF token (it writes the state, nonce and PKCE verifier
into the session, and a GET that changes state could be triggered by any page). The provider
comes back with a GET to the callback, which Authlib checks against that session entry.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from forum.accounts import sessions
from forum.accounts.services import community_name, current_coc, reading_language
from forum.errors import NotFound, ValidationFailed
from forum.extensions import limiter
from forum.forms import ConfirmForm, apply_errors
from forum.text import ascii_int, one_line
from forum.urls import external_url, safe_next

from . import client, permissions, providers, services, signin
from .forms import CompleteAccountForm, StartForm
from .providers import Provider
from .signin import SESSION_LOGIN, SESSION_SIGNED_OUT

log = logging.getLogger(__name__)

bp = Blueprint("sso", __name__, url_prefix="/sso")

SESSION_FLOW = "sso_flow"        # {"provider", "intent": "login" | "connect", "next", "user_id"}
SESSION_PENDING = "sso_pending"  # services.PendingAccount, until the account is completed
PENDING_MAX_AGE = 1800           # seconds to complete the account after the provider's sign-in


def _limit() -> Any:
    return limiter.limit(lambda: str(current_app.config.get("RATELIMIT_LOGIN") or "10 per minute"))


def _provider(provider_id: str) -> Provider:
    provider = providers.get(provider_id)
    if provider is None:
        raise NotFound()
    return provider


def _failed(provider: Provider, message: str | None = None, status: int = 400) -> Any:
    return render_template("sso/failed.html", provider=provider, message=message), status


def _begin(provider: Provider, intent: str, next_url: str) -> Any:
    session[SESSION_FLOW] = {"provider": provider.id, "intent": intent, "next": next_url,
                             "user_id": current_user.id if current_user.is_authenticated else None}
    try:
        # ui_locales: the provider's pages in the member's language, when it can.
        return client.authorize_redirect(provider, external_url("sso.callback", provider_id=provider.id),
                                         ui_locales=str(get_locale() or ""))
    except client.SignInFailed as exc:
        log.warning("OIDC provider %s unavailable: %s", provider.id, exc.reason)
        return _failed(provider, _("%(provider)s cannot be reached right now. Please try again in a few "
                                   "minutes.", provider=provider.label), 503)


@bp.post("/<provider_id>/start")
@_limit()
def start(provider_id: str) -> Any:
    provider = _provider(provider_id)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    next_url = safe_next(form.next.data, "")
    if current_user.is_authenticated:
        return redirect(next_url or url_for("discussions.index"))
    return _begin(provider, "login", next_url)


@bp.post("/<provider_id>/connect")
@login_required
@_limit()
def connect(provider_id: str) -> Any:
    provider = _provider(provider_id)
    if not StartForm().validate_on_submit():
        abort(400)
    if not permissions.can_connect(current_user):
        abort(403)
    return _begin(provider, "connect", url_for("accounts.settings"))


def _sign_in(user: Any, provider: Provider, id_token: str) -> None:
    session.clear()  # a fresh session on sign-in: no fixation
    sessions.start_session(user, remember=False, client=sessions.Client(
        user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr))
    login_user(user)
    session[SESSION_LOGIN] = {"provider": provider.id, "id_token": id_token}


def _provider_error(provider: Provider, error: str) -> Any:
    """The provider sent the person back without signing them in (RFC 6749 4.1.2.1)."""
    log.info("OIDC sign-in with %s ended at the provider: %s", provider.id, one_line(error, 64))
    if error == "access_denied":
        return _failed(provider, _("You cancelled signing in with %(provider)s. Nothing was changed.",
                                   provider=provider.label))
    return _failed(provider, _("%(provider)s did not sign you in. Nothing was changed. Please try again; if "
                               "it keeps happening, tell the community's administrators.", provider=provider.label))


def _connect(provider: Provider, claims: services.ProviderClaims, id_token: str, user_id: Any) -> Any:
    """The end of "Connect …" in the settings: the same member who started it."""
    if not current_user.is_authenticated or current_user.id != user_id:
        return _failed(provider)
    try:
        services.connect(current_user._get_current_object(), provider, claims)
    except ValidationFailed as exc:
        return _failed(provider, exc.message, 403)
    session[SESSION_LOGIN] = {"provider": provider.id, "id_token": id_token}
    flash(_("Your %(provider)s account is connected.", provider=provider.label), "success")
    return redirect(url_for("accounts.settings"))


@bp.get("/<provider_id>/callback")
@limiter.limit("30 per minute")
def callback(provider_id: str) -> Any:
    provider = _provider(provider_id)
    flow = session.pop(SESSION_FLOW, None)
    if not isinstance(flow, dict) or flow.get("provider") != provider.id:
        flow = {"intent": "login", "next": ""}  # Authlib's state check refuses it below
    if (error := request.args.get("error")) is not None:
        return _provider_error(provider, error)
    try:
        raw_claims, id_token = client.finish(provider)
    except client.SignInFailed as exc:
        log.warning("OIDC sign-in with %s refused: %s", provider.id, exc.reason)
        return _failed(provider)
    claims = services.map_claims(provider, raw_claims, tuple(current_app.config["SUPPORTED_LOCALES"]))
    next_url = safe_next(flow.get("next"), "")
    if flow.get("intent") == "connect":
        return _connect(provider, claims, id_token, flow.get("user_id"))
    try:
        user, linked = services.sign_in(provider, claims)
    except ValidationFailed as exc:
        return _failed(provider, exc.message, 403)
    if user is None:
        session[SESSION_PENDING] = services.PendingAccount(
            provider=provider.id, claims=claims, id_token=id_token, next_url=next_url, created=time.time()).as_session()
        return redirect(url_for("sso.complete", provider_id=provider.id))
    _sign_in(user, provider, id_token)
    if linked:
        flash(_("Your %(provider)s account is now connected to your account here (same verified email).",
                provider=provider.label), "success")
    return redirect(next_url or url_for("discussions.index"))


@bp.route("/<provider_id>/complete", methods=["GET", "POST"])
@_limit()
def complete(provider_id: str) -> Any:
    provider = _provider(provider_id)
    if current_user.is_authenticated:
        return redirect(url_for("discussions.index"))  # Back after completing: nothing left to do
    pending = services.session_pending(session.get(SESSION_PENDING), provider, PENDING_MAX_AGE, time.time())
    if pending is None:
        flash(_("Please sign in with %(provider)s again.", provider=provider.label), "info")
        return redirect(url_for("accounts.login"))
    coc = current_coc()
    form = CompleteAccountForm()
    if pending.claims.email:
        del form.email  # the provider's address, shown and not editable
    if request.method == "GET":
        form.username.data = services.suggest_username(pending.claims)
        form.display_name.data = pending.claims.name
    elif form.validate_on_submit():
        try:
            user = services.complete_account(provider, pending, services.Completion(
                username=form.username.data or "", display_name=form.display_name.data or "",
                accepted_coc_version=ascii_int(form.coc_version.data) or 0,
                coc_language=form.coc_language.data or None,
                email=(form.email.data or None) if "email" in form else None, ip=request.remote_addr))
        except services.SignInRefused as exc:
            session.pop(SESSION_PENDING, None)
            return _failed(provider, exc.message, 403)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            if "accept_coc" in exc.errors:
                form.accept_coc.data = False  # a new version: read it before ticking again
        else:
            _sign_in(user, provider, pending.id_token)
            if user.is_verified:
                flash(_("Welcome to %(name)s!", name=community_name()), "success")
            else:
                flash(_("Welcome! We sent a confirmation link to %(email)s: open it to start posting.",
                        email=user.email), "info")
            return redirect(pending.next_url or url_for("discussions.index"))
    if coc is not None:
        form.coc_version.data = str(coc.version)
        form.coc_language.data = reading_language(coc)
    return render_template("sso/complete.html", form=form, coc=coc, provider=provider, pending=pending), (
        400 if form.errors or form.form_errors else 200)


@bp.post("/identities/<int:identity_id>/disconnect")
@login_required
def disconnect(identity_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        identity = services.disconnect(current_user._get_current_object(), identity_id)
    except ValidationFailed as exc:
        flash(exc.message, "error")
    else:
        provider = providers.get(identity.provider)
        flash(_("%(provider)s is no longer connected to your account.",
                provider=provider.label if provider else identity.provider), "success")
    return redirect(url_for("accounts.settings", _anchor="connected-accounts"))


@bp.get("/signed-out")
def signed_out() -> Any:
    """After the logout (POST-redirect-GET): the offer to sign out of the provider too."""
    data = session.get(SESSION_SIGNED_OUT)
    provider = providers.get(str(data.get("provider"))) if isinstance(data, dict) else None
    url = signin.end_session_url(data)
    if current_user.is_authenticated or provider is None or url is None:
        return redirect(url_for("discussions.index"))
    return render_template("sso/signed_out.html", provider=provider, end_session_url=url)


@bp.get("/<provider_id>/signed-out")
def provider_signed_out(provider_id: str) -> Any:
    """Where the provider's sign-out sends the browser back (its post_logout_redirect_uri)."""
    provider = _provider(provider_id)
    data = session.pop(SESSION_SIGNED_OUT, None)
    state = request.args.get("state")
    if (isinstance(data, dict) and data.get("provider") == provider.id and state
            and hmac.compare_digest(str(data.get("state") or ""), state)):
        flash(_("You are signed out of %(provider)s too.", provider=provider.label), "success")
    return redirect(url_for("discussions.index"))  # the state is not left in the address bar
