"""Who may do what with events: the one place each rule is written.

* Create: active staff (``is_staff``) always; active members when the admin setting
  ``events_creators`` is ``"members"`` (default ``"staff"``) and their trust level reaches
  ``trust_level_to_create_events`` (forum.accounts.trust). "Active" is accounts' member
  state: not unverified, pending, rejected, silenced or suspended.
* RSVP and take a seat: active members only (a silenced member keeps their answers and
  their place on the waitlist, but is not promoted while silenced).
* Edit, cancel, manage attendees (capacity, close RSVPs, remove, check in, export): the
  event's hosts (creator and co-hosts who ACCEPTED) and moderators.
* Co-hosting is an invitation: the invitee accepts it (active members only: an account that
  may not post may not take on a host's powers either) or declines it. Any invitee, and any
  co-host, may decline (stepping down), whatever their state: saying no needs no privilege.
* See: by the event's visibility (public / members / staff), and the category it lives in;
  hosts, open invitees (so they can read what they are asked to host) and moderators always.
  A held (pending) event: its creator and moderators.
* Online link: hosts, moderators, people going, and the waitlist when the event allows it.
* Attendee list: per event (public / members / hosts).
"""

from __future__ import annotations

from typing import Any

from forum.accounts import trust
from forum.accounts.states import MemberState, can_read_as_member, is_active_member, member_state
from forum.discussions import permissions as discussions
from forum.discussions.models import ReadAccess
from forum.settings import get_setting

from .models import UNPUBLISHED_STATES, AttendeeVisibility, Event, EventState, HostState, RsvpStatus, Visibility

CREATOR_CHOICES = ("staff", "members")


def can_create_event(user: Any) -> bool:
    if not is_active_member(user):
        return False
    if user.is_staff:
        return True
    return get_setting("events_creators") == "members" and trust.may(user, "create_events")


# Why a member state may not RSVP, as a code (the service words it for the member).
_RSVP_DENIALS = {
    MemberState.VISITOR: "anonymous",
    MemberState.UNVERIFIED: "unverified",
    MemberState.PENDING: "unapproved",
    MemberState.REJECTED: "unapproved",
    MemberState.SILENCED: "silenced",
    MemberState.SUSPENDED: "suspended",
}


def rsvp_denial(user: Any) -> str | None:
    """Why ``user`` may not answer an event or take a seat, or None if they may."""
    return _RSVP_DENIALS.get(member_state(user))


def can_take_seat(user: Any) -> bool:
    """A waitlisted member is promoted to a seat only while active."""
    return rsvp_denial(user) is None


def is_host(user: Any, event: Event) -> bool:
    return bool(user.is_authenticated and user.id in event.host_ids)


def invitation_state(user: Any, event: Event) -> str | None:
    """``user``'s co-host invitation on ``event``: invited, accepted, declined, or None."""
    if not user.is_authenticated:
        return None
    row = event.invitation(user.id)
    return row.state if row is not None else None


def is_invited(user: Any, event: Event) -> bool:
    """An open invitation (not yet answered)."""
    return invitation_state(user, event) == HostState.INVITED


def can_accept_cohost(user: Any, event: Event) -> bool:
    return bool(is_invited(user, event) and is_active_member(user) and not event.is_cancelled
                and event.state not in UNPUBLISHED_STATES)


def can_decline_cohost(user: Any, event: Event) -> bool:
    return invitation_state(user, event) in (HostState.INVITED, HostState.ACCEPTED)


def can_manage_event(user: Any, event: Event) -> bool:
    """Moderators, and hosts while they are active members (silenced is read-only for events too)."""
    return bool(user.is_authenticated and (user.is_moderator or (is_host(user, event) and is_active_member(user))))


def can_approve_event(user: Any, event: Event) -> bool:
    """Approve or refuse a held meetup (from the queue or its page)."""
    return bool(user.is_authenticated and user.is_moderator and event.state == EventState.PENDING)


def visibility_allows(user: Any, visibility: str) -> bool:
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.MEMBERS:
        return can_read_as_member(user)
    return bool(user.is_authenticated and user.is_staff and can_read_as_member(user))


def can_see_event(user: Any, event: Event) -> bool:
    if user.is_authenticated and user.is_moderator:
        return True
    if event.state in UNPUBLISHED_STATES:
        return bool(user.is_authenticated and user.id == event.created_by_id)
    if is_host(user, event) or is_invited(user, event):
        return True
    return visibility_allows(user, event.visibility) and discussions.can_read_category(user, event.category)


def can_see_online_link(user: Any, event: Event, rsvp_status: str | None) -> bool:
    if can_manage_event(user, event):
        return True
    if rsvp_status == RsvpStatus.GOING:
        return True
    return rsvp_status == RsvpStatus.WAITLISTED and event.online_link_to_waitlist


def can_see_attendees(user: Any, event: Event) -> bool:
    if can_manage_event(user, event):
        return True
    if event.attendee_visibility == AttendeeVisibility.PUBLIC:
        return True
    if event.attendee_visibility == AttendeeVisibility.MEMBERS:
        return can_read_as_member(user)
    return False


def category_allows_visibility(category: Any, visibility: str) -> bool:
    """An event's discussion topic must not reach people the event is hidden from."""
    rank = {ReadAccess.EVERYONE: 0, ReadAccess.MEMBERS: 1, ReadAccess.STAFF: 2}
    wanted = {Visibility.PUBLIC: 0, Visibility.MEMBERS: 1, Visibility.STAFF: 2}[Visibility(visibility)]
    return rank.get(category.read_access, 0) >= wanted
