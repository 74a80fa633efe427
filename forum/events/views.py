"""Event pages, RSVPs, host tools and calendar feeds: thin views over the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.permissions import can_administer, posting_block_message
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.errors import ValidationFailed
from forum.extensions import db, member_action_limit, member_posting_limit
from forum.forms import apply_errors
from forum.i18n import known_timezones, select_timezone
from forum.i18n_content import translated
from forum.settings import all_settings, get_setting
from forum.urls import external_url

from . import ics, permissions, services
from .forms import EventForm, EventSettingsForm, RsvpForm
from .models import UNPUBLISHED_STATES, Event, HostState, RsvpStatus

bp = Blueprint("events", __name__)


# One posting allowance per member, shared with every page and the API that posts.
posting_limit = member_posting_limit()
rsvp_limit = member_action_limit("RATELIMIT_RSVP", methods=["POST"])

# Where events word a posting block their own way; every other code reads as accounts words it.
EVENT_BLOCK_MESSAGES = {
    "unverified": lambda: _("Please confirm your email address before creating an event."),
    "coc": lambda: _("Please accept the updated code of conduct first."),
}


# --- display helpers (templates) -------------------------------------------------------------

def _zone_name(tz: Any) -> str:
    return str(getattr(tz, "key", None) or getattr(tz, "zone", None) or tz)


@bp.app_template_global()
def event_when(event: Event) -> dict[str, str | None]:
    """The event's date and time in its own zone, plus the viewer's local time when it differs:
    "19:00 Europe/Rome · 18:00 your time"."""
    loc = get_locale()
    if event.all_day and event.start_date and event.end_date:
        text = format_date(event.start_date, "full", locale=loc)
        if event.end_date != event.start_date:
            text += " – " + format_date(event.end_date, "full", locale=loc)
        return {"event": text, "viewer": None, "viewer_zone": None}
    zone, start, end = event.zone, event.local_start, event.local_end
    if start.date() == end.date():
        text = (f"{format_date(start, 'full', locale=loc)} · {format_time(start, 'short', tzinfo=zone, locale=loc)}"
                f"–{format_time(end, 'short', tzinfo=zone, locale=loc)}")
    else:
        text = (f"{format_datetime(start, 'medium', tzinfo=zone, locale=loc)} – "
                f"{format_datetime(end, 'medium', tzinfo=zone, locale=loc)}")
    viewer_tz = get_timezone()
    viewer = None
    if viewer_tz is not None and event.starts_at.astimezone(viewer_tz).utcoffset() != start.utcoffset():
        vstart, vend = event.starts_at.astimezone(viewer_tz), event.ends_at.astimezone(viewer_tz)
        times = (f"{format_time(vstart, 'short', tzinfo=viewer_tz, locale=loc)}–"
                 f"{format_time(vend, 'short', tzinfo=viewer_tz, locale=loc)}")
        viewer = times if vstart.date() == start.date() else (
            f"{format_date(vstart, 'medium', locale=loc)} {times}")
    return {"event": text, "viewer": viewer, "viewer_zone": _zone_name(viewer_tz) if viewer else None}


@bp.app_template_global()
def event_list_when(event: Event) -> dict[str, str]:
    """Short date parts for lists and the calendar grid, in the viewer's zone (all-day events
    on their own dates)."""
    loc = get_locale()
    if event.all_day and event.start_date:
        day: date | datetime = event.start_date
        text = _("All day")
        if event.end_date and event.end_date != event.start_date:
            text = (f"{format_date(event.start_date, 'medium', locale=loc)} – "
                    f"{format_date(event.end_date, 'medium', locale=loc)}")
        time_text = ""
    else:
        tz = get_timezone()
        day = event.starts_at.astimezone(tz)
        time_text = format_time(day, "short", tzinfo=tz, locale=loc)
        text = f"{format_skeleton('MMMEd', day, tzinfo=tz, locale=loc)}, {time_text}"
    return {"month": format_date(day, "MMM", locale=loc), "day": format_date(day, "d", locale=loc),
            "text": text, "time": time_text, "iso": day.isoformat()}


@bp.app_template_global()
def topic_event(topic: Any) -> Event | None:
    """For the topic header: the event this topic discusses, if any (one query)."""
    return services.event_for_topic(current_user, topic.id)


def _event_url(event: Event) -> str:
    return external_url("events.show", event_id=event.id, slug=event.slug)


def _back(event: Event) -> Any:
    return redirect(url_for("events.show", event_id=event.id, slug=event.slug))


def _confirmed() -> bool:
    return bool(RsvpForm().validate_on_submit())


# --- listing ---------------------------------------------------------------------------------

def _month_arg() -> tuple[int, int]:
    today = datetime.now(get_timezone()).date()
    raw = request.args.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-", 1))
        if 1900 <= year <= 2200 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


@bp.get("/events")
def index() -> Any:
    year, month = _month_arg()
    loc = get_locale()
    grid = services.month_grid(current_user, year, month, get_timezone(),
                               first_weekday=loc.first_week_day if loc else 0)
    weekday_names = [loc.days["format"]["abbreviated"][i] for i in grid.weekday_order] if loc else []
    events, next_cursor = services.list_upcoming(current_user, after=request.args.get("after"))
    return render_template("events/index.html", events=events, next_cursor=next_cursor, grid=grid,
                           weekday_names=weekday_names, month_name=format_date(date(year, month, 1), "LLLL y",
                                                                               locale=loc),
                           can_create=permissions.can_create_event(current_user))


@bp.get("/events/past")
def past() -> Any:
    events, next_cursor = services.list_past(current_user, before=request.args.get("before"))
    return render_template("events/past.html", events=events, next_cursor=next_cursor)


# --- one event -------------------------------------------------------------------------------

@bp.get("/events/<int:event_id>")
def show_short(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    return redirect(url_for("events.show", event_id=event.id, slug=event.slug), 301)


@bp.get("/events/<int:event_id>/<slug>")
def show(event_id: int, slug: str) -> Any:
    event = services.get_event(current_user, event_id)
    if slug != event.slug:
        return redirect(url_for("events.show", event_id=event.id, slug=event.slug), 301)
    page = services.event_page(current_user, event)
    return render_template("events/show.html", event=event, page=page, form=RsvpForm(),
                           google_url=ics.google_calendar_url(event, _event_url(event)),
                           can_approve=permissions.can_approve_event(current_user, event),
                           block_messages=services.RSVP_BLOCK_MESSAGES)


@bp.post("/events/<int:event_id>/rsvp")
@login_required
@rsvp_limit
def rsvp(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if not _confirmed():
        abort(400)
    try:
        outcome = services.rsvp(current_user, event, request.form.get("status", ""))
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _back(event)
    if outcome.changed:
        flash({
            RsvpStatus.GOING: _("You are going. See you there!"),
            RsvpStatus.WAITLISTED: _("The event is full: you are on the waitlist (number %(n)d). We will tell "
                                     "you if a seat opens up.", n=outcome.waitlist_position or 0),
            RsvpStatus.INTERESTED: _("Marked as interested."),
            RsvpStatus.NOT_GOING: _("Thanks for letting the hosts know."),
        }[RsvpStatus(outcome.status or RsvpStatus.NOT_GOING)], "success")
    return _back(event)


def _form_choices(form: EventForm, event: Event | None) -> None:
    zones = sorted(known_timezones())
    form.timezone.choices = [(z, z.replace("_", " ")) for z in zones]
    if event is None:
        form.category.choices = [(c.id, translated(c, "name")) for c in services.category_choices(current_user)]


def _fill_form(form: EventForm, event: Event) -> None:
    form.title.data, form.description.data, form.timezone.data = event.title, event.description, event.timezone
    form.all_day.data = event.all_day
    if event.all_day:
        form.start_date.data, form.end_date.data = event.start_date, event.end_date
    else:
        start, end = event.local_start, event.local_end
        form.start_date.data, form.start_time.data = start.date(), start.time()
        form.end_date.data, form.end_time.data = end.date(), end.time()
    for name in ("venue", "address", "map_url", "online_url", "cover_url", "capacity", "visibility",
                 "attendee_visibility", "online_link_to_waitlist"):
        getattr(form, name).data = getattr(event, name)
    form.rsvp_deadline.data = event.rsvp_deadline.astimezone(event.zone).replace(tzinfo=None) \
        if event.rsvp_deadline else None
    # Declined invitees are left out: saving the form again must not re-invite them.
    form.cohosts.data = ", ".join(h.user.username for h in event.hosts if h.state != HostState.DECLINED)


def _blocked(exc: discussions.PostingBlocked) -> None:
    wording = EVENT_BLOCK_MESSAGES.get(exc.reason)
    flash(wording() if wording else posting_block_message(exc.reason), "warning")


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new() -> Any:
    if not permissions.can_create_event(current_user):
        abort(403)
    form = EventForm()
    _form_choices(form, None)
    if request.method == "GET":
        form.timezone.data = select_timezone()
        form.category.data = services.ensure_events_category().id
    elif form.validate_on_submit():
        try:
            event = services.create_event(current_user, form.to_input(), ip=request.remote_addr)
        except discussions.PostingBlocked as exc:
            _blocked(exc)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="description")
        else:
            if event.is_pending:
                flash(_("Thanks! Your event is awaiting approval by a moderator."), "info")
            else:
                flash(_("Your event is published."), "success")
            return redirect(url_for("events.show", event_id=event.id, slug=event.slug))
    return render_template("events/form.html", form=form, event=None), (400 if form.errors else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
@posting_limit
def edit(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if not permissions.can_manage_event(current_user, event):
        abort(403)
    form = EventForm()
    _form_choices(form, event)
    del form.category  # an event keeps the category of its discussion topic
    if request.method == "GET":
        _fill_form(form, event)
    elif form.validate_on_submit():
        try:
            services.update_event(current_user, event, form.to_input(), ip=request.remote_addr)
        except discussions.PostingBlocked as exc:
            _blocked(exc)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="description")
        else:
            flash(_("Your changes were saved."), "success")
            return _back(event)
    return render_template("events/form.html", form=form, event=event), (400 if form.errors else 200)


@bp.post("/events/<int:event_id>/cancel")
@login_required
def cancel(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if _confirmed():
        services.cancel_event(current_user, event)
        flash(_("The event is cancelled. Everyone who answered was told."), "info")
    return _back(event)


@bp.post("/events/<int:event_id>/approve")
@login_required
def approve(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if _confirmed():
        services.approve_event(current_user, event)
        flash(_("The event is published."), "success")
    return _back(event)


@bp.post("/events/<int:event_id>/rsvps")
@login_required
def close_rsvps(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if _confirmed():
        services.set_rsvps_closed(current_user, event, request.form.get("closed") == "1")
    return _back(event)


# --- co-host invitations: the invitee's answer -------------------------------------------------

@bp.post("/events/<int:event_id>/cohost/accept")
@login_required
@rsvp_limit
def accept_cohost(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if not _confirmed():
        abort(400)
    services.accept_cohost(current_user, event)
    flash(_("You are now a co-host of this event."), "success")
    return _back(event)


@bp.post("/events/<int:event_id>/cohost/decline")
@login_required
@rsvp_limit
def decline_cohost(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if not _confirmed():
        abort(400)
    services.decline_cohost(current_user, event)
    flash(_("You are not a co-host of this event."), "info")
    return _back(event)


# --- hosts: attendees ------------------------------------------------------------------------

@bp.get("/events/<int:event_id>/attendees")
@login_required
def attendees(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    return render_template("events/attendees.html", event=event, roster=services.roster(current_user, event),
                           form=RsvpForm())


@bp.get("/events/<int:event_id>/attendees.csv")
@login_required
def attendees_csv(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    body = services.attendees_csv(current_user, event)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}-attendees.csv"',
        "Cache-Control": "private, no-store"})


@bp.post("/events/<int:event_id>/attendees/<int:user_id>/remove")
@login_required
def remove_attendee(event_id: int, user_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if _confirmed():
        try:
            services.remove_attendee(current_user, event, user_id)
        except ValidationFailed as exc:
            flash(exc.message, "error")
    return redirect(url_for("events.attendees", event_id=event.id))


@bp.post("/events/<int:event_id>/attendees/<int:user_id>/check-in")
@login_required
def check_in(event_id: int, user_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    if _confirmed():
        services.set_checked_in(current_user, event, user_id, request.form.get("checked") == "1")
    return redirect(url_for("events.attendees", event_id=event.id) + f"#u{user_id}")


# --- calendars -------------------------------------------------------------------------------

def _ics(body: bytes, filename: str, *, private: bool = False, download: bool = False) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "private, no-store" if private else "public, max-age=300"})


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int) -> Any:
    event = services.get_event(current_user, event_id)
    # Only a published public event in a public category may sit in shared caches.
    private = not (event.state not in UNPUBLISHED_STATES and event.visibility == "public"
                   and event.category.read_access == "everyone")
    return _ics(ics.calendar([event], name=event.title, url_of=_event_url), f"event-{event.id}.ics",
                private=private, download=True)


@bp.get("/calendar.ics")
def calendar_ics() -> Any:
    name = all_settings().get("community_name") or current_app.config["COMMUNITY_NAME"]
    return _ics(ics.calendar(services.public_feed_events(), name=_("%(name)s events", name=name),
                             url_of=_event_url), "calendar.ics")


@bp.get("/events/c/<slug>.ics")
def category_ics(slug: str) -> Any:
    category, events = services.category_feed_events(current_user, slug)
    return _ics(ics.calendar(events, name=translated(category, "name"), url_of=_event_url), f"{category.slug}.ics",
                private=current_user.is_authenticated or category.read_access != "everyone")


@bp.get("/events/feed/<token>.ics")
def personal_ics(token: str) -> Any:
    user = services.user_for_feed_token(token)
    events = services.personal_feed_events(user)
    return _ics(ics.calendar(events, name=_("My events"), url_of=_event_url,
                             online_for=services.visible_online_event_ids(user, events)),
                "my-events.ics", private=True)


@bp.route("/events/calendar", methods=["GET", "POST"])
@login_required
def my_calendar() -> Any:
    form = RsvpForm()
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "revoke":
            services.revoke_feed_token(current_user)
            flash(_("Your calendar address no longer works."), "info")
        else:
            services.regenerate_feed_token(current_user)
            flash(_("Here is your new calendar address. The old one no longer works."), "success")
        return redirect(url_for("events.my_calendar"))
    token = services.feed_token(current_user)
    feed_url = external_url("events.personal_ics", token=token) if token else None
    return render_template("events/calendar.html", feed_url=feed_url, form=form)


# --- admin -----------------------------------------------------------------------------------

@bp.route("/admin/events", methods=["GET", "POST"])
@login_required
def admin_settings() -> Any:
    if not can_administer(current_user):
        abort(403)
    default = services.ensure_events_category()
    form = EventSettingsForm()
    form.category_id.choices = [(c.id, translated(c, "name")) for c in db.session.scalars(
        db.select(Category).order_by(Category.position, Category.name))]
    if request.method == "GET":
        form.category_id.data = default.id
        form.creators.data = get_setting("events_creators") or "staff"
        form.reminder_hours.data = int(get_setting("events_reminder_hours") or 24)
    elif form.validate_on_submit():
        try:
            services.save_settings(current_user, category_id=form.category_id.data or 0,
                                   creators=form.creators.data or "", reminder_hours=form.reminder_hours.data or 0)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("events.admin_settings"))
    return render_template("events/admin_settings.html", form=form)
