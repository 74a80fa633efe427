"""How the privacy domain's entries read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"user.erase": _l("Erased an account"),
             "user.deletion_scheduled": _l("Confirmed the deletion of their account"),
             "user.deletion_cancelled": _l("Cancelled the deletion of their account"),
             "settings.privacy": _l("Changed the privacy settings")},
    fields={"remove_content": _l("Posts removed"), "erase_after": _l("Erased after"),
            "privacy_deleted_content": _l("Deleted accounts' posts"), "privacy_grace_days": _l("Grace period (days)"),
            "privacy_export_link_days": _l("Export link (days)"), "privacy_exports_per_day": _l("Exports per day"),
            "privacy_ip_retention_days": _l("IP retention (days)"), "privacy_ip_truncate": _l("Truncate IPs")},
)
