"""The community health dashboard: daily statistics filled by a job, searches with no results (issue 15)."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs, settings
from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection
from forum.registry import contribute
from forum.search.interfaces import SearchRecorder

from . import audit_vocabulary, models, personal_data, services  # noqa: F401  (models: the tables are the app's)
from .cli import insights_cli
from .views import bp

DEFAULTS = {
    # Distinct search queries kept per day; more are counted together (a flood cannot fill the table).
    "insights_max_queries_per_day": services.searches.DEFAULT_MAX_QUERIES_PER_DAY,
}


def init_app(app: Flask) -> None:
    """Registers everything this domain adds."""
    app.register_blueprint(bp)
    settings.register_defaults(app, DEFAULTS)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    contribute(app, SearchRecorder, services.record_search)
    jobs.register_job(app, jobs.JobType(services.REFRESH_JOB, services.refresh_recent, max_attempts=2))
    jobs.register_job(app, jobs.JobType(services.SETTLE_JOB, services.settle_recent, max_attempts=2,
                                        lease_seconds=3600))
    jobs.register_periodic(app, jobs.PeriodicJob(services.REFRESH_JOB, {"minute": "*/10"}))
    jobs.register_periodic(app, jobs.PeriodicJob(services.SETTLE_JOB, {"minute": "37", "hour": "2"}))
    contribute(app, AdminSection, AdminSection(
        "insights.dashboard", _l("Community health"),
        _l("members, activity, questions solved, response and review times, searches with no results")))
    contribute(app, click.Command, insights_cli)  # `flask forum insights …` (forum.cli adds contributions)
