"""The admin's privacy settings page writes through here (audited)."""

from __future__ import annotations

from flask_babel import gettext as _

from forum.accounts.models import User
from forum.audit import record_action
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting, set_setting

from .. import permissions, policy


def save_settings(admin: User, *, deleted_content: str, grace_days: int, export_link_days: int,
                  exports_per_day: int, ip_retention_days: int, ip_truncate: bool) -> None:
    if not permissions.can_configure(admin):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if deleted_content not in policy.CONTENT_CHOICES:
        errors["deleted_content"] = _("Choose what becomes of a deleted account's posts.")
    if not 0 <= grace_days <= 90:
        errors["grace_days"] = _("Between 0 and 90 days.")
    if not 1 <= export_link_days <= 30:
        errors["export_link_days"] = _("Between 1 and 30 days.")
    if not 1 <= exports_per_day <= 20:
        errors["exports_per_day"] = _("Between 1 and 20.")
    if not 1 <= ip_retention_days <= 3650:
        errors["ip_retention_days"] = _("Between 1 and 3650 days.")
    if errors:
        raise ValidationFailed(errors)
    values = {"privacy_deleted_content": deleted_content, "privacy_grace_days": grace_days,
              "privacy_export_link_days": export_link_days, "privacy_exports_per_day": exports_per_day,
              "privacy_ip_retention_days": ip_retention_days, "privacy_ip_truncate": ip_truncate}
    before = {key: get_setting(key) for key in values}
    changed = {key for key, value in values.items() if before[key] != value}
    if not changed:
        return
    for key in changed:
        set_setting(key, values[key])
    record_action(admin, "settings.privacy", "settings", None, before={k: before[k] for k in sorted(changed)},
                  after={k: values[k] for k in sorted(changed)})
    db.session.commit()
