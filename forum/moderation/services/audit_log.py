"""The audit log as moderators browse it (the log itself is :mod:`forum.audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forum import audit
from forum.errors import PermissionDenied

from .. import permissions


def audit_page(viewer: Any, filters: audit.AuditFilters, before: int | None = None) -> audit.AuditPage:
    """A page of the log, its entries also in words (``rows``: names, not ids; before → after)."""
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    page = audit.audit_page(filters, before)
    page.rows = audit.present(page.entries)
    return page


def audit_csv(viewer: Any, filters: audit.AuditFilters) -> Iterator[str]:
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    return audit.audit_csv(filters)
