"""How trust levels read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"trust.promote": _l("Trust level raised by activity"), "trust.set": _l("Set a trust level"),
             "trust.demote": _l("Trust level dropped after repeated sanctions"),
             "settings.trust_levels": _l("Changed the trust level thresholds")},
    fields={"trust_level": _l("Trust level"), "trust_level_locked": _l("Trust level locked"),
            "trust_level_locked_until": _l("Locked until")},
)
