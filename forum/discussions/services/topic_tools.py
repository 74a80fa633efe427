"""Moderators' topic tools: lock, pin, move, split, merge.

They belong with the structure's owner: every change of category or of post numbers goes
through :mod:`forum.discussions.counters`, and data other domains keep about posts (review
items) follows through the registered :class:`~forum.discussions.interfaces.PostsMovedListener`
in the same transaction. Each tool writes an audit entry with its change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum import outbox
from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.registry import contributions
from forum.text import one_line, slugify

from .. import counters, permissions
from ..interfaces import PostsMovedListener
from ..models import Category, Post, PostState, Topic
from ..topic_images import refresh_topic_image
from .posting import clean_title
from .reads import MAX_GLOBAL_PINS, live_pins

Events = list[tuple[str, dict[str, Any]]]


def _check(actor: User, *topics: Topic, posts: Iterable[Post] = ()) -> None:
    """The rank rule for every tool: each topic touched and every post moved (a split of an
    admin's reply into a staff-only room is an action on the admin's content)."""
    if not permissions.can_restructure(actor, topics, posts):
        raise PermissionDenied()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _commit_and_fire(actor: User, changes: list[tuple[Topic, str]]) -> None:
    outbox.commit_and_fire([("forum_topic_changed", {"topic": topic, "actor": actor, "change": change})
                            for topic, change in changes])


def lock_topic(actor: User, topic: Topic, locked: bool = True, reason: str = "") -> None:
    _check(actor, topic)
    if topic.is_locked == locked:
        raise ValidationFailed(_("Nothing to change."))
    topic.is_locked = locked
    record_action(actor, "topic.lock" if locked else "topic.unlock", "topic", topic.id,
                  before={"locked": not locked}, after={"locked": locked}, reason=one_line(reason) or None)
    _commit_and_fire(actor, [(topic, "lock" if locked else "unlock")])


def pin_topic(actor: User, topic: Topic, until: datetime | None = None, reason: str = "", *,
              globally: bool = False) -> None:
    """Pin the topic first on its category's page; ``globally`` ("for everyone") first on
    /latest as well, for everyone who may read it. At most MAX_GLOBAL_PINS live global pins
    at once: /latest shows no more, so a pin beyond them would vanish from it."""
    _check(actor, topic)
    if until is not None and until <= utcnow():
        raise ValidationFailed({"until": _("Choose a time in the future.")})
    if globally and _global_pins_besides(topic) >= MAX_GLOBAL_PINS:
        raise ValidationFailed({"scope": _("At most %(n)d topics can be pinned for everyone at once: unpin one "
                                           "first.", n=MAX_GLOBAL_PINS)})
    before = {"pinned": topic.is_pinned, "globally": topic.pinned_globally, "until": _iso(topic.pinned_until)}
    topic.is_pinned, topic.pinned_globally, topic.pinned_until = True, globally, until
    record_action(actor, "topic.pin", "topic", topic.id, before=before,
                  after={"pinned": True, "globally": globally, "until": _iso(until)}, reason=one_line(reason) or None)
    _commit_and_fire(actor, [(topic, "pin")])


def _global_pins_besides(topic: Topic) -> int:
    """Live global pins other than ``topic`` (a moderator's action: a count, no index needed)."""
    return db.session.scalar(select(func.count()).select_from(Topic).where(
        live_pins(utcnow(), globally=True), Topic.id != topic.id)) or 0


def unpin_topic(actor: User, topic: Topic, reason: str = "") -> None:
    """Unpin, from the category and from /latest alike."""
    _check(actor, topic)
    if not topic.is_pinned:
        raise ValidationFailed(_("Nothing to change."))
    before = {"pinned": True, "globally": topic.pinned_globally, "until": _iso(topic.pinned_until)}
    topic.is_pinned, topic.pinned_globally, topic.pinned_until = False, False, None
    record_action(actor, "topic.unpin", "topic", topic.id, before=before, after={"pinned": False, "globally": False},
                  reason=one_line(reason) or None)
    _commit_and_fire(actor, [(topic, "unpin")])


def move_topic(actor: User, topic: Topic, category: Category, reason: str = "") -> None:
    _check(actor, topic)
    if category.id == topic.category_id:
        raise ValidationFailed({"category": _("The topic is already in this category.")})
    old_id = topic.category_id
    counters.move_topic(topic, category)
    for listener in contributions(PostsMovedListener):
        listener.topic_moved(topic.id, category.id)
    record_action(actor, "topic.move", "topic", topic.id, before={"category_id": old_id},
                  after={"category_id": category.id}, reason=one_line(reason) or None)
    _commit_and_fire(actor, [(topic, "move")])


def _tell_listeners(posts: list[Post], topic: Topic) -> None:
    for listener in contributions(PostsMovedListener):
        listener.posts_moved([p.id for p in posts], topic.id, topic.category_id)


def split_topic(actor: User, topic: Topic, post_ids: Iterable[int], title: str,
                category: Category | None = None, reason: str = "") -> Topic:
    """Move selected replies into a new topic (renumbered from 1; /p/<id> links keep working)."""
    _check(actor, topic)
    ids = {int(i) for i in post_ids}
    posts = list(db.session.scalars(select(Post).where(Post.topic_id == topic.id, Post.id.in_(ids))
                                    .order_by(Post.post_number)))
    if not posts or len(posts) != len(ids):
        raise ValidationFailed({"posts": _("Select the replies to move.")})
    _check(actor, topic, posts=posts)
    if any(p.post_number == 1 for p in posts):
        raise ValidationFailed({"posts": _("The opening post cannot be split off; move the topic instead.")})
    if posts[0].state != PostState.PUBLISHED:
        raise ValidationFailed({"posts": _("The first selected reply must be published: it opens the new "
                                           "topic.")})
    title = clean_title(title)
    category = category or topic.category
    first = posts[0]
    # Not counted until its posts arrive: counters.move_posts brings it into the counters.
    new = Topic(category=category, user_id=first.user_id, title=title, slug=slugify(title),
                created_at=first.created_at, last_posted_at=first.created_at, last_post_user_id=first.user_id,
                highest_post_number=0, post_count=0, state=PostState.PENDING, language=first.language)
    db.session.add(new)
    db.session.flush()
    old_numbers = [p.post_number for p in posts]
    counters.move_posts(posts, new)
    _tell_listeners(posts, new)
    refresh_topic_image(topic)
    refresh_topic_image(new)
    record_action(actor, "topic.split", "topic", topic.id,
                  before={"topic_id": topic.id, "post_ids": [p.id for p in posts], "post_numbers": old_numbers},
                  after={"topic_id": new.id, "post_numbers": [p.post_number for p in posts]},
                  reason=one_line(reason) or None)
    _commit_and_fire(actor, [(topic, "split"), (new, "split")])
    return new


def merge_topic(actor: User, source: Topic, target: Topic, reason: str = "") -> Topic:
    """Append every post of ``source`` to ``target`` (numbered after its last post); the source
    topic is closed as removed. Post ids do not change, so /p/<id> links keep working."""
    _check(actor, source, target)
    if source.id == target.id:
        raise ValidationFailed({"target": _("Choose another topic.")})
    posts = list(db.session.scalars(select(Post).where(Post.topic_id == source.id).order_by(Post.post_number)))
    _check(actor, source, target, posts=posts)
    old_state = source.state
    base = target.highest_post_number + 1
    counters.move_posts(posts, target, close_empty_source=PostState.DELETED)
    _tell_listeners(posts, target)
    refresh_topic_image(source)
    refresh_topic_image(target)
    record_action(actor, "topic.merge", "topic", source.id,
                  before={"topic_id": source.id, "state": old_state, "posts": len(posts)},
                  after={"topic_id": target.id, "first_post_number": base}, reason=one_line(reason) or None)
    _commit_and_fire(actor, [(source, "merge"), (target, "merge")])
    return target


def find_topic_ref(ref: str) -> Topic:
    """A topic from an id or a topic URL pasted by a moderator (".../t/slug/123")."""
    ref = (ref or "").strip().split("#")[0].split("?")[0]
    match = re.search(r"(?:/t/[^/\s]+/)?(\d+)(?:/\d+)?/?$", ref)
    topic = db.session.get(Topic, int(match.group(1))) if match and len(match.group(1)) < 19 else None
    if topic is None:
        raise ValidationFailed({"target": _("No topic with this number or address.")})
    return topic
