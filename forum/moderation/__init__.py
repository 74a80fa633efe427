"""Moderation: review queue, flags, sanctions, staff notes and the audit log."""
