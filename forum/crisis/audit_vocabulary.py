"""How the crisis tools read in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"crisis.banner_save": _l("Saved the site banner"), "crisis.banner_end": _l("Ended the site banner"),
             "crisis.read_only_on": _l("Made the community read-only"),
             "crisis.read_only_off": _l("Ended read-only mode"),
             "crisis.slow_mode_start": _l("Started slow mode"), "crisis.slow_mode_stop": _l("Stopped slow mode"),
             "crisis.timer_add": _l("Set a topic timer"), "crisis.timer_cancel": _l("Cancelled a topic timer"),
             "crisis.category_lock": _l("Locked a category"), "crisis.category_unlock": _l("Unlocked a category"),
             "crisis.announce": _l("Announced to all members")},
    fields={"seconds": _l("Seconds"), "until": _l("Until"), "level": _l("Level"), "dismissible": _l("Dismissible"),
            "starts_at": _l("Starts"), "ends_at": _l("Ends"), "languages": _l("Languages"),
            "read_only": _l("Read-only"), "message": _l("Message"), "action": _l("Action"), "run_at": _l("When"),
            "older_than_hours": _l("Older than (hours)"), "recipients": _l("Recipients"),
            "announcement": _l("Announcement"), "timer": _l("Timer"), "version": _l("Version")},
)
