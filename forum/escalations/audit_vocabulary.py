"""How escalations read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"escalation.create": _l("Escalated to support"), "escalation.ticket": _l("Recorded a support ticket"),
             "escalation.resolve": _l("Marked an escalation resolved")},
    fields={"escalation": _l("Escalation"), "priority": _l("Priority"), "ticket_reference": _l("Ticket"),
            "ticket_url": _l("Ticket address")},
)
