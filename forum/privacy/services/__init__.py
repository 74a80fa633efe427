"""The privacy domain's services: exports, erasure, retention, settings."""

from __future__ import annotations

from .erasure import (
    ERASE_JOB,
    admin_erase,
    cancel_deletion,
    confirm_deletion,
    erase_account,
    erase_due,
    open_deletion,
    read_confirmation,
    request_deletion,
)
from .exports import (
    BUILD_JOB,
    CLEANUP_JOB,
    LinkExpired,
    build_archive,
    build_export,
    cleanup_exports,
    export_for_download,
    exports_of,
    request_export,
)
from .retention import RETENTION_JOB, purge_old_addresses
from .settings import save_settings

__all__ = ["BUILD_JOB", "CLEANUP_JOB", "ERASE_JOB", "RETENTION_JOB", "LinkExpired", "admin_erase", "build_archive",
           "build_export", "cancel_deletion", "cleanup_exports", "confirm_deletion", "erase_account", "erase_due",
           "export_for_download", "exports_of", "open_deletion", "purge_old_addresses", "read_confirmation",
           "request_deletion", "request_export", "save_settings"]
