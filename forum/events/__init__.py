"""Meetups: events, RSVPs, waitlist, calendar feeds (ICS) and reminders."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs, settings
from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection, DemoLoader
from forum.moderation.interfaces import ReviewSubject
from forum.notifications import register_kinds
from forum.plugins.manager import register_core
from forum.registry import contribute
from forum.search.interfaces import SearchSource

from . import audit_vocabulary, personal_data, search
from .demo import load_demo_events
from .review import HeldEvents
from .services import send_due_reminders
from .services.notices import KINDS as NOTIFICATION_KINDS
from .views import bp

DEFAULTS = {
    # The default category of event discussions (None: an "Events" category is made on first
    # use), who creates events ("staff" | "members"), and the reminder lead time in hours.
    "events_category_id": None,
    "events_creators": "staff",
    "events_reminder_hours": 24,
}


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    settings.register_defaults(app, DEFAULTS)
    register_kinds(app, *NOTIFICATION_KINDS)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, AdminSection, AdminSection("events.admin_settings", _l("Events"),
                                               _l("events category, who can create events, reminders")))
    contribute(app, DemoLoader, load_demo_events)
    contribute(app, ReviewSubject, HeldEvents())
    contribute(app, SearchSource, search.EventSource())
    register_core(app, search, "events.search")
    # Reminders go out from the job queue's own schedule (the send-reminders command still works
    # from cron); the run is idempotent, one reminder per member per start time.
    jobs.register_job(app, jobs.JobType("events.send_reminders", _send_reminders, max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob("events.send_reminders", {"minute": "*/5"}))


def _send_reminders(_payload: dict[str, object]) -> None:
    send_due_reminders()
