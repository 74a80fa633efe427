"""The audit trail: who did what to which thing, when and why. Append-only.

On the ground floor so that every domain (discussions, moderation, staff, admin, plugins)
records its staff actions in the same transaction as the action itself, without depending
on moderation. Browsing it (``/moderation/audit``) is moderation's page.
"""

from forum.audit.models import AuditLog
from forum.audit.presenting import AuditRow, AuditVocabulary, TargetName, present
from forum.audit.services import AuditFilters, AuditPage, audit_csv, audit_page, record_action

__all__ = ["AuditFilters", "AuditLog", "AuditPage", "AuditRow", "AuditVocabulary", "TargetName", "audit_csv",
           "audit_page", "present", "record_action"]
