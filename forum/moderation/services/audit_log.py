"""The audit log as moderators browse it (the log itself is :mod:`forum.audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forum import audit
from forum.errors import PermissionDenied

from .. import permissions


def audit_page(viewer: Any, filters: audit.AuditFilters, before: int | None = None) -> audit.AuditPage:
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    return audit.audit_page(filters, before)


def audit_csv(viewer: Any, filters: audit.AuditFilters) -> Iterator[str]:
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    return audit.audit_csv(filters)
