"""Escalate to support: staff hand a topic (or one of its posts) to the brand's helpdesk.

The ``forum_escalation_created`` hook (after the commit) is what webhooks turn into an
``escalation_created`` delivery, so a helpdesk opens a ticket; it sends the ticket's reference
back through the API (``record_ticket``), and staff see "Escalated · ticket ABC-123" on the
topic until one of them marks it resolved.
"""

from __future__ import annotations

from flask import Flask

from forum.audit import AuditVocabulary
from forum.plugins.manager import register_core
from forum.registry import contribute

from . import audit_vocabulary, slots
from .services import record_ticket
from .views import bp

__all__ = ["init_app", "record_ticket"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_core(app, slots, "escalations.slots")
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
