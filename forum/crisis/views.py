"""Crisis tools' pages (the domain's one blueprint): a topic's and a category's tools (slow mode,
timers, lock), announcing to all members, Admin → Crisis (the site banner and read-only mode),
and the read-only guard for every state-changing request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from forum.dates import from_viewer_zone, to_viewer_zone
from forum.discussions import permissions as discussion_permissions
from forum.discussions import services as discussions
from forum.discussions.links import post_path
from forum.discussions.models import Category, Topic
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import member_action_limit
from forum.forms import ConfirmForm, apply_errors
from forum.i18n import LOCALE_NAMES
from forum.live_settings import READ_ONLY_METHODS

from . import announcements, categories, permissions, site_notices, slow_mode, timers
from .forms import AnnouncementForm, BannerForm, ReadOnlyForm, SlowModeForm, TimerForm
from .page import pending_timers

bp = Blueprint("crisis", __name__)

crisis_limit = member_action_limit("RATELIMIT_CRISIS", methods=["POST"])

# State-changing requests a member may still make in read-only mode: signing in and out, the
# page's language and colours, unsubscribing; and the posting forms, which the content filter
# refuses with the text kept (a 503 page would lose it).
READ_ONLY_ALLOWED_ENDPOINTS = frozenset({
    "accounts.login", "accounts.logout", "accounts.reset_request", "accounts.reset_password",
    "accounts.set_language", "accounts.set_color_scheme",
    "discussions.reply", "discussions.new_topic", "discussions.edit_post", "discussions.preview",
    "discussions.autosave_draft", "discussions.discard_draft"})
READ_ONLY_ALLOWED_BLUEPRINTS = frozenset({"sso", "notification_prefs", "admin"})


@bp.before_app_request
def refuse_writes_when_read_only() -> Any:
    if request.method in READ_ONLY_METHODS or not site_notices.is_read_only():
        return None
    if permissions.is_exempt(current_user) or request.endpoint in READ_ONLY_ALLOWED_ENDPOINTS \
            or request.blueprint in READ_ONLY_ALLOWED_BLUEPRINTS:
        return None
    message = _("The community is read-only for maintenance. Please try again later.")
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=message), 503
    return render_template("crisis/read_only.html", message=message, notice=site_notices.read_only()), 503


# --- a topic's tools ---------------------------------------------------------------------------------

def _managed_topic(topic_id: int) -> Topic:
    topic = discussions.get_topic(current_user, topic_id)
    if not permissions.can_manage_topic(current_user, topic):
        abort(403)
    return topic


def _topic_page(topic: Topic, slow_form: SlowModeForm | None = None, timer_form: TimerForm | None = None) -> Any:
    row = slow_mode.current(topic=topic)
    status = 400 if (slow_form and slow_form.errors) or (timer_form and timer_form.errors) else 200
    return render_template("crisis/topic_tools.html", topic=topic, slow=row, slow_form=slow_form or SlowModeForm(),
                           timer_form=timer_form or TimerForm(), timers=pending_timers(topic.id),
                           labels=timers.ACTION_LABELS, confirm=ConfirmForm()), status


@bp.get("/t/<int:topic_id>/crisis")
@login_required
def topic_tools(topic_id: int) -> Any:
    return _topic_page(_managed_topic(topic_id))


@bp.post("/t/<int:topic_id>/slow-mode")
@login_required
@crisis_limit
def topic_slow_mode(topic_id: int) -> Any:
    topic = _managed_topic(topic_id)
    if request.form.get("action") == "stop":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if slow_mode.stop(current_user, topic=topic):
            flash(_("Slow mode stopped."), "success")
        return redirect(url_for("crisis.topic_tools", topic_id=topic.id))
    form = SlowModeForm()
    if form.validate_on_submit():
        try:
            slow_mode.start(current_user, int(form.seconds.data or 0), from_viewer_zone(form.until.data), topic=topic)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Slow mode started."), "success")
            return redirect(post_path(topic, 1))
    return _topic_page(topic, slow_form=form)


@bp.post("/t/<int:topic_id>/timers")
@login_required
@crisis_limit
def add_timer(topic_id: int) -> Any:
    topic = _managed_topic(topic_id)
    form = TimerForm()
    if form.validate_on_submit():
        try:
            timers.add_timer(current_user, topic, form.action.data or "", from_viewer_zone(form.run_at.data),
                             form.older_than_hours.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Timer set."), "success")
            return redirect(url_for("crisis.topic_tools", topic_id=topic.id))
    return _topic_page(topic, timer_form=form)


@bp.post("/crisis/timers/<int:timer_id>/cancel")
@login_required
@crisis_limit
def cancel_timer(timer_id: int) -> Any:
    timer = timers.get_timer(timer_id)
    if timer is None or not discussion_permissions.can_see_topic(current_user, timer.topic):
        abort(404)
    if not permissions.can_manage_topic(current_user, timer.topic):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if timers.cancel_timer(current_user, timer):
        flash(_("Timer cancelled."), "success")
    return redirect(url_for("crisis.topic_tools", topic_id=timer.topic_id))


# --- a category's tools --------------------------------------------------------------------------------

def _managed_category(slug: str) -> Category:
    category = discussions.get_category(current_user, slug)
    if not permissions.can_manage_category(current_user, category):
        abort(403)
    return category


def _category_page(category: Category, slow_form: SlowModeForm | None = None) -> Any:
    row = slow_mode.current(category=category)
    return render_template("crisis/category_tools.html", category=category, slow=row,
                           slow_form=slow_form or SlowModeForm(), confirm=ConfirmForm()), \
        400 if slow_form and slow_form.errors else 200


@bp.get("/c/<slug>/crisis")
@login_required
def category_tools(slug: str) -> Any:
    return _category_page(_managed_category(slug))


@bp.post("/c/<slug>/slow-mode")
@login_required
@crisis_limit
def category_slow_mode(slug: str) -> Any:
    category = _managed_category(slug)
    if request.form.get("action") == "stop":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if slow_mode.stop(current_user, category=category):
            flash(_("Slow mode stopped."), "success")
        return redirect(url_for("crisis.category_tools", slug=category.slug))
    form = SlowModeForm()
    if form.validate_on_submit():
        try:
            slow_mode.start(current_user, int(form.seconds.data or 0), from_viewer_zone(form.until.data),
                            category=category)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Slow mode started."), "success")
            return redirect(url_for("crisis.category_tools", slug=category.slug))
    return _category_page(category, form)


@bp.post("/c/<slug>/lock")
@login_required
@crisis_limit
def lock_category(slug: str) -> Any:
    category = _managed_category(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    locked = request.form.get("action") != "unlock"
    if categories.set_locked(current_user, category, locked):
        flash(_("Category locked: members cannot post here.") if locked else _("Category unlocked."), "success")
    return redirect(url_for("crisis.category_tools", slug=category.slug))


# --- announce to all members ------------------------------------------------------------------------------

@bp.route("/announce", methods=["GET", "POST"])
@login_required
@crisis_limit
def announce() -> Any:
    if not permissions.can_announce(current_user):
        abort(403)
    form = AnnouncementForm()
    choices = announcements.categories_for(current_user)
    form.category.choices = [(c.id, c.name) for c in choices]
    preview = None
    count = None
    if form.validate_on_submit():
        category = next((c for c in choices if c.id == form.category.data), None)
        if category is None:
            abort(400)
        if "preview" not in request.form and not form.confirmed.data:
            # "Publish and send" without the tick: say so, keep the text (the preview below).
            form.confirmed.errors = [*form.confirmed.errors, _("Tick the box to confirm you checked the preview.")]
        elif "preview" not in request.form:
            try:
                row = announcements.announce(current_user, category, form.title.data or "", form.body.data or "",
                                             ip=request.remote_addr)
            except ValidationFailed as exc:
                apply_errors(form, exc, default_field="body")
            except PermissionDenied:
                abort(403)
            else:
                flash(_("Announcement published. The mail goes out in the background."), "success")
                return redirect(post_path(row.topic, 1)) if row.topic is not None else redirect(url_for(
                    "crisis.announce"))
        preview = announcements.preview_html(form.body.data or "")
        count = announcements.recipient_count()
    return render_template("crisis/announce.html", form=form, preview=preview, count=count,
                           recent=announcements.recent()), 400 if form.errors else 200


# --- Admin → Crisis: the site banner and read-only mode (admins only; /admin also requires it) --------

def _local(value: Any) -> datetime | None:
    """A stored UTC time (ISO text in the setting) as the admin's wall time, for a datetime-local field."""
    return to_viewer_zone(datetime.fromisoformat(str(value))) if value else None


def _fill(form: BannerForm, banner: dict[str, Any]) -> None:
    form.level.data, form.text_format.data = banner.get("level"), banner.get("format")
    form.dismissible.data = bool(banner.get("dismissible"))
    form.starts_at.data, form.ends_at.data = _local(banner.get("starts_at")), _local(banner.get("ends_at"))
    for code, entry in (banner.get("texts") or {}).items():
        if code in LOCALE_NAMES:
            getattr(form, f"text_{code}").data = entry.get("raw", "")


def _page(form: BannerForm, previews: dict[str, Markup] | None = None,
          read_only_form: ReadOnlyForm | None = None) -> Any:
    banner = site_notices.stored_banner()
    failed = bool(form.errors or (read_only_form and read_only_form.errors))
    return render_template("crisis/admin.html", form=form, banner=banner, state=site_notices.banner_state(banner),
                           previews=previews or {}, read_only=site_notices.read_only(),
                           read_only_form=read_only_form or ReadOnlyForm(), confirm=ConfirmForm(),
                           languages=LOCALE_NAMES), 400 if failed else 200


def _stored_banner_data() -> dict[str, Any]:
    form = BannerForm(formdata=None)
    banner = site_notices.stored_banner()
    if banner is not None:
        _fill(form, banner)
    return form.data


@bp.route("/admin/crisis", methods=["GET", "POST"])
def admin() -> Any:
    if not permissions.can_run_site(current_user):
        abort(403)
    form = BannerForm()
    if request.method == "GET":
        banner = site_notices.stored_banner()
        if banner is not None:
            _fill(form, banner)
        return _page(form)
    if not form.validate_on_submit():
        return _page(form)
    texts = {code: getattr(form, f"text_{code}").data or "" for code in LOCALE_NAMES}
    starts, ends = from_viewer_zone(form.starts_at.data), from_viewer_zone(form.ends_at.data)
    try:
        if "preview" in request.form:
            site_notices.check_banner(texts, starts, ends)
            previews = {code: Markup(site_notices.cook_text(raw, form.text_format.data or "markdown"))  # noqa: S704
                        for code, raw in texts.items() if raw.strip()}
            return _page(form, previews)
        site_notices.save_banner(current_user, level=form.level.data or "info",
                                 text_format=form.text_format.data or "", texts=texts,
                                 dismissible=bool(form.dismissible.data), starts_at=starts, ends_at=ends)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _page(form)
    flash(_("Banner saved."), "success")
    return redirect(url_for("crisis.admin"))


@bp.post("/admin/crisis/banner/end")
def end_banner() -> Any:
    if not permissions.can_run_site(current_user) or not ConfirmForm().validate_on_submit():
        abort(403 if not permissions.can_run_site(current_user) else 400)
    if site_notices.end_banner(current_user):
        flash(_("Banner ended."), "success")
    return redirect(url_for("crisis.admin"))


@bp.post("/admin/crisis/read-only")
def read_only() -> Any:
    if not permissions.can_run_site(current_user):
        abort(403)
    form = ReadOnlyForm()
    if not form.validate_on_submit():  # the page again, with the error and the message as typed
        return _page(BannerForm(formdata=None, data=_stored_banner_data()), read_only_form=form)
    on = request.form.get("action") == "on"
    site_notices.set_read_only(current_user, on, form.message.data or "")
    flash(_("The community is read-only: only staff can write.") if on else _("The community is open for writing "
                                                                               "again."), "success")
    return redirect(url_for("crisis.admin"))
