"""Webhooks: signed JSON deliveries of forum events to the brand's systems (issue 14).

Admins add endpoints (Admin → Webhooks); the core hook implementations in :mod:`.hooks` turn
forum events into deliveries after their commit; the ``webhooks.deliver`` job sends each one
through :mod:`forum.outbound` (SSRF-safe) with retries; see :mod:`.services.delivery` for the
policy and :mod:`.signing` for the signature.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs
from forum.audit import AuditVocabulary
from forum.interfaces import AdminFigure, AdminSection, EventOutbox
from forum.notifications import register_kinds
from forum.registry import contribute

from . import audit_vocabulary, hooks, notices, services
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    contribute(app, EventOutbox, hooks.Outbox())
    register_kinds(app, *notices.KINDS)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    jobs.register_job(app, jobs.JobType(services.JOB, _deliver, max_attempts=services.MAX_ATTEMPTS + 2,
                                        base_delay=services.delivery.BASE_DELAY, lease_seconds=120))
    jobs.register_job(app, jobs.JobType(services.PRUNE_JOB, lambda _payload: _prune(), max_attempts=2))
    jobs.register_periodic(app, jobs.PeriodicJob(services.PRUNE_JOB, {"minute": "41", "hour": "3"}))
    contribute(app, AdminSection, AdminSection("webhooks.admin_list", _l("Webhooks"),
                                               _l("send forum events to your helpdesk, CRM or chat")))
    contribute(app, AdminFigure, AdminFigure(
        _l("Webhooks turned off"), lambda viewer: services.disabled_by_failures_count(), "webhooks.admin_list",
        hint=_l("after failed deliveries"), needs_action=True))


def _deliver(payload: dict[str, Any]) -> None:
    services.deliver(int(payload["delivery_id"]))


def _prune() -> None:
    while services.prune():
        pass
