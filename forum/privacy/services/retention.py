"""IP retention: addresses older than the retention period are truncated to their network or
removed, by a periodic job walking every :class:`~forum.accounts.interfaces.StoredAddresses`
contribution (posts, audit entries, sign-ins, messages…), each in its own transaction."""

from __future__ import annotations

import logging

from forum.accounts.interfaces import StoredAddresses
from forum.db_types import utcnow
from forum.extensions import db
from forum.registry import contributions

from .. import policy

log = logging.getLogger(__name__)

RETENTION_JOB = "privacy.purge_addresses"


def purge_old_addresses() -> int:
    """Returns how many rows changed (0 when run again: each contribution is idempotent)."""
    before = utcnow() - policy.ip_retention()
    truncate = policy.ip_truncate()
    changed = 0
    for stored in contributions(StoredAddresses):
        try:
            changed += stored.purge_addresses(before, truncate=truncate)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("IP retention failed for %r", stored)
            raise
    if changed:
        log.info("IP retention: %d addresses %s", changed, "truncated" if truncate else "removed")
    return changed
