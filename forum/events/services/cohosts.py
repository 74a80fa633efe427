"""Co-host invitations: naming someone co-host asks them; only their "yes" makes them a host.

Until now a creator could make anyone co-host, and so put the event in that member's calendar
and its management in their name, without asking (security issue "co-hosts without consent").
Now each named member gets an :class:`~forum.events.models.EventHost` row in state INVITED and
a notice; accepting turns it ACCEPTED (a host everywhere: permissions, feed, "hosted by");
declining turns it DECLINED.

Declined rows are kept rather than deleted: the owner sees the answer, and saving the event
again (the edit form lists only invited and accepted co-hosts) neither re-invites nor
re-notifies them. An invitation is not content, so this is a record of an answer, not the
moderation rule of never deleting posts: naming nobody removes invitations and co-hosts.
Naming a member who declined again, in a later edit, is an explicit new invitation (a new
round, notified once).
"""

from __future__ import annotations

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import PermissionDenied
from forum.extensions import db

from .. import permissions
from ..models import UNPUBLISHED_STATES, Event, EventHost, HostState
from . import notices
from .notices import notify_member


def invitation_key(event: Event, row: EventHost) -> str:
    """One notice per event, member and round of the invitation (its ``invited_at``)."""
    # Microseconds: a decline and a new invitation can fall within one second.
    round_ = int(row.invited_at.timestamp() * 1_000_000) if row.invited_at else 0
    return f"event-cohost-invite:{event.id}:{row.user_id}:{round_}"


def apply_cohosts(event: Event, named: list[User]) -> list[EventHost]:
    """Make ``event``'s co-host rows match the members named on the form, in the caller's
    transaction; returns the rows that are new invitations (to notify once published).

    Named and already invited or accepted: unchanged. Named and declined before: invited
    again. Not named: the invitation or co-hosting ends, except a decline, which stays on
    record (see the module docstring)."""
    now = utcnow()
    wanted = {u.id: u for u in named}
    rows: list[EventHost] = []
    invited: list[EventHost] = []
    for row in event.hosts:
        if row.user_id in wanted:
            if row.state == HostState.DECLINED:
                row.state, row.invited_at, row.answered_at = HostState.INVITED, now, None
                invited.append(row)
            rows.append(row)
        elif row.state == HostState.DECLINED:
            rows.append(row)
    existing = {row.user_id for row in event.hosts}
    for user_id, user in wanted.items():
        if user_id not in existing:
            row = EventHost(user_id=user_id, user=user, state=HostState.INVITED, invited_at=now)
            rows.append(row)
            invited.append(row)
    event.hosts = rows
    return invited


def notify_invitations(event: Event, rows: list[EventHost], inviter: User | None) -> int:
    """Tell each invitee (in their language, with a link to the event page, where they answer).
    Held and refused meetups wait: the invitee could not open them; approval sends the notices
    (:func:`notify_open_invitations`). The dedupe key makes a second call a no-op."""
    if event.state in UNPUBLISHED_STATES:
        return 0
    # None: the inviter's account is gone (the notice then names nobody).
    name = (inviter.display_name or inviter.username) if inviter is not None else None
    sent = 0
    for row in rows:
        if row.state != HostState.INVITED:
            continue
        sent += notify_member(row.user, event, notices.COHOST_INVITED, {"name": name},
                              key=invitation_key(event, row))
    return sent


def notify_open_invitations(event: Event) -> int:
    """A held meetup was published: send the invitations that waited for it."""
    return notify_invitations(event, [h for h in event.hosts if h.state == HostState.INVITED], event.creator)


def accept_cohost(user: User, event: Event) -> None:
    """``user`` accepts their invitation: from now on they host the event."""
    if not permissions.can_accept_cohost(user, event):
        raise PermissionDenied()
    _answer(user, event, HostState.ACCEPTED)


def decline_cohost(user: User, event: Event) -> None:
    """``user`` declines their invitation, or steps down as co-host."""
    if not permissions.can_decline_cohost(user, event):
        raise PermissionDenied()
    _answer(user, event, HostState.DECLINED)


def _answer(user: User, event: Event, state: HostState) -> None:
    row = event.invitation(user.id)
    assert row is not None  # the permission checked it
    was = row.state
    row.state, row.answered_at = state, utcnow()
    creator = event.creator
    if creator is not None and creator.id != user.id and was != state:
        # The owner hears the answer once per round of the invitation.
        notify_member(creator, event, notices.COHOST_ANSWERED,
                      {"name": user.display_name or user.username, "accepted": state == HostState.ACCEPTED},
                      key=f"{invitation_key(event, row)}:{state.value}")
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
