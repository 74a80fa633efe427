"""The notification preferences page and the unsubscribe pages.

The preferences live on notifications' own page (``/settings/notifications``, linked from the
member's settings) rather than inside accounts' settings form: accounts sits below
notifications and cannot list the kinds other domains register, and one page per concern keeps
each form's single POST small.

``POST /email/unsubscribe/<token>`` is exempt from CSRF on purpose: it is RFC 8058's one-click
unsubscribe, sent by the mail client (not a browser with our session) with exactly the body
``List-Unsubscribe=One-Click``; anything else is refused. It needs no CSRF token because the
signed token in the URL is the authority (whose mail, which purpose), it can only turn mail
off, and a third party who has the link could do the same from the page. The page's own form
posts to ``/email/unsubscribe/<token>/choose`` with a CSRF token like every form.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forum.accounts.permissions import can_administer
from forum.errors import ValidationFailed
from forum.extensions import csrf
from forum.forms import apply_errors

from . import preferences, unsubscribe
from .preference_forms import (
    DELIVERY_LABELS,
    DIGEST_LABELS,
    EmailSettingsForm,
    UnsubscribeForm,
    initial_data,
    preferences_form,
)

bp = Blueprint("notification_prefs", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    csrf.exempt(one_click)  # RFC 8058 (see the module's docstring)


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def edit() -> Any:
    kinds = preferences.choosable_kinds(current_user)
    form = preferences_form(kinds)(data=initial_data(current_user, kinds))
    if form.validate_on_submit():
        preferences.save_preferences(
            current_user, form.deliveries(), digest=form.digest.data, email_paused=form.email_paused.data,
            auto_watch_created=form.auto_watch_created.data, auto_track_replied=form.auto_track_replied.data)
        flash(_("Your notification preferences were saved."), "success")
        return redirect(url_for("notification_prefs.edit"))
    return render_template("notifications/preferences.html", form=form,
                           away_minutes=preferences.away_minutes()), (400 if form.errors else 200)


def _choices(link: unsubscribe.Unsubscribe) -> list[SelectChoice]:
    choices = []
    if link.kind is not None:
        choices.append(SelectChoice(unsubscribe.STOP_KIND, _(
            "Stop emails about “%(kind)s” (you still see them on the site)", kind=link.kind.label)))
    choices.append(SelectChoice(unsubscribe.SET_DIGEST, _("Change how often the summary email comes")))
    choices.append(SelectChoice(unsubscribe.STOP_ALL, _("Stop all notification email and summaries")))
    return choices


def _page(token: str, form: UnsubscribeForm | None = None) -> Any:
    try:
        link = unsubscribe.read_token(token)
    except unsubscribe.BadLink as exc:
        return render_template("notifications/unsubscribe_invalid.html", expired=exc.expired), 400
    if form is None:
        # They followed "unsubscribe": the page offers to stop what the mail was (a summary
        # link proposes "never"), and nothing changes until they save.
        digest = preferences.NEVER if link.is_digest else preferences.digest_frequency(link.user)
        form = UnsubscribeForm(data={"digest": digest,
                                     "choice": unsubscribe.STOP_KIND if link.kind else unsubscribe.SET_DIGEST})
    form.choice.choices = _choices(link)
    kind_delivery = preferences.chosen_delivery(link.user, link.kind) if link.kind else None
    return render_template(
        "notifications/unsubscribe.html", form=form, link=link, token=token,
        address=unsubscribe.masked_address(link.user.email), paused=preferences.email_paused(link.user),
        kind_delivery=DELIVERY_LABELS.get(kind_delivery) if kind_delivery else None,
        digest=DIGEST_LABELS[preferences.digest_frequency(link.user)]), (400 if form.errors else 200)


@bp.get("/email/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Any:
    """What the link in the mail opens: nothing changes until the visitor chooses (a GET never does)."""
    return _page(token)


@bp.post("/email/unsubscribe/<token>")
def one_click(token: str) -> Any:
    if request.form.get(unsubscribe.ONE_CLICK_BODY[0]) != unsubscribe.ONE_CLICK_BODY[1]:
        abort(400)
    try:
        unsubscribe.one_click(token)
    except unsubscribe.BadLink:
        abort(400)
    return render_template("notifications/unsubscribed.html")


@bp.post("/email/unsubscribe/<token>/choose")
def choose(token: str) -> Any:
    form = UnsubscribeForm()
    try:
        form.choice.choices = _choices(unsubscribe.read_token(token))
    except unsubscribe.BadLink:
        return _page(token)
    if not form.validate_on_submit():
        return _page(token, form)
    unsubscribe.apply_choice(token, form.choice.data, form.digest.data)
    flash(_("Your email preferences were saved."), "success")
    return redirect(url_for("notification_prefs.unsubscribe_page", token=token))


@bp.route("/admin/email", methods=["GET", "POST"])
@login_required
def admin_settings() -> Any:
    """The community's mail settings (everything under /admin is for admins: forum.admin)."""
    if not can_administer(current_user):
        abort(403)
    form = EmailSettingsForm(data={"away_minutes": preferences.away_minutes(),
                                   "digest_default": preferences.digest_frequency(None)})
    if form.validate_on_submit():
        try:
            preferences.save_email_settings(current_user, minutes_away=form.away_minutes.data or 0,
                                            digest_default=form.digest_default.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("notification_prefs.admin_settings"))
    return render_template("notifications/admin_settings.html", form=form), (400 if form.errors else 200)
