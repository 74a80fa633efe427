"""How the messages domain's staff actions read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"group_inbox.update": _l("Changed a staff group's inbox")},
    fields={"enabled": _l("Open to messages"), "description": _l("Description")},
)
