"""A staff member's signature on official replies: personal title, initials, leading badge."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.models import User
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.plugins import Draft, FilterContext, VerdictKind
from forum.plugins.manager import run_filters
from forum.text import one_line

from .. import permissions
from ..models import StaffMembership


def update_staff_profile(user: User, *, title: str | None, initials: str | None,
                         primary_group_id: int | None = None) -> None:
    if not permissions.can_edit_staff_profile(user):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    title = one_line(title) or None
    if title and len(title) > 64:
        errors["title"] = _("Please keep it under %(n)d characters.", n=64)
    initials = one_line(initials) or None
    if initials and (len(initials) > 8 or not all(c.isalpha() or c in ".-' " for c in initials)):
        errors["signature_initials"] = _("Up to 8 letters, such as GR.")
    if errors:
        raise ValidationFailed(errors)
    text = "\n".join(v for v in (title, initials) if v)
    if text:
        # The same content filters as posts (context "signature"): a title speaks on every official reply.
        verdict, _verdicts = run_filters("forum_filter_post", draft=Draft(raw=text), author=user,
                                         context=FilterContext(kind="signature"))
        if verdict.kind in (VerdictKind.REJECT, VerdictKind.REQUIRE_APPROVAL):
            raise ValidationFailed({"title": verdict.message or _("This title cannot be used.")})
    user.title, user.signature_initials = title, initials
    if primary_group_id:
        membership = db.session.scalar(select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.group_id == primary_group_id))
        if membership is None:
            raise ValidationFailed({"primary_group": _("Choose one of your groups.")})
        db.session.execute(db.update(StaffMembership).where(StaffMembership.user_id == user.id)
                           .values(is_primary=StaffMembership.id == membership.id))
        db.session.expire(user, ["staff_memberships"])
    db.session.commit()

