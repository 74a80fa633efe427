"""The one writer of denormalised discussion data: counters, post numbers, last-post pointers
and the official-reply range.

Every change of a post's state (publish, hold, hide, delete, restore), every move of a topic
between categories and every move of posts between topics (split, merge) goes through this
module, whichever domain asks for it (discussions' own writes, moderation's queue and tools,
the seeder). :mod:`forum.discussions.integrity` checks and repairs the same invariants from
the rows.

Invariants:

* ``topic.post_count``: published posts of the topic, whatever the topic's own state.
* ``topic.highest_post_number``: at least the highest post number in the topic. Numbers are
  never reused, so a permalink ``/t/<slug>/<id>/<n>`` never points at another post later.
* ``topic.last_posted_at`` / ``last_post_user_id``: the published post with the highest post
  number (``topic.created_at`` and its author when it has none).
* ``topic.first_official_post_number`` / ``last_official_post_number``: lowest and highest
  post number of its published official posts (None when it has none).
* ``category.topic_count``: its published topics; ``category.post_count``: the sum of their
  ``post_count``; ``category.last_topic_id`` / ``last_posted_at``: its published topic with
  the greatest ``(last_posted_at, id)``.
* ``user.post_count``: their published posts (whatever the topic's state);
  ``user.topic_count``: their published topics.
* Reactions (a like is the reaction "heart"; every reaction counts as a like):
  ``post.reaction_count``: its ``post_reactions`` rows, whatever the post's state (hiding a
  post keeps its reactions, and restoring it brings them back); ``user.likes_given``: the
  reactions they made; ``user.likes_received``: the reactions on their posts. Changing one's
  reaction changes no counter.

Counters move with SQL-side arithmetic, so concurrent writers cannot lose an update, and
every decision is taken on locked rows, never on what a request loaded earlier: a post's
state changes only from the state it still has (``UPDATE ... WHERE state = <expected>``; a
second moderator acting on the same post gets :class:`StateChanged`), and the topic's state
and category are read under its row lock. Lock order: post -> topic -> category -> user,
several topics in ascending id order (split and merge lock them all first), so two writers
never wait on each other in a cycle. A reaction follows the same order: the post's row
(:func:`lock_post_for_reaction`), then the reaction's own row (the caller's insert or delete,
decided by the unique constraint on (post, member)), then the reactor's and the author's user
rows in ascending id order (:func:`count_reaction`). The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, exists, func, literal, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.errors import ValidationFailed
from forum.extensions import db

from .models import Category, Post, PostState, Topic
from .topic_images import refresh_topic_image

_TOPIC_COUNTERS = ["post_count", "last_posted_at", "last_post_user_id", "state", "last_poster",
                   "highest_post_number", "first_official_post_number", "last_official_post_number"]
_CATEGORY_COUNTERS = ["topic_count", "post_count", "last_posted_at", "last_topic_id", "last_topic"]
_USER_COUNTERS = ["post_count", "topic_count"]
_NO_SYNC = {"synchronize_session": False}
PUBLISHED = PostState.PUBLISHED


class StateChanged(ValidationFailed):
    """Someone else changed the post's state since it was loaded (two moderators at once)."""

    def __init__(self) -> None:
        super().__init__(_("This post was changed by someone else meanwhile. Reload the page and try again."))


def _claim_state(post: Post, new_state: str) -> None:
    """Move the post's row from the state we believe it has to ``new_state``, or fail."""
    db.session.flush()
    result = db.session.execute(update(Post).where(Post.id == post.id, Post.state == post.state)
                                .values(state=new_state), execution_options=_NO_SYNC)
    if getattr(result, "rowcount", 1) != 1:
        raise StateChanged()
    set_committed_value(post, "state", new_state)


def _lock_topic(topic_id: int) -> tuple[str, int]:
    """The topic's state and category as they are now, with its row locked until commit."""
    state, category_id = db.session.execute(select(Topic.state, Topic.category_id)
                                            .where(Topic.id == topic_id).with_for_update()).one()
    return str(state), int(category_id)


def _expire(model: Any, pk: int | None, attrs: list[str]) -> None:
    """Forget in-memory copies of counters that SQL just changed (if the object is loaded)."""
    if pk is None:
        return
    obj = db.session.identity_map.get(identity_key(model, pk))
    if obj is not None:
        db.session.expire(obj, attrs)


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime())


# --- post numbers --------------------------------------------------------------------------------

def take_post_number(topic: Topic) -> int:
    """The next post number of ``topic``. Taking it locks the topic row until commit
    (PostgreSQL; SQLite serialises writers), so concurrent replies get distinct, consecutive
    numbers."""
    number = db.session.execute(
        update(Topic).where(Topic.id == topic.id)
        .values(highest_post_number=Topic.highest_post_number + 1)
        .returning(Topic.highest_post_number), execution_options=_NO_SYNC).scalar_one()
    set_committed_value(topic, "highest_post_number", number)
    return int(number)


# --- users -----------------------------------------------------------------------------------------

def _bump_user(user_id: int | None, posts: int, topics: int) -> None:
    if not user_id or not (posts or topics):
        return
    db.session.execute(update(User).where(User.id == user_id)
                       .values(post_count=User.post_count + posts, topic_count=User.topic_count + topics),
                       execution_options=_NO_SYNC)
    _expire(User, user_id, _USER_COUNTERS)


# --- topics ----------------------------------------------------------------------------------------

def _refresh_topic_activity(topic_id: int) -> None:
    """Point the topic's last activity at its published post with the highest number."""
    last = db.session.execute(
        select(Post.created_at, Post.user_id)
        .where(Post.topic_id == topic_id, Post.state == PUBLISHED)
        .order_by(Post.post_number.desc()).limit(1)).first()
    if last is None:
        at, user_id = db.session.execute(select(Topic.created_at, Topic.user_id)
                                         .where(Topic.id == topic_id)).one()
    else:
        at, user_id = last
    db.session.execute(update(Topic).where(Topic.id == topic_id)
                       .values(last_posted_at=at, last_post_user_id=user_id), execution_options=_NO_SYNC)


def refresh_official_range(topic: Topic) -> None:
    """Recompute the first/last official post numbers from the topic's posts (one query)."""
    db.session.flush()
    lo, hi = db.session.execute(
        select(func.min(Post.post_number), func.max(Post.post_number))
        .where(Post.topic_id == topic.id, Post.is_official.is_(True), Post.state == PUBLISHED)).one()
    topic.first_official_post_number, topic.last_official_post_number = lo, hi


def _note_official(topic: Topic, post: Post) -> None:
    """A published official post widens the range (no query: the common case of a new reply)."""
    if topic.first_official_post_number is None or post.post_number < topic.first_official_post_number:
        topic.first_official_post_number = post.post_number
    if topic.last_official_post_number is None or post.post_number > topic.last_official_post_number:
        topic.last_official_post_number = post.post_number
    if topic.first_official_reply_at is None and post.post_number > 1:
        topic.first_official_reply_at = post.created_at


def _note_staff_reply(topic: Topic, post: Post) -> None:
    """Time to first staff reply (staff's response figures): the earliest published reply by a
    staff-group member to someone else's topic, also when a held reply is approved later."""
    if post.post_number == 1 or post.user_id is None or post.user_id == topic.user_id:
        return
    author = db.session.get(User, post.user_id)  # identity map: no query when posting
    if author is None or not author.is_staff_member:
        return
    if topic.first_staff_reply_at is None or post.created_at < topic.first_staff_reply_at:
        topic.first_staff_reply_at = post.created_at


# --- categories ------------------------------------------------------------------------------------

def _refresh_category_activity(category_id: int, only_if_topic: int | None = None) -> None:
    """Point the category's "latest" at its most recently active published topic (one index
    probe); with ``only_if_topic``, only when that topic is the one shown now."""
    latest = (select(Topic.id, Topic.last_posted_at)
              .where(Topic.category_id == category_id, Topic.state == PUBLISHED)
              .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(1))
    row = db.session.execute(latest).first()
    stmt = update(Category).where(Category.id == category_id)
    if only_if_topic is not None:
        stmt = stmt.where(Category.last_topic_id == only_if_topic)
    db.session.execute(stmt.values(last_topic_id=row[0] if row else None,
                                   last_posted_at=row[1] if row else None), execution_options=_NO_SYNC)
    _expire(Category, category_id, _CATEGORY_COUNTERS)


def _category_add(category_id: int, *, topics: int, posts: int) -> None:
    if topics or posts:
        db.session.execute(update(Category).where(Category.id == category_id).values(
            topic_count=Category.topic_count + topics, post_count=Category.post_count + posts),
            execution_options=_NO_SYNC)
    _expire(Category, category_id, _CATEGORY_COUNTERS)


def _category_gains(category_id: int, topic_id: int, *, topics: int, posts: int, at: datetime) -> None:
    """Add to the counts, and make the topic the category's latest if it now is: later
    activity, or the same instant and a higher id (the listing's own order)."""
    newer = or_(Category.last_posted_at.is_(None), Category.last_posted_at < _at(at),
                and_(Category.last_posted_at == _at(at), Category.last_topic_id <= topic_id))
    db.session.execute(
        update(Category).where(Category.id == category_id).values(
            topic_count=Category.topic_count + topics, post_count=Category.post_count + posts,
            last_posted_at=case((newer, _at(at)), else_=Category.last_posted_at),
            last_topic_id=case((newer, literal(topic_id, Integer())), else_=Category.last_topic_id)),
        execution_options=_NO_SYNC)
    _expire(Category, category_id, _CATEGORY_COUNTERS)


# --- post state --------------------------------------------------------------------------------------

def publish(post: Post, *, fresh: bool = False) -> None:
    """Bring a post (and, for an opening post, its topic) into the counters. ``fresh``: a post
    written just now (it is the newest thing in its topic and category); otherwise (approval,
    restore) it may be older than what the lists show, and their pointers are recomputed."""
    topic = post.topic
    if post.state == PUBLISHED:
        return
    _claim_state(post, PUBLISHED)
    topic_state, category_id = _lock_topic(topic.id)
    topic_visible = topic_state == PUBLISHED
    reveals_topic = post.post_number == 1 and not topic_visible
    # The latest post is the published one with the highest number: this one, unless a
    # published post after it exists (an approved held reply lands in its place, not last).
    later = exists().where(Post.topic_id == topic.id, Post.state == PUBLISHED,
                           Post.post_number > post.post_number)
    values: dict[str, Any] = {
        "post_count": Topic.post_count + 1,
        "last_posted_at": case((~later, _at(post.created_at)), else_=Topic.last_posted_at),
        "last_post_user_id": case((~later, literal(post.user_id, Integer())), else_=Topic.last_post_user_id),
    }
    if reveals_topic:
        values["state"] = PUBLISHED
    # The UPDATE takes the topic's row lock first (PostgreSQL); RETURNING gives the new totals.
    count, last_at = db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(**values)
        .returning(Topic.post_count, Topic.last_posted_at), execution_options=_NO_SYNC).one()
    _expire(Topic, topic.id, _TOPIC_COUNTERS)
    if reveals_topic or topic_visible:
        _category_gains(category_id, topic.id, topics=1 if reveals_topic else 0,
                        posts=count if reveals_topic else 1, at=last_at)
        if not fresh:  # an older post can move the topic's activity back (merged, then approved)
            _refresh_category_activity(category_id)
    _bump_user(post.user_id, 1, 1 if reveals_topic else 0)
    _note_staff_reply(topic, post)
    if post.is_official:
        _note_official(topic, post)


def unpublish(post: Post, new_state: PostState, actor: Any | None, reason: str | None = None) -> None:
    """Take a post out of the counters into ``new_state`` (an opening post takes its topic
    with it). Also moves a never-published post between unpublished states."""
    was_published = post.state == PUBLISHED
    topic = post.topic
    _claim_state(post, new_state)
    post.state_changed_at = utcnow()
    post.state_changed_by_id = actor.id if actor else None
    post.state_reason = reason
    if not was_published:
        if post.post_number == 1 and topic.state != PUBLISHED:
            topic.state = new_state  # a held topic follows its opening post (pending -> rejected)
        return
    db.session.flush()
    topic_state, category_id = _lock_topic(topic.id)
    hides_topic = post.post_number == 1 and topic_state == PUBLISHED
    topic_visible = topic_state == PUBLISHED
    values: dict[str, Any] = {"post_count": Topic.post_count - 1}
    if hides_topic:
        values["state"] = new_state
    count = db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(**values)
        .returning(Topic.post_count), execution_options=_NO_SYNC).scalar_one()
    was_latest = not db.session.scalar(select(exists().where(
        Post.topic_id == topic.id, Post.state == PUBLISHED, Post.post_number > post.post_number)))
    if was_latest:
        _refresh_topic_activity(topic.id)  # the topic's latest post went: step back one
    _expire(Topic, topic.id, _TOPIC_COUNTERS)
    if hides_topic:
        _category_add(category_id, topics=-1, posts=-(count + 1))
        _refresh_category_activity(category_id, only_if_topic=topic.id)
    elif topic_visible:
        _category_add(category_id, topics=0, posts=-1)
        if was_latest:
            _refresh_category_activity(category_id, only_if_topic=topic.id)
    _bump_user(post.user_id, -1, -1 if hides_topic else 0)
    if post.is_official:
        refresh_official_range(topic)


def set_state(post: Post, state: PostState, actor: Any | None, reason: str | None) -> None:
    """Move a post to any ``state``, keeping every counter right (moderation's one entry)."""
    if state == PUBLISHED:
        publish(post)
        post.state_changed_at = utcnow()
        post.state_changed_by_id = actor.id if actor else None
        post.state_reason = reason
        if post.post_number == 1:
            post.topic.state = PUBLISHED
    else:
        unpublish(post, state, actor, reason)
        # unpublish moves the topic along only when the opening post WAS published; a held or
        # rejected opening post (never counted) still carries its topic's state.
        if post.post_number == 1 and post.topic.state != state:
            post.topic.state = state
    refresh_topic_image(post.topic)  # a hidden photo leaves the list, an approved one may come in


# --- topics moving between categories, posts moving between topics ------------------------------

@dataclass(frozen=True)
class _Totals:
    posts: int         # published posts (from the rows)
    highest: int       # highest post number handed out (column and rows)
    state: str
    category_id: int
    user_id: int | None


def _totals(topic_id: int) -> _Totals:
    count, highest = db.session.execute(
        select(func.count(Post.id).filter(Post.state == PUBLISHED), func.max(Post.post_number))
        .where(Post.topic_id == topic_id)).one()
    state, category_id, user_id, column_highest = db.session.execute(
        select(Topic.state, Topic.category_id, Topic.user_id, Topic.highest_post_number)
        .where(Topic.id == topic_id)).one()
    return _Totals(int(count or 0), max(int(highest or 0), int(column_highest or 0)), str(state),
                   int(category_id), user_id)


def move_topic(topic: Topic, category: Category) -> None:
    """Move a topic to another category: its counts leave one category and join the other."""
    db.session.flush()
    state, old_id = _lock_topic(topic.id)
    if old_id == category.id:
        return
    published = state == PUBLISHED
    count = db.session.scalar(select(Topic.post_count).where(Topic.id == topic.id)) or 0
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(category_id=category.id),
                       execution_options=_NO_SYNC)
    set_committed_value(topic, "category_id", category.id)
    db.session.expire(topic, ["category"])
    if published:
        for cid in sorted((old_id, category.id)):  # ascending ids: the lock order between categories
            sign = -1 if cid == old_id else 1
            _category_add(cid, topics=sign, posts=sign * count)
            _refresh_category_activity(cid)


def move_posts(posts: Sequence[Post], target: Topic, *, close_empty_source: PostState | None = None) -> None:
    """Move ``posts`` (in the given order) to the end of ``target``, numbered after its last
    post (split: a new, still empty topic; merge: an existing one). Reply links follow when
    both ends moved. Each topic's state follows its opening post; a source topic left with no
    post takes ``close_empty_source`` (merge). The counters of every topic involved, of their
    categories and of the topics' authors follow, by difference."""
    if not posts:
        return
    db.session.flush()
    touched = sorted({p.topic_id for p in posts} | {target.id})
    for tid in touched:  # every topic involved is locked before anything is read or written
        _lock_topic(tid)
    before = {tid: _totals(tid) for tid in touched}
    base = before[target.id].highest + 1
    numbers = {(p.topic_id, p.post_number): base + i for i, p in enumerate(posts)}
    for i, post in enumerate(posts):
        post.reply_to_post_number = numbers.get((post.topic_id, post.reply_to_post_number or -1))
        post.topic_id = target.id
        post.post_number = base + i
    db.session.flush()
    for post in posts:
        db.session.expire(post, ["topic"])
    for tid in touched:  # ascending ids: the lock order between topics
        _settle_topic(tid, before[tid], close_empty_source)


def _settle_topic(topic_id: int, before: _Totals, close_empty: PostState | None) -> None:
    after = _totals(topic_id)
    opener_state = db.session.scalar(select(Post.state).where(Post.topic_id == topic_id, Post.post_number == 1))
    has_posts = db.session.scalar(select(exists().where(Post.topic_id == topic_id)))
    state = str(opener_state) if opener_state else (str(close_empty) if close_empty and not has_posts
                                                     else after.state)
    db.session.execute(update(Topic).where(Topic.id == topic_id).values(
        post_count=after.posts, highest_post_number=after.highest, state=state), execution_options=_NO_SYNC)
    _refresh_topic_activity(topic_id)
    was_live, is_live = before.state == PUBLISHED, state == PUBLISHED
    _category_add(after.category_id, topics=int(is_live) - int(was_live),
                  posts=(after.posts if is_live else 0) - (before.posts if was_live else 0))
    _refresh_category_activity(after.category_id)
    _bump_user(after.user_id, 0, int(is_live) - int(was_live))
    _expire(Topic, topic_id, _TOPIC_COUNTERS)
    topic = db.session.get(Topic, topic_id)
    if topic is not None:
        refresh_official_range(topic)
        if topic.solution_post_id and db.session.scalar(
                select(Post.topic_id).where(Post.id == topic.solution_post_id)) != topic_id:
            topic.solution_post_id = None  # the accepted answer moved to another topic


# --- reactions (likes) -----------------------------------------------------------------------------

_REACTION_COUNTERS = ["reaction_count"]


def lock_post_for_reaction(post_id: int) -> tuple[str, int | None] | None:
    """The post's state and author as they are now, its row locked until commit (PostgreSQL:
    ``FOR NO KEY UPDATE``, which leaves rows that merely reference the post, such as bookmarks,
    free to be written; SQLite serialises writers). None when the post does not exist."""
    row = db.session.execute(select(Post.state, Post.user_id).where(Post.id == post_id)
                             .with_for_update(key_share=True)).first()
    return (str(row[0]), row[1]) if row else None


def count_reaction(post_id: int, reactor_id: int, author_id: int | None, delta: int) -> None:
    """A reaction was added (``delta`` 1) or removed (-1) by ``reactor_id`` on the post of
    ``author_id``: the post's ``reaction_count``, the reactor's ``likes_given`` and the author's
    ``likes_received`` move with SQL arithmetic. Call it with the post locked
    (:func:`lock_post_for_reaction`) and only when the row was really inserted or deleted (the
    statement's row count), so a double click or two tabs never count twice."""
    if delta not in (1, -1):
        raise ValueError("a reaction counts once")
    db.session.execute(update(Post).where(Post.id == post_id)
                       .values(reaction_count=Post.reaction_count + delta), execution_options=_NO_SYNC)
    _expire(Post, post_id, _REACTION_COUNTERS)
    for user_id in sorted({reactor_id} | ({author_id} if author_id else set())):  # ascending: the lock order
        values: dict[str, Any] = {}
        if user_id == reactor_id:
            values["likes_given"] = User.likes_given + delta
        if user_id == author_id:
            values["likes_received"] = User.likes_received + delta
        db.session.execute(update(User).where(User.id == user_id).values(**values), execution_options=_NO_SYNC)
        _expire(User, user_id, list(values))
