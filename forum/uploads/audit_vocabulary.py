"""How upload settings read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"settings.uploads": _l("Changed the upload settings")},
    fields={"enabled": _l("Uploads"), "max_file_mb": _l("Largest file"),
            "max_file_mb_staff": _l("Largest file (staff)"),
            "files_per_post": _l("Files per post"), "daily_mb": _l("Daily quota"),
            "daily_mb_new": _l("Daily quota (new members)"),
            "files_per_hour": _l("Files per hour"), "new_member_posts": _l("New during the first posts"),
            "new_member_days": _l("New during the first days"), "hold_new_members": _l("Hold new members' files"),
            "image_max_side": _l("Largest image side"), "attachment_extensions": _l("File types"),
            "gravatar": _l("Gravatar"), "download_remote_images": _l("Host remote images"),
            "orphan_grace_hours": _l("Unused files kept for")},
)
