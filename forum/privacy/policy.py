"""The privacy settings (admin-editable, forum.settings) and what they mean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from forum.settings import get_setting

ANONYMISE = "anonymise"
REMOVE = "remove"
MEMBER_CHOOSES = "member"
CONTENT_CHOICES = (ANONYMISE, REMOVE, MEMBER_CHOOSES)

DEFAULTS: dict[str, Any] = {
    # What becomes of a deleted account's published posts.
    "privacy_deleted_content": ANONYMISE,
    # Days between the confirmed deletion and the erasure (a sign-in meanwhile may cancel it).
    "privacy_grace_days": 14,
    # Days a data export's download link works; the file is removed afterwards.
    "privacy_export_link_days": 7,
    # Data exports a member may ask for in 24 hours.
    "privacy_exports_per_day": 3,
    # Days IP addresses are kept beside posts, audit entries and sign-ins.
    "privacy_ip_retention_days": 90,
    # After that: True keeps the network (IPv4 /24, IPv6 /48), False removes the address.
    "privacy_ip_truncate": True,
}


def _int(key: str) -> int:
    try:
        return int(get_setting(key))
    except (TypeError, ValueError):
        return int(DEFAULTS[key])


def deleted_content() -> str:
    value = get_setting("privacy_deleted_content")
    return value if value in CONTENT_CHOICES else ANONYMISE


def removes_content(member_asked: bool) -> bool:
    """Whether a deletion withdraws the member's posts: the admin decides, or lets them."""
    policy = deleted_content()
    return policy == REMOVE or (policy == MEMBER_CHOOSES and member_asked)


def grace_period() -> timedelta:
    return timedelta(days=max(0, _int("privacy_grace_days")))


def export_link_lifetime() -> timedelta:
    return timedelta(days=max(1, _int("privacy_export_link_days")))


def exports_per_day() -> int:
    return max(1, _int("privacy_exports_per_day"))


def ip_retention() -> timedelta:
    return timedelta(days=max(1, _int("privacy_ip_retention_days")))


def ip_truncate() -> bool:
    return get_setting("privacy_ip_truncate") is not False
