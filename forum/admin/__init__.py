"""Administration: categories, brand, code of conduct, plugins; the admin area's shell."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary
from forum.interfaces import AdminFigure, AdminSection
from forum.registry import contribute, contributions

from . import audit_vocabulary, jobs_views, plugins_views, services, views  # noqa: F401 - the modules that declare bp's routes
from .blueprint import bp

__all__ = ["AdminFigure", "AdminSection", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, AdminSection, AdminSection("admin.plugins", _l("Plugins"),
                                               _l("enable or disable plugins, change their settings")))
    contribute(app, AdminSection, AdminSection("admin.jobs", _l("Jobs and mail"),
                                               _l("the background queue: waiting, failed, retry; mail delivery")))
    contribute(app, AdminFigure, AdminFigure(_l("Failed jobs"), lambda viewer: services.failed_job_count(),
                                             "admin.jobs", hint=_l("mail, notifications, digests"),
                                             needs_action=True))
    app.add_template_global(lambda: contributions(AdminSection), "admin_sections")
