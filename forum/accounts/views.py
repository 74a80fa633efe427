"""Account pages: thin views over :mod:`forum.accounts.services`."""

from __future__ import annotations

from typing import Any

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forum.errors import ValidationFailed
from forum.extensions import limiter
from forum.forms import apply_errors
from forum.i18n import LOCALE_NAMES, known_timezones
from forum.urls import safe_next

from . import services
from .forms import (AcceptCocForm, ChangePasswordForm, LanguageForm, LoginForm, ProfileForm, RegisterForm,
                    ResendVerificationForm, ResetPasswordForm, ResetRequestForm)

bp = Blueprint("accounts", __name__)


def _limit(name: str) -> Any:
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("discussions.index"))
    coc = services.current_coc()
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(services.Registration(
                username=form.username.data or "", email=form.email.data or "",
                password=form.password.data or "", display_name=form.display_name.data or "",
                accepted_coc_version=int(form.coc_version.data or 0), locale=_locale_cookie(),
                timezone=request.cookies.get("tz") if request.cookies.get("tz") in known_timezones() else None,
                ip=request.remote_addr))
        except services.EmailAlreadyRegistered:
            # Same page as a success: the address owner got a mail, a stranger learns nothing.
            return render_template("accounts/check_email.html", email=form.email.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            login_user(user)
            return render_template("accounts/check_email.html", email=user.email)
    if coc is not None:
        form.coc_version.data = str(coc.version)
    return render_template("accounts/register.html", form=form, coc=coc)


def _locale_cookie() -> str | None:
    value = request.cookies.get("locale")
    return value if value in current_app.config["SUPPORTED_LOCALES"] else None


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
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data, url_for("discussions.index")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("discussions.index"))


@bp.get("/verify/<token>")
def verify_email(token: str) -> Any:
    try:
        services.verify_email(token)
    except ValidationFailed as exc:
        return render_template("accounts/verify_failed.html", message=exc.message), 400
    flash(_("Thank you, your email address is confirmed. You can post now."), "success")
    return redirect(url_for("discussions.index"))


@bp.post("/verify/resend")
@login_required
@_limit("RATELIMIT_RESET")
def resend_verification() -> Any:
    if ResendVerificationForm().validate_on_submit() and not current_user.is_verified:
        services.send_verification_email(current_user)
        flash(_("We sent you a new confirmation link."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("discussions.index")))


@bp.route("/password/reset", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_request() -> Any:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.login.data or "")
        # The same answer whether or not the account exists.
        return render_template("accounts/reset_sent.html")
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_password(token: str) -> Any:
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="password")
        else:
            session.clear()
            login_user(user)
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("discussions.index"))
    return render_template("accounts/reset_password.html", form=form, token=token)


@bp.get("/u/<username>")
def profile(username: str) -> Any:
    from forum.discussions import services as discussions

    user = services.get_user_or_404(username)
    if user.username != username:
        return redirect(url_for("accounts.profile", username=user.username), 301)
    return render_template("accounts/profile.html", profile_user=user,
                           topics=discussions.user_topics(current_user, user),
                           posts=discussions.user_posts(current_user, user))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    form.locale.choices = [("", _("Browser language"))] + list(LOCALE_NAMES.items())
    form.timezone.choices = [("", _("Browser time zone"))] + [(z, z) for z in sorted(known_timezones())]
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, display_name=form.display_name.data or "",
                                    bio=form.bio.data or "", locale=form.locale.data or None,
                                    timezone=form.timezone.data or None)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form, password_form=password_form)


@bp.post("/settings/password")
@login_required
def change_password() -> Any:
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data or "",
                                     password_form.password.data or "")
        except ValidationFailed as exc:
            apply_errors(password_form, exc, default_field="password")
        else:
            login_user(current_user, remember=False)  # keep THIS session; the token rotated
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("accounts.settings"))
    form = ProfileForm(obj=current_user)
    form.locale.choices = [("", _("Browser language"))] + list(LOCALE_NAMES.items())
    form.timezone.choices = [("", _("Browser time zone"))] + [(z, z) for z in sorted(known_timezones())]
    return render_template("accounts/settings.html", form=form, password_form=password_form), 400


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
                services.accept_coc(current_user, int(form.version.data or 0))
            except ValidationFailed as exc:
                form.form_errors.append(exc.message)
            else:
                flash(_("Thank you for accepting the code of conduct."), "success")
                return redirect(next_url or url_for("discussions.index"))
    form.version.data = str(coc.version)
    return render_template("accounts/code_of_conduct.html", coc=coc, form=form, next_url=next_url,
                           needs_acceptance=services.needs_coc_acceptance(current_user))


@bp.post("/language")
def set_language() -> Any:
    form = LanguageForm()
    locale = form.locale.data if form.validate_on_submit() else None
    response = make_response(redirect(safe_next(form.next.data, url_for("discussions.index"))))
    if locale in current_app.config["SUPPORTED_LOCALES"]:
        response.set_cookie("locale", locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
    return response
