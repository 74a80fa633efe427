"""Member states: where an account stands, defined once, read from the User row alone.

Every permission that says "members" means an *active* member: a visitor, an account that
never verified its address, an applicant waiting for approval, a rejected applicant and a
suspended member are not members for reading members-only places, flagging, RSVPs or
publishing profile text. Silenced members keep reading but take no part (no posts, flags,
RSVPs or seats).

The state is computed from columns of ``users`` (no query): ``email_verified_at``,
``membership`` (the application's outcome, written by moderation's application services),
``silenced_until``, ``suspended_until`` and the role / staff flag.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_

from forum.db_types import utcnow

from .models import PERMANENT, User, staff_clause


class Membership(StrEnum):
    """The ``users.membership`` column: the application's outcome."""

    OPEN = "open"          # no application needed, or approved
    PENDING = "pending"    # an application waits for a moderator
    REJECTED = "rejected"  # the application was refused (the account stays, read-only)
    LEAVING = "leaving"    # deletion confirmed, grace period running (forum.privacy): deactivated
    ERASED = "erased"      # the account was erased (forum.privacy): a "former member"


# An erased account's display name and the name notices keep for it: stored in English, shown
# translated (templates: the user_link macro; notices: forum.notifications.rendering).
FORMER_MEMBER = "Former member"


class MemberState(StrEnum):
    VISITOR = "visitor"        # not signed in
    UNVERIFIED = "unverified"  # email address never confirmed
    PENDING = "pending"        # membership waiting for approval
    REJECTED = "rejected"      # application refused
    ACTIVE = "active"
    SILENCED = "silenced"      # read-only for a while (a sanction)
    SUSPENDED = "suspended"    # may not sign in (a sanction)


def is_silenced(user: Any) -> bool:
    until = getattr(user, "silenced_until", None)
    return bool(until and until > utcnow())


def is_suspended(user: Any) -> bool:
    until = getattr(user, "suspended_until", None)
    return bool(until and until > utcnow())


def member_state(user: Any) -> MemberState:
    """Sanctions first (they apply to everyone, staff included; a moderator may silence a
    staff-group member), then the gates staff skip: staff, moderators and admins speak for
    the community, so verification and approval never hold them back."""
    if user is None or not user.is_authenticated:
        return MemberState.VISITOR
    membership = getattr(user, "membership", None) or Membership.OPEN
    staff = bool(user.is_staff)
    closed = membership in (Membership.LEAVING, Membership.ERASED)  # takes part in nothing, as suspended
    checks = (  # the first that applies is the state
        (closed or is_suspended(user), MemberState.SUSPENDED),
        (is_silenced(user), MemberState.SILENCED),
        (staff, MemberState.ACTIVE),
        (not user.is_verified, MemberState.UNVERIFIED),
        (membership == Membership.PENDING, MemberState.PENDING),
        (membership == Membership.REJECTED, MemberState.REJECTED),
    )
    return next((state for applies, state in checks if applies), MemberState.ACTIVE)


def state_ends_at(user: Any) -> datetime | None:
    """When the member's current state lifts by itself (a silence or a suspension runs out),
    or None: the other states last until someone acts (verifying, approving, accepting), and
    a suspension for good (``PERMANENT``) has no end to tell."""
    state = member_state(user)
    until = {MemberState.SUSPENDED: getattr(user, "suspended_until", None),
             MemberState.SILENCED: getattr(user, "silenced_until", None)}.get(state)
    return until if until is not None and until < PERMANENT else None


# States whose holder may read what is for members (a silenced member still reads).
READING_STATES = frozenset({MemberState.ACTIVE, MemberState.SILENCED})


def is_active_member(user: Any) -> bool:
    """May take part: post, flag, RSVP, host, publish profile text (not silenced)."""
    return member_state(user) == MemberState.ACTIVE


def can_read_as_member(user: Any) -> bool:
    """May read members-only categories, events and attendee lists."""
    return member_state(user) in READING_STATES


# SQL twins of the rules above, for queries over many members (the directory, announcements,
# trust promotions): the same order of checks, written as conditions on ``users``.
# tests/members/test_member_state_sql.py checks they agree with member_state for every state.

def _not_until(column: Any, now: datetime) -> Any:
    return or_(column.is_(None), column <= now)


def reading_member_clause(now: datetime | None = None) -> Any:
    """SQL for ``can_read_as_member``: the member's state is active or silenced."""
    now = now or utcnow()
    membership = func.coalesce(User.membership, Membership.OPEN.value)
    not_closed = membership.not_in([Membership.LEAVING.value, Membership.ERASED.value])
    admitted = and_(User.email_verified_at.is_not(None), membership == Membership.OPEN.value)
    return and_(not_closed, _not_until(User.suspended_until, now), or_(staff_clause(), admitted))


def active_member_clause(now: datetime | None = None) -> Any:
    """SQL for ``is_active_member``: the member's state is active (a reading member, not silenced)."""
    now = now or utcnow()
    return and_(reading_member_clause(now), _not_until(User.silenced_until, now))
