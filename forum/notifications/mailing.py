"""Everything notifications adds for mail, registered from :func:`forum.notifications.init_app`:
the settings (away minutes, the summary's default), the notice mail job, the summary job and its
hourly schedule, the preferences and unsubscribe pages, the admin's mail settings page."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection
from forum.registry import contribute

from . import preference_views, preferences
from .digests import DIGEST_JOB, run_digests
from .email import send_notification_email
from .services import EMAIL_JOB


def init_app(app: Flask) -> None:
    preferences.init_app(app)
    jobs.register_job(app, jobs.JobType(EMAIL_JOB, send_notification_email, max_attempts=5, base_delay=60))
    jobs.register_job(app, jobs.JobType(DIGEST_JOB, run_digests, max_attempts=3, base_delay=300))
    jobs.register_periodic(app, jobs.PeriodicJob(DIGEST_JOB, {"minute": "23"}))
    preference_views.init_app(app)
    contribute(app, AdminSection, AdminSection("notification_prefs.admin_settings", _l("Email"),
                                               _l("the summary email and “email when I am away”")))
    contribute(app, AuditVocabulary, AuditVocabulary(
        actions={"settings.email": _l("Changed the email settings")},
        fields={"notification_away_minutes": _l("Minutes before “email when I am away”"),
                "digest_default": _l("Summary email of members who never chose")}))
