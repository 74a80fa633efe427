"""How the dashboard's actions read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"insights.refresh": _l("Refreshed the community health figures")},
    target_labels={"insights": _l("community health dashboard")},
)
