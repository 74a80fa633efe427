"""Account pages: thin views over :mod:`forum.accounts.services`."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from forum.errors import ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import ConfirmForm, apply_errors
from forum.i18n import LOCALE_NAMES, known_timezones
from forum.plugins.manager import use_form_extras
from forum.registry import contributions, lookup
from forum.text import ascii_int
from forum.urls import safe_next

from . import external, ignores, permissions, preferences, services, sessions
from .forms import (
    AcceptCocForm,
    ChangePasswordForm,
    ColorSchemeForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .interfaces import ExternalSignIn, ProfileSection, VisibleActivityCounter
from .permissions import can_ignore

bp = Blueprint("accounts", __name__)


def _limit(name: str, default: str | None = None, key_func: Any = None) -> Any:
    return limiter.limit(lambda: str(current_app.config.get(name) or default), methods=["POST"], key_func=key_func)


_user_key = per_member("user")


@bp.app_errorhandler(CSRFError)
def csrf_failed(exc: CSRFError) -> Any:
    # Flask-WTF's own reasons are English and technical; say what to do instead.
    return render_template("error.html", code=400, title=_("This form has expired"),
                           message=_("For your security, forms expire. Go back, reload the page and try "
                                     "again: what you typed may still be there.")), 400


def _application_answers() -> dict[str, str]:
    """The form's ``answer_<n>`` inputs (the application questions moderation adds to the
    form); the judgement recorder pairs them with their questions."""
    return {k: str(v) for k, v in request.form.items() if k.startswith("answer_")}


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("discussions.index"))
    if not external.members_use_passwords():
        # "SSO only": accounts are made by signing in at the provider (forum.sso).
        return render_template("accounts/register_closed.html"), (403 if request.method == "POST" else 200)
    coc = services.current_coc()
    form = RegisterForm()
    if form.validate_on_submit():
        use_form_extras("register")  # plugins' extra inputs (spam_guard) reach the filters
        try:
            services.register(services.Registration(
                username=form.username.data or "", email=form.email.data or "",
                password=form.password.data or "", display_name=form.display_name.data or "",
                accepted_coc_version=_int(form.coc_version.data), coc_language=form.coc_language.data or None,
                locale=_locale_cookie(),
                timezone=_tz_cookie(), ip=request.remote_addr, answers=_application_answers()))
        except services.EmailAlreadyRegistered:
            # Same page as a success: the owner got a mail, a stranger learns nothing.
            return render_template("accounts/check_email.html", email=form.email.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            if "accept_coc" in exc.errors:
                form.accept_coc.data = False  # a new version: read it before ticking again
        else:
            return render_template("accounts/check_email.html", email=form.email.data)
    if coc is not None:
        form.coc_version.data = str(coc.version)
        form.coc_language.data = services.reading_language(coc)
    return render_template("accounts/register.html", form=form, coc=coc), (400 if form.errors else 200)


def _int(value: str | None) -> int:
    return ascii_int(value) or 0


def _locale_cookie() -> str | None:
    value = request.cookies.get("locale")
    return value if value in current_app.config["SUPPORTED_LOCALES"] else None


def _tz_cookie() -> str | None:
    # Set by forum.js with encodeURIComponent ("Europe%2FRome").
    value = unquote(request.cookies.get("tz") or "")
    return value if value in known_timezones() else None


@bp.route("/login", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("discussions.index")))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data or "", form.password.data or "")
            # "SSO only": administrators keep the break-glass password sign-in. Only the right
            # password learns that the account is a member's: every failure reads the same (and
            # costs the same hash), so the form does not tell which logins are administrators.
            if not external.password_sign_in_open(user):
                raise ValidationFailed(_("Sign in with your organisation's account, with the button "
                                         "below."))
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            sessions.start_session(user, remember=bool(form.remember.data), client=_client())
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data, url_for("discussions.index")))
    return render_template("accounts/login.html", form=form, members_use_passwords=external.members_use_passwords()), (
        400 if form.errors or form.form_errors else 200)


def _client() -> sessions.Client:
    return sessions.Client(user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr)


@bp.post("/logout")
def logout() -> Any:
    # The provider's sign-out (forum.sso) reads this session's ID token before it is cleared.
    continuations = [c for c in (ext.logout_continuation() for ext in contributions(ExternalSignIn)) if c]
    # Server-side first: a copy of this browser's cookies must stop working too.
    if current_user.is_authenticated:
        sessions.end_session(current_user)
    # Clear first: logout_user() leaves a note in the session telling Flask-Login to delete the
    # remember-me cookie, and clearing afterwards would erase it (and sign the member back in).
    session.clear()
    logout_user()
    if continuations:
        return continuations[0]()
    return redirect(url_for("discussions.index"))


@bp.get("/verify/<token>")
def verify_email(token: str) -> Any:
    try:
        member = services.verify_email(token)
    except ValidationFailed as exc:
        return render_template("accounts/verify_failed.html", message=exc.message,
                               used=isinstance(exc, services.TokenUsed)), 400
    # Tell the truth about what comes next: an applicant still waits for the moderators.
    block = permissions.posting_block_reason(member)
    signed_in = current_user.is_authenticated and current_user.id == member.id
    if block in ("unapproved", "rejected", "silenced", "suspended"):
        flash(_("Thank you, your email address is confirmed.") + " " + permissions.posting_block_message(block),
              "info")
    elif not signed_in:
        flash(_("Thank you, your email address is confirmed. Log in to start posting."), "success")
        return redirect(url_for("accounts.login"))
    elif block is None:
        flash(_("Thank you, your email address is confirmed. You can post now."), "success")
    else:  # "coc": the banner above every page asks them to accept the new version
        flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("discussions.index"))


@bp.post("/verify/resend")
@login_required
@_limit("RATELIMIT_RESET")
@_limit("RATELIMIT_VERIFY_RESEND", "3 per hour;10 per day", key_func=_user_key)
def resend_verification() -> Any:
    form = ResendVerificationForm()
    if form.validate_on_submit():
        if services.resend_verification(current_user):
            flash(_("We sent you a new confirmation link. It can take a few minutes to arrive."), "info")
        else:
            flash(_("Your email address is already confirmed."), "info")
    return redirect(safe_next(form.next.data, url_for("discussions.index")))


@bp.route("/password/reset", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_request() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.login.data or "")
        # The same answer whether or not the account exists.
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset_request.html", form=form, choose=request.args.get("choose") == "1")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_password(token: str) -> Any:
    form = ResetPasswordForm()
    try:
        services.check_reset_token(token)
    except ValidationFailed as exc:
        return render_template("accounts/reset_failed.html", message=exc.message), 400
    if not external.password_sign_in_open(services.check_reset_token(token)):
        # "SSO only": a reset would sign a member in with a password they may not use.
        return render_template("accounts/reset_failed.html", message=_(
            "Passwords are not used here: sign in with your organisation's account.")), 403
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="password")
        else:
            session.clear()
            sessions.start_session(user, remember=False, client=_client())
            login_user(user)
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("discussions.index"))
    return render_template("accounts/reset_password.html", form=form, token=token), (
        400 if form.errors else 200)


@bp.get("/u/<username>")
def profile(username: str) -> Any:
    user = services.get_user_or_404(username)
    if user.username != username:
        return redirect(url_for("accounts.profile", username=user.username), 301)
    sections: dict[str, Any] = {}
    for section in contributions(ProfileSection):
        sections.update(section(current_user, user))
    # Only the activity this viewer may read: the raw counters include staff-only rooms.
    topic_count, post_count = lookup(VisibleActivityCounter)(current_user, user)
    return render_template("accounts/profile.html", profile_user=user, topic_count=topic_count,
                           post_count=post_count, **sections)


@bp.post("/u/<username>/ignore")
@login_required
def ignore(username: str) -> Any:
    user = services.get_user_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not can_ignore(current_user, user):
        abort(403)
    ignores.ignore_user(current_user, user)
    flash(_("You will not see this member's posts unless you open them."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.profile", username=user.username)))


@bp.post("/u/<username>/unignore")
@login_required
def unignore(username: str) -> Any:
    user = services.get_user_or_404(username)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ignores.unignore_user(current_user, user)
    flash(_("You see this member's posts again."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("accounts.profile", username=user.username)))


def _settings_forms(profile_form: ProfileForm | None = None,
                    password_form: ChangePasswordForm | None = None) -> dict[str, Any]:
    form = profile_form or ProfileForm(obj=current_user)
    form.locale.choices = [("", _("Browser language"))] + list(LOCALE_NAMES.items())
    form.timezone.choices = [("", _("Browser time zone"))] + [(z, z) for z in sorted(known_timezones())]
    form.color_scheme.choices = [("", _("Same as the device")), ("light", _("Light")), ("dark", _("Dark"))]
    return {"form": form, "password_form": password_form or ChangePasswordForm(prefix="pw"),
            # An account made by signing in elsewhere has no password to change (forum.sso); in
            # "SSO only" mode a member's password would not sign them in at all.
            "has_password": external.has_usable_password(current_user),
            "password_sign_in": external.password_sign_in_open(current_user),
            "devices": sessions.list_devices(current_user), "device_form": ConfirmForm()}


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    forms = _settings_forms(form)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, display_name=form.display_name.data or "",
                                    bio=form.bio.data or "", locale=form.locale.data or None,
                                    timezone=form.timezone.data or None,
                                    color_scheme=form.color_scheme.data or None)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", **forms), (400 if form.errors else 200)


@bp.post("/settings/password")
@login_required
def change_password() -> Any:
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, password_form.current_password.data or "",
                                     password_form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(password_form, exc, default_field="password")
        else:
            # The token rotated: sign THIS browser in again (with a fresh remember-me cookie if it
            # had one); every other session and cookie now fails.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            session.clear()
            sessions.start_session(user, remember=remembered, client=_client())
            login_user(user, remember=remembered)
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", **_settings_forms(password_form=password_form)), 400


@bp.post("/settings/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.revoke_session(current_user._get_current_object(), session_id)
    flash(_("That device was signed out."), "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/settings/sessions/revoke-others")
@login_required
def revoke_other_sessions() -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.revoke_other_sessions(current_user._get_current_object())
    flash(_("You were signed out everywhere else."), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/code-of-conduct", methods=["GET", "POST"])
def code_of_conduct() -> Any:
    coc = services.current_coc()
    if coc is None:
        abort(404)
    form = AcceptCocForm()
    next_url = safe_next(request.values.get("next"), "")
    if request.method == "POST":
        if not current_user.is_authenticated:
            abort(403)
        if form.validate_on_submit():
            try:
                services.accept_coc(current_user, _int(form.version.data), form.language.data or None)
            except ValidationFailed as exc:
                form.form_errors.append(exc.message)
            else:
                flash(_("Thank you for accepting the code of conduct."), "success")
                return redirect(next_url or url_for("discussions.index"))
    form.version.data = str(coc.version)
    form.language.data = services.reading_language(coc)
    return render_template("accounts/code_of_conduct.html", coc=coc, form=form, next_url=next_url,
                           needs_acceptance=services.needs_coc_acceptance(current_user)), (
        400 if form.errors or form.form_errors else 200)


@bp.post("/language")
def set_language() -> Any:
    form = LanguageForm()
    locale = str(form.locale.data or "") if form.validate_on_submit() else ""
    response = make_response(redirect(safe_next(form.next.data, url_for("discussions.index"))))
    if locale in current_app.config["SUPPORTED_LOCALES"]:
        response.set_cookie("locale", locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        services.set_locale(current_user, locale)
    return response


@bp.post("/color-scheme")
def set_color_scheme() -> Any:
    """The footer's light / dark / system switch, for visitors and members alike (a POST, like
    the language switch: a GET never changes state)."""
    form = ColorSchemeForm()
    response = make_response(redirect(safe_next(form.next.data, url_for("discussions.index"))))
    if not form.validate_on_submit():
        return response
    try:
        scheme = preferences.normalize(form.scheme.data)
    except ValueError:
        return response
    if scheme is None:
        response.delete_cookie(preferences.SCHEME_COOKIE)
    else:
        response.set_cookie(preferences.SCHEME_COOKIE, scheme, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    preferences.set_color_scheme(current_user, scheme)
    return response
