"""The upload limits: one owner for sizes, counts, quotas and which files are accepted.

Three tiers: staff (moderators, admins, brand staff), new members (their first posts or days,
the same shared rule the link limits use) and members. Every limit is a setting (Admin ->
Uploads); 0 switches a count or quota off. Messages name the file's size and the limit in the
member's language ("This image is 14 MB; the limit is 8 MB").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from forum.plugins import is_new_member
from forum.settings import get_setting

MB = 1024 * 1024

DEFAULTS: dict[str, Any] = {
    "uploads_enabled": True,
    "uploads_max_file_mb": 8,            # members, per file
    "uploads_max_file_mb_staff": 32,
    "uploads_files_per_post": 10,        # staff: no limit
    "uploads_daily_mb": 100,             # per member per 24 hours; staff: no quota
    "uploads_daily_mb_new": 20,
    "uploads_files_per_hour": 60,        # per member, both ways in (composer and form field); staff: no limit
    "uploads_new_member_posts": 3,       # "new" during their first posts...
    "uploads_new_member_days": 1,        # ...or days (0 switches a criterion off)
    "uploads_hold_new_members": False,   # a new member's post with files waits for a moderator
    "uploads_image_max_side": 2048,      # pixels; larger images are scaled down
    "uploads_attachment_extensions": ["pdf", "txt", "csv", "zip"],
    "uploads_gravatar": False,           # privacy: off unless the admin opts in
    "uploads_download_remote_images": False,
    "uploads_orphan_grace_hours": 48,
}

# Never attachments whatever the allowlist says: a browser or an OS would run or render them.
FORBIDDEN_EXTENSIONS = frozenset({"html", "htm", "xhtml", "svg", "svgz", "xml", "js", "mjs", "exe", "bat", "cmd",
                                  "com", "msi", "scr", "sh", "ps1", "vbs", "jar", "php", "hta", "swf"})
MAX_PIXELS = 40_000_000  # above this an image is refused before it is decoded (decompression bombs)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    files_per_post: int  # 0: no limit
    daily_bytes: int     # 0: no quota
    files_per_hour: int  # 0: no limit
    new_member: bool
    hold_posts: bool


def limits_for(user: Any) -> Limits:
    if user.is_moderator or user.is_staff_member:  # a capped moderator's key: a member's limits
        return Limits(int(get_setting("uploads_max_file_mb_staff")) * MB, 0, 0, 0, False, False)
    new = is_new_member(user, posts=int(get_setting("uploads_new_member_posts") or 0),
                        days=int(get_setting("uploads_new_member_days") or 0))
    daily = int(get_setting("uploads_daily_mb_new" if new else "uploads_daily_mb") or 0)
    return Limits(int(get_setting("uploads_max_file_mb")) * MB, int(get_setting("uploads_files_per_post") or 0),
                  daily * MB, int(get_setting("uploads_files_per_hour") or 0), new,
                  new and bool(get_setting("uploads_hold_new_members")))


def attachment_extensions() -> frozenset[str]:
    allowed = {str(e).lower().lstrip(".") for e in get_setting("uploads_attachment_extensions") or ()}
    return frozenset(allowed - FORBIDDEN_EXTENSIONS)


def human_size(size: int) -> str:
    """Bytes as a member reads them: "14 MB", "820 KB", "1.5 MB" (in their locale's digits)."""
    if size >= MB:
        value = size / MB
        return _("%(n)s MB", n=format_decimal(round(value, 1) if value < 10 else round(value)))
    return _("%(n)s KB", n=format_decimal(round(size / 1024) if size <= 0 else max(1, round(size / 1024))))
