"""Members' data rights (GDPR): a copy of one's data, deleting one's account (with a grace
period), administrators anonymising a member, and the retention of IP addresses.

Every domain contributes its own part (:class:`~forum.accounts.interfaces.PersonalData`,
:class:`~forum.accounts.interfaces.StoredAddresses`) from its ``init_app``; this domain walks
the contributions, so it keeps no list of domains. The audit log (a ground-floor module with no
``init_app`` of its own) has its IP retention contributed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs, settings
from forum.accounts.interfaces import StoredAddresses
from forum.audit import AuditVocabulary
from forum.audit.personal_data import AuditAddresses
from forum.interfaces import AdminSection
from forum.registry import contribute

from . import audit_vocabulary, names, permissions, policy, services
from .views import bp


def _periodic(work: Callable[[], int]) -> Callable[[dict[str, Any]], None]:
    """A periodic job's handler: the payload is empty, the count is for the log and the tests."""

    def handler(_payload: dict[str, Any]) -> None:
        work()

    return handler


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    settings.register_defaults(app, policy.DEFAULTS)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, StoredAddresses, AuditAddresses())
    contribute(app, AdminSection, AdminSection(
        "privacy.admin_settings", _l("Privacy"),
        _l("deleted accounts' posts, grace period, data exports, IP address retention")))
    app.jinja_env.tests["former_member"] = permissions.is_former_member
    app.jinja_env.filters["member_name"] = names.member_name
    app.add_template_global(permissions.can_erase_member, "can_erase_member")
    jobs.register_job(app, jobs.JobType(services.BUILD_JOB, services.build_export, max_attempts=3))
    jobs.register_job(app, jobs.JobType(services.CLEANUP_JOB, _periodic(services.cleanup_exports), max_attempts=1))
    jobs.register_job(app, jobs.JobType(services.ERASE_JOB, _periodic(services.erase_due), max_attempts=1))
    jobs.register_job(app, jobs.JobType(services.RETENTION_JOB, _periodic(services.purge_old_addresses),
                                        max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob(services.CLEANUP_JOB, {"minute": "7"}))
    jobs.register_periodic(app, jobs.PeriodicJob(services.ERASE_JOB, {"minute": "37"}))
    jobs.register_periodic(app, jobs.PeriodicJob(services.RETENTION_JOB, {"minute": "47", "hour": "4"}))
