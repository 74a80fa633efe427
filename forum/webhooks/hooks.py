"""Forum events become webhook deliveries, written INSIDE the writer's transaction.

Writers record each event through :mod:`forum.outbox` before their commit, with the same
name and arguments as the after-commit hook they fire next; :class:`Outbox` (the
:class:`~forum.interfaces.EventOutbox` webhooks contribute) turns the ones below into
deliveries and their jobs, staged in that transaction: they commit with the write or not at
all, and a process dying after the commit cannot lose them.

The mapping, for the README and for whoever adds an event:

* ``forum_topic_created`` / ``forum_post_created``: ``topic_created`` / ``post_created``, when
  the post is published. A post held for review is not announced until a moderator approves
  it (``forum_post_approved`` then sends the same event): a helpdesk never sees spam the
  queue caught.
* An official reply (a published reply with ``is_official``) also sends
  ``official_reply_posted``: when it is posted, when a held one is approved, and when an edit
  marks an existing reply official. The rule that makes a reply official is discussions'
  (``can_post_official``); this only notices it happened.
* ``forum_post_edited``: ``post_edited`` (published posts); ``forum_post_hidden``:
  ``post_hidden``; ``forum_post_flagged``: ``post_flagged``.
* ``forum_topic_changed`` with ``change == "solved"``: ``question_solved``.
* ``forum_user_registered``: ``member_registered``; ``forum_user_approved``: ``member_approved``.
* ``forum_event_changed`` with ``"created"`` (published at once) or ``"approved"`` (held, then
  approved): ``event_created``. ``forum_rsvp_changed``: ``rsvp_changed``.
* ``forum_escalation_created``: ``escalation_created``.

Who hears of it: an endpoint hears of a topic, a post, a meetup or an escalation only if a
visitor could read it (discussions' ``can_see_topic`` and events' ``can_see_event`` asked for
an :class:`~forum.accounts.models.AnonymousUser`), unless an admin ticked "Include
members-only and staff-only content" for it (``include_private``). Member events carry no
content of a category and go to every subscribed endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forum.accounts.models import AnonymousUser
from forum.discussions.models import PostState
from forum.discussions.permissions import can_see_topic
from forum.events.permissions import can_see_attendees, can_see_event

from . import payloads
from .services import stage_event


def _public_topic(topic: Any) -> bool:
    """Whether a visitor could read this topic (and so its published posts)."""
    return can_see_topic(AnonymousUser(), topic)


def _public_event(event: Any) -> bool:
    return can_see_event(AnonymousUser(), event)


def _published(post: Any) -> bool:
    return bool(post is not None and post.state == PostState.PUBLISHED)


def _official_reply(post: Any) -> None:
    if _published(post) and post.is_official and post.post_number > 1:
        stage_event("official_reply_posted", lambda: payloads.post_data(post), public=_public_topic(post.topic))


def _announce_new(post: Any) -> None:
    if not _published(post):
        return
    if post.post_number == 1:
        stage_event("topic_created", lambda: payloads.topic_created(post.topic, post), public=_public_topic(post.topic))
    else:
        stage_event("post_created", lambda: payloads.post_data(post), public=_public_topic(post.topic))
        _official_reply(post)


def _on_topic_created(topic: Any, post: Any) -> None:
    _announce_new(post)


def _on_post_created(post: Any) -> None:
    _announce_new(post)


def _on_post_approved(post: Any, actor: Any) -> None:
    _announce_new(post)


def _on_post_edited(post: Any, revision: Any) -> None:
    if not _published(post):
        return
    stage_event("post_edited", lambda: {**payloads.post_data(post), "revision": revision.number},
                public=_public_topic(post.topic))
    if post.is_official and not revision.was_official:
        _official_reply(post)


def _on_post_hidden(post: Any, actor: Any, reason: str) -> None:
    stage_event("post_hidden", lambda: payloads.post_hidden(post, actor, reason), public=_public_topic(post.topic))


def _on_post_flagged(post: Any, flag: Any) -> None:
    stage_event("post_flagged", lambda: payloads.post_flagged(post, flag), public=_public_topic(post.topic))


def _on_topic_changed(topic: Any, actor: Any, change: str) -> None:
    if change == "solved":
        stage_event("question_solved", lambda: payloads.question_solved(topic, actor), public=_public_topic(topic))


def _on_user_registered(user: Any) -> None:
    stage_event("member_registered", lambda: payloads.member(user))


def _on_user_approved(user: Any, actor: Any) -> None:
    stage_event("member_approved", lambda: payloads.member(user, actor))


def _on_event_changed(event: Any, actor: Any, change: str) -> None:
    if change in ("created", "approved") and event.state == "scheduled":
        stage_event("event_created", lambda: payloads.event_created(event), public=_public_event(event))


def _on_rsvp_changed(event: Any, rsvp: Any, previous: str | None) -> None:
    # Who answered is public only where a visitor may read the attendee list (the hosts' choice).
    public = _public_event(event) and can_see_attendees(AnonymousUser(), event)
    stage_event("rsvp_changed", lambda: payloads.rsvp_changed(event, rsvp, previous), public=public)


def _on_escalation_created(escalation: Any) -> None:
    stage_event("escalation_created", lambda: payloads.escalation_created(escalation),
                public=_public_topic(escalation.topic))


# The hooks (forum.plugins.spec) webhooks announce, by name: each takes the hook's arguments.
HANDLERS: dict[str, Callable[..., None]] = {
    "forum_topic_created": _on_topic_created,
    "forum_post_created": _on_post_created,
    "forum_post_approved": _on_post_approved,
    "forum_post_edited": _on_post_edited,
    "forum_post_hidden": _on_post_hidden,
    "forum_post_flagged": _on_post_flagged,
    "forum_topic_changed": _on_topic_changed,
    "forum_user_registered": _on_user_registered,
    "forum_user_approved": _on_user_approved,
    "forum_event_changed": _on_event_changed,
    "forum_rsvp_changed": _on_rsvp_changed,
    "forum_escalation_created": _on_escalation_created,
}


class Outbox:
    """The EventOutbox (forum.interfaces) webhooks contribute: each recorded event with a
    handler above is staged as deliveries in the writer's transaction."""

    def record(self, name: str, /, **subject: Any) -> None:
        handler = HANDLERS.get(name)
        if handler is not None:
            handler(**subject)
