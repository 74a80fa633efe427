"""Admin -> Uploads: the upload settings, validated and audited in one place."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from forum.accounts.models import User
from forum.accounts.permissions import can_administer
from forum.audit import record_action
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting, set_setting
from forum.uploads.limits import FORBIDDEN_EXTENSIONS

# form field -> setting key
FIELDS = {name: f"uploads_{name}" for name in (
    "enabled", "max_file_mb", "max_file_mb_staff", "files_per_post", "daily_mb", "daily_mb_new", "files_per_hour",
    "new_member_posts", "new_member_days", "hold_new_members", "image_max_side", "attachment_extensions",
    "gravatar", "download_remote_images", "orphan_grace_hours")}
_EXTENSION_RE = re.compile(r"[a-z0-9]{1,10}")


def current_settings() -> dict[str, Any]:
    values = {name: get_setting(key) for name, key in FIELDS.items()}
    values["attachment_extensions"] = " ".join(values["attachment_extensions"] or ())
    return values


def parse_extensions(text: str) -> list[str]:
    """"pdf, .TXT csv" -> ["pdf", "txt", "csv"]; refuses what could run or render in a browser."""
    found = [e.lower().lstrip(".") for e in re.split(r"[\s,;]+", text or "") if e.strip(" .")]
    bad = sorted({e for e in found if not _EXTENSION_RE.fullmatch(e)})
    if bad:
        raise ValidationFailed({"attachment_extensions": _("Not valid file extensions: %(list)s.",
                                                           list=", ".join(bad))})
    refused = sorted(set(found) & FORBIDDEN_EXTENSIONS)
    if refused:
        raise ValidationFailed({"attachment_extensions": _(
            "These types are never accepted (a browser or a computer would run them): %(list)s.",
            list=", ".join(refused))})
    return list(dict.fromkeys(found))


def save_settings(admin: User, values: dict[str, Any]) -> set[str]:
    """Store the upload settings; the keys that changed (audited)."""
    if not can_administer(admin):
        raise PermissionDenied()
    values = dict(values)
    values["attachment_extensions"] = parse_extensions(str(values.get("attachment_extensions") or ""))
    before = {name: get_setting(key) for name, key in FIELDS.items()}
    changed = {name for name in FIELDS if values.get(name) != before[name]}
    for name in changed:
        set_setting(FIELDS[name], values[name])
    if changed:
        record_action(admin, "settings.uploads", "settings", None, before={k: before[k] for k in sorted(changed)},
                      after={k: values[k] for k in sorted(changed)})
    db.session.commit()
    return changed
