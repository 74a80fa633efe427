"""Everything notifications adds for mail, registered from :func:`forum.notifications.init_app`:
the settings (away minutes, the summary's default), the notice mail job, the summary job and its
hourly schedule, the preferences and unsubscribe pages."""

from __future__ import annotations

from flask import Flask

from forum import jobs

from . import preference_views, preferences
from .digests import DIGEST_JOB, run_digests
from .email import EMAIL_JOB, send_notification_email


def init_app(app: Flask) -> None:
    preferences.init_app(app)
    jobs.register_job(app, jobs.JobType(EMAIL_JOB, send_notification_email, max_attempts=5, base_delay=60))
    jobs.register_job(app, jobs.JobType(DIGEST_JOB, run_digests, max_attempts=3, base_delay=300))
    jobs.register_periodic(app, jobs.PeriodicJob(DIGEST_JOB, {"minute": "23"}))
    preference_views.init_app(app)
