"""How webhook changes read in the audit log (never the secret)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary

VOCABULARY = AuditVocabulary(
    actions={"webhook.create": _l("Added a webhook endpoint"), "webhook.update": _l("Changed a webhook endpoint"),
             "webhook.delete": _l("Deleted a webhook endpoint"),
             "webhook.rotate_secret": _l("Made a new webhook secret"),
             "webhook.ping": _l("Sent a webhook test ping"), "webhook.redeliver": _l("Redelivered a webhook"),
             "webhook.auto_disable": _l("Turned off a failing webhook endpoint")},
    fields={"url": _l("URL"), "events": _l("Events"), "active": _l("Active"),
            "allow_internal": _l("Internal host allowed"),
            "include_private": _l("Members-only and staff-only content included"), "failures": _l("Failures in a row")},
    target_labels={"webhook": _l("webhook endpoint")},
)
