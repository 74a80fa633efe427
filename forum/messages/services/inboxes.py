"""Staff groups' inboxes: admins open them ("Message Customer Care") and describe them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import record_action
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import set_setting
from forum.staff.models import StaffGroup

from ..models import GroupInbox
from .reads import OPEN_INBOXES

MAX_DESCRIPTION = 2000


def inbox_of(group: StaffGroup) -> GroupInbox | None:
    return db.session.scalar(select(GroupInbox).where(GroupInbox.group_id == group.id))


def configure_inbox(admin: User, group: StaffGroup, *, enabled: bool, description: str) -> GroupInbox:
    """Open or close a group's inbox and set what the contact page says of it (audited)."""
    if not admin.is_admin:
        raise PermissionDenied()
    description = (description or "").replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed({"description": _("Please keep it under %(n)d characters.", n=MAX_DESCRIPTION)})
    inbox = inbox_of(group)
    before = {"enabled": inbox.enabled, "description": inbox.description[:300]} if inbox is not None else None
    if inbox is None:
        inbox = GroupInbox(group_id=group.id)
        db.session.add(inbox)
    inbox.enabled = enabled
    inbox.description = description
    db.session.flush()
    record_action(admin, "group_inbox.update", "staff_group", group.id, before=before,
                  after={"enabled": enabled, "description": description[:300]})
    sync_open_inboxes()
    db.session.commit()
    return inbox


def sync_open_inboxes() -> None:
    """The setting badges read (no query of their own) follows the table, in the caller's transaction."""
    db.session.flush()
    set_setting(OPEN_INBOXES, sorted(db.session.scalars(select(GroupInbox.group_id)
                                                        .where(GroupInbox.enabled.is_(True)))))
