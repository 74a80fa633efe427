"""Crisis tools: site banners, slow mode, topic timers, locked categories, read-only mode, announcements (issue 15).

* The banner and read-only mode are settings (no query per page): :mod:`.site_notices`.
* Slow mode and read-only mode refuse posts as content-filter verdicts (text kept): :mod:`.hooks`.
* Topic timers run from a periodic job: :mod:`.timers`. Announcements fan out in batches
  through the job queue: :mod:`.announcements`.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs
from forum.accounts.interfaces import SitePause
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection
from forum.notifications import register_kinds
from forum.plugins.manager import register_core
from forum.registry import contribute
from forum.settings import register_defaults

from . import announcements, audit_vocabulary, hooks, page, permissions, site_notices, timers, views

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    register_defaults(app, site_notices.SETTINGS)
    app.register_blueprint(views.bp)  # the one blueprint: the tools' pages and Admin → Crisis
    register_core(app, hooks, "crisis")
    register_kinds(app, announcements.ANNOUNCEMENT_KIND)
    jobs.register_job(app, jobs.JobType(timers.RUN_JOB, timers.handle_run, max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob(timers.RUN_JOB, {"minute": "*"}))
    jobs.register_job(app, jobs.JobType(announcements.BATCH_JOB, announcements.run_batch))
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, SitePause, site_notices.ReadOnlyPause())  # said up front where members would write
    contribute(app, AdminSection, AdminSection("crisis.admin", _l("Crisis tools"),
                                               _l("The site banner and read-only mode for maintenance.")))
    app.add_template_global(site_notices.shown_banner, "crisis_banner")
    app.add_template_global(site_notices.read_only, "crisis_read_only")
    app.add_template_global(page.topic_notices, "crisis_topic_notices")
    app.add_template_global(page.timer_sentence, "timer_sentence")
    app.add_template_global(page.can_manage_category, "crisis_can_manage_category")
    app.add_template_global(permissions.can_manage_topic, "crisis_can_manage_topic")
    app.add_template_global(permissions.is_exempt, "crisis_is_exempt")
