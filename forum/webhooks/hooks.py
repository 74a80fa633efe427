"""Forum events become webhook deliveries: core hook implementations (after the commit).

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
* ``escalation_created``: recorded by escalations inside its transaction, through the
  :class:`Outbox` (forum.interfaces.EventOutbox), so it is committed with the escalation.

Who hears of it: an endpoint hears of a topic, a post, a meetup or an escalation only if a
visitor could read it (discussions' ``can_see_topic`` and events' ``can_see_event`` asked for
an :class:`~forum.accounts.models.AnonymousUser`), unless an admin ticked "Include
members-only and staff-only content" for it (``include_private``). Member events carry no
content of a category and go to every subscribed endpoint.
"""

from __future__ import annotations

from typing import Any

from forum.accounts.models import AnonymousUser
from forum.discussions.models import PostState
from forum.discussions.permissions import can_see_topic
from forum.events.permissions import can_see_event
from forum.plugins import hookimpl

from . import payloads
from .services import queue_event, stage_event


def _public_topic(topic: Any) -> bool:
    """Whether a visitor could read this topic (and so its published posts)."""
    return can_see_topic(AnonymousUser(), topic)


def _public_event(event: Any) -> bool:
    return can_see_event(AnonymousUser(), event)


def _published(post: Any) -> bool:
    return bool(post is not None and post.state == PostState.PUBLISHED)


def _official_reply(post: Any) -> None:
    if _published(post) and post.is_official and post.post_number > 1:
        queue_event("official_reply_posted", lambda: payloads.post_data(post), public=_public_topic(post.topic))


def _announce_new(post: Any) -> None:
    if not _published(post):
        return
    if post.post_number == 1:
        queue_event("topic_created", lambda: payloads.topic_created(post.topic, post), public=_public_topic(post.topic))
    else:
        queue_event("post_created", lambda: payloads.post_data(post), public=_public_topic(post.topic))
        _official_reply(post)


@hookimpl
def forum_topic_created(topic: Any, post: Any) -> None:
    _announce_new(post)


@hookimpl
def forum_post_created(post: Any) -> None:
    _announce_new(post)


@hookimpl
def forum_post_approved(post: Any, actor: Any) -> None:
    _announce_new(post)


@hookimpl
def forum_post_edited(post: Any, revision: Any) -> None:
    if not _published(post):
        return
    queue_event("post_edited", lambda: {**payloads.post_data(post), "revision": revision.number},
                public=_public_topic(post.topic))
    if post.is_official and not revision.was_official:
        _official_reply(post)


@hookimpl
def forum_post_hidden(post: Any, actor: Any, reason: str) -> None:
    queue_event("post_hidden", lambda: payloads.post_hidden(post, actor, reason), public=_public_topic(post.topic))


@hookimpl
def forum_post_flagged(post: Any, flag: Any) -> None:
    queue_event("post_flagged", lambda: payloads.post_flagged(post, flag), public=_public_topic(post.topic))


@hookimpl
def forum_topic_changed(topic: Any, actor: Any, change: str) -> None:
    if change == "solved":
        queue_event("question_solved", lambda: payloads.question_solved(topic, actor), public=_public_topic(topic))


@hookimpl
def forum_user_registered(user: Any) -> None:
    queue_event("member_registered", lambda: payloads.member(user))


@hookimpl
def forum_user_approved(user: Any, actor: Any) -> None:
    queue_event("member_approved", lambda: payloads.member(user, actor))


@hookimpl
def forum_event_changed(event: Any, actor: Any, change: str) -> None:
    if change in ("created", "approved") and event.state == "scheduled":
        queue_event("event_created", lambda: payloads.event_created(event), public=_public_event(event))


@hookimpl
def forum_rsvp_changed(event: Any, rsvp: Any, previous: str | None) -> None:
    queue_event("rsvp_changed", lambda: payloads.rsvp_changed(event, rsvp, previous), public=_public_event(event))


class Outbox:
    """The EventOutbox (forum.interfaces) webhooks contribute: events a writer records inside
    its transaction, staged with it (nothing lost between its commit and a hook)."""

    def record(self, event: str, **subject: Any) -> None:
        if event == "escalation_created":
            escalation = subject["escalation"]
            stage_event(event, lambda: payloads.escalation_created(escalation), public=_public_topic(escalation.topic))
