"""Watching, tracking, unread: the one owner of notification levels and read state.

A member follows a topic at a :class:`~forum.discussions.models.NotificationLevel`:

* the level they set on the topic (``topic_members.level``; ``level_reason`` says why:
  ``"chosen"`` by the member, ``"created"`` / ``"replied"`` by the defaults below);
* else the level they set on its category (``category_members``), where "watching first post"
  counts as normal for later posts (it announces the new topic only);
* else normal.

A muted topic (or a topic of a muted category the member did not set otherwise) never shows
in Latest and never notifies. The defaults when a member writes (:func:`auto_level_on_write`,
called by the posting services in the post's transaction) follow ``users.notification_prefs``:
``"auto_watch_created"`` (default True) watches a topic one starts, ``"auto_track_replied"``
(default True) tracks a topic one replies to; neither ever changes a level the member chose,
nor lowers what they already follow (a watched category's topic stays watched).

Read state is ``topic_members.last_read_post_number``: the highest post number the member has
seen. It only ever rises (:func:`mark_read` is one upsert taking the SQL maximum, safe under
concurrent tabs), and a topic costs nothing to members who never opened it (no row).

Fan-out (the notifications engineer's job) reads :func:`watchers_query`, one statement, and
pages through it by user id::

    query = watching.watchers_query(topic, first_post=False)
    user_id = query.selected_columns.user_id
    batch = db.session.scalars(query.where(user_id > last).order_by(user_id).limit(500)).all()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, delete, exists, func, literal, or_, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from forum.db_types import utcnow
from forum.extensions import db

from .models import Category, CategoryMember, NotificationLevel, Post, PostState, Topic, TopicMember

Level = NotificationLevel

# topic_members.level_reason: why the topic's level is what it is.
CHOSEN = "chosen"     # the member chose it (the level control)
CREATED = "created"   # auto_watch_created: they started the topic
REPLIED = "replied"   # auto_track_replied: they replied to it
# Not stored: the explanation when the level comes from elsewhere.
FROM_CATEGORY = "category"
DEFAULT = "default"

TOPIC_LEVELS = (Level.WATCHING, Level.TRACKING, Level.NORMAL, Level.MUTED)
CATEGORY_LEVELS = (Level.WATCHING, Level.WATCHING_FIRST_POST, Level.TRACKING, Level.NORMAL, Level.MUTED)


def effective_level(topic_level: int | None, category_level: int | None) -> NotificationLevel:
    """The level that applies to a topic: its own, else its category's (watching first post
    is normal for the topic's later posts), else normal."""
    if topic_level is not None:
        return Level(topic_level)
    if category_level is None or category_level == Level.WATCHING_FIRST_POST:
        return Level.NORMAL
    return Level(category_level)


def effective_level_sql(topic_level: Any, category_level: Any) -> Any:
    """:func:`effective_level` as an SQL expression (the same rule, for queries)."""
    return case((topic_level.is_not(None), topic_level),
                (and_(category_level.is_not(None), category_level != int(Level.WATCHING_FIRST_POST)),
                 category_level),
                else_=int(Level.NORMAL))


@dataclass(frozen=True)
class TopicReading:
    """How a member follows one topic, and how far they have read it."""

    level: NotificationLevel         # the effective level
    reason: str                      # CHOSEN / CREATED / REPLIED / FROM_CATEGORY / DEFAULT
    last_read_post_number: int       # 0: never opened
    category_level: NotificationLevel | None

    @property
    def opened(self) -> bool:
        return self.last_read_post_number > 0


NOT_READING = TopicReading(Level.NORMAL, DEFAULT, 0, None)


def _member(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def topic_reading(user: Any, topic: Topic) -> TopicReading:
    """The member's level for ``topic`` (and why) and their read position: one query."""
    if not _member(user):
        return NOT_READING
    row = db.session.execute(
        select(TopicMember.level, TopicMember.level_reason, TopicMember.last_read_post_number, CategoryMember.level)
        .select_from(Category)
        .outerjoin(TopicMember, and_(TopicMember.topic_id == topic.id, TopicMember.user_id == user.id))
        .outerjoin(CategoryMember, and_(CategoryMember.category_id == Category.id, CategoryMember.user_id == user.id))
        .where(Category.id == topic.category_id)).first()
    if row is None:
        return NOT_READING
    level, reason, last_read, category_level = row
    if level is not None:
        why = reason or CHOSEN
    elif category_level is not None and effective_level(None, category_level) != Level.NORMAL:
        why = FROM_CATEGORY
    else:
        why = DEFAULT
    return TopicReading(effective_level(level, category_level), why, last_read or 0,
                        Level(category_level) if category_level is not None else None)


def topic_level(user: Any, topic: Topic) -> NotificationLevel:
    """The level that applies to ``user`` for ``topic`` (normal for visitors)."""
    return topic_reading(user, topic).level


def category_level(user: Any, category: Category) -> NotificationLevel:
    """The level the member set on ``category`` (normal when none)."""
    if not _member(user):
        return Level.NORMAL
    level = db.session.scalar(select(CategoryMember.level).where(
        CategoryMember.user_id == user.id, CategoryMember.category_id == category.id))
    return Level(level) if level is not None else Level.NORMAL


def _insert(table: Any) -> Any:
    """The dialect's INSERT (both have ON CONFLICT DO UPDATE)."""
    dialect = db.session.get_bind(mapper=table).dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _upsert_topic_member(values: dict[str, Any], updates: dict[str, Any]) -> None:
    """One INSERT ... ON CONFLICT (user_id, topic_id) DO UPDATE statement. ``updates`` maps
    columns to expressions; ``TopicMember.<column>`` in them is the row already there."""
    statement = _insert(TopicMember)(TopicMember).values(**values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "topic_id"], set_=updates))


def _higher(column: Any, value: Any) -> Any:
    """The greater of the stored ``column`` and ``value``, written in SQL (both databases)."""
    return case((column < value, value), else_=column)


def set_topic_level(user: Any, topic: Topic, level: int, reason: str = CHOSEN, *, commit: bool = True) -> None:
    """Set the member's level for ``topic`` (one upsert). The read position is kept."""
    level = Level(level)
    if level not in TOPIC_LEVELS:
        raise ValueError(f"not a topic level: {level!r}")
    _upsert_topic_member({"user_id": user.id, "topic_id": topic.id, "level": int(level), "level_reason": reason,
                          "last_read_post_number": 0},
                         {"level": int(level), "level_reason": reason})
    if commit:
        db.session.commit()


def set_category_level(user: Any, category: Category, level: int, *, commit: bool = True) -> None:
    """Set the member's level for ``category``; normal removes the row (normal is the default)."""
    level = Level(level)
    if level not in CATEGORY_LEVELS:
        raise ValueError(f"not a category level: {level!r}")
    if level == Level.NORMAL:
        db.session.execute(delete(CategoryMember).where(CategoryMember.user_id == user.id,
                                                        CategoryMember.category_id == category.id))
    else:
        statement = _insert(CategoryMember)(CategoryMember).values(user_id=user.id, category_id=category.id,
                                                                   level=int(level))
        db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "category_id"],
                                                           set_={"level": int(level)}))
    if commit:
        db.session.commit()


def watchers_query(topic: Topic, *, first_post: bool) -> Select[Any]:
    """Ids (column ``user_id``) of the members to tell about a new post in ``topic``, in one
    statement: those whose topic level is watching, plus those watching its category (and,
    when ``first_post``, watching its first posts) who did not set the topic to a lower level.
    Muted members never are. Nothing here checks who may read the topic or who ignores whom:
    the caller filters (a batch at a time)."""
    watching = [int(Level.WATCHING)] + ([int(Level.WATCHING_FIRST_POST)] if first_post else [])
    on_topic = select(TopicMember.user_id.label("user_id")).where(
        TopicMember.topic_id == topic.id, TopicMember.level == int(Level.WATCHING))
    lowered = select(TopicMember.user_id).where(
        TopicMember.topic_id == topic.id, TopicMember.user_id == CategoryMember.user_id,
        TopicMember.level.is_not(None), TopicMember.level < int(Level.WATCHING))
    on_category = select(CategoryMember.user_id.label("user_id")).where(
        CategoryMember.category_id == topic.category_id, CategoryMember.level.in_(watching), ~exists(lowered))
    watchers = union(on_topic, on_category).subquery("watchers")
    return select(watchers.c.user_id)


def auto_level_on_write(user: Any, topic: Topic, *, created: bool, post_number: int | None = None) -> None:
    """The member started (``created``) or replied to ``topic``: apply their defaults
    (``notification_prefs["auto_watch_created"]`` -> watching, ``["auto_track_replied"]`` ->
    tracking, both on unless turned off), never changing a level the member chose and never
    lowering the level they follow it at (their category's included). ``post_number``: the
    post they just wrote, which they have read. Part of the caller's transaction (no commit)."""
    prefs = user.notification_prefs or {}
    want: Level | None
    if created:
        want, reason = (Level.WATCHING if prefs.get("auto_watch_created", True) else None), CREATED
    else:
        want, reason = (Level.TRACKING if prefs.get("auto_track_replied", True) else None), REPLIED
    if want is not None:
        from_category = db.session.scalar(select(CategoryMember.level).where(
            CategoryMember.user_id == user.id, CategoryMember.category_id == topic.category_id))
        if effective_level(None, from_category) >= want:
            want = None  # the category already has them follow it as closely
    if want is None and post_number is None:
        return
    read = post_number or 0
    stored = TopicMember.__table__.c
    updates: dict[str, Any] = {"last_read_post_number": _higher(stored.last_read_post_number, read)}
    if want is not None:
        keep = or_(stored.level_reason == CHOSEN, and_(stored.level.is_not(None), stored.level >= int(want)))
        updates["level"] = case((keep, stored.level), else_=int(want))
        updates["level_reason"] = case((keep, stored.level_reason), else_=reason)
    _upsert_topic_member({"user_id": user.id, "topic_id": topic.id,
                          "level": int(want) if want is not None else None,
                          "level_reason": reason if want is not None else None,
                          "last_read_post_number": read}, updates)


def mark_read(user: Any, topic: Topic, post_number: int, *, commit: bool = True) -> None:
    """The member has seen ``topic`` up to ``post_number`` (clamped to the topic's highest):
    ONE statement, an upsert that keeps the greater of the stored and the new position, so
    concurrent tabs and late requests never move it back."""
    number = max(0, min(int(post_number), topic.highest_post_number))
    now = utcnow()
    stored = TopicMember.__table__.c
    _upsert_topic_member({"user_id": user.id, "topic_id": topic.id, "level": None, "level_reason": None,
                          "last_read_post_number": number, "last_visited_at": now},
                         {"last_read_post_number": _higher(stored.last_read_post_number, number),
                          "last_visited_at": now})
    if commit:
        db.session.commit()


# Unread posts are counted up to this many per topic (lists then say "99+"): a member back
# after months in a busy topic must not make the list walk thousands of posts per row.
UNREAD_CAP = 100


def _unread_posts(last_read: Any) -> Any:
    """Correlated count of the topic's published posts after ``last_read``, at most UNREAD_CAP:
    one short index range per topic (topic_id, post_number)."""
    after = (select(Post.id).where(Post.topic_id == Topic.id, Post.post_number > last_read,
                                   Post.state == PostState.PUBLISHED)
             .order_by(Post.post_number).limit(UNREAD_CAP).correlate_except(Post).subquery())
    return select(func.count()).select_from(after).scalar_subquery()


def unread_counts(user: Any, topic_ids: Iterable[int]) -> dict[int, int]:
    """``{topic_id: published posts after the member's read position}`` (at most UNREAD_CAP)
    for the topics among ``topic_ids`` the member has opened (a never-opened topic is "new",
    not counted), in one query. Topics with nothing unread map to 0."""
    ids = list(topic_ids)
    if not _member(user) or not ids:
        return {}
    rows = db.session.execute(
        select(Topic.id, _unread_posts(TopicMember.last_read_post_number))
        .join(TopicMember, and_(TopicMember.topic_id == Topic.id, TopicMember.user_id == user.id))
        .where(Topic.id.in_(ids), TopicMember.last_read_post_number > 0))
    return {topic_id: int(n or 0) for topic_id, n in rows}


@dataclass(frozen=True)
class ReadState:
    """What a topic list shows for one topic to one member."""

    level: NotificationLevel
    last_read_post_number: int
    unread: int       # published posts after the read position, at most UNREAD_CAP (0: never opened)
    is_new: bool      # never opened, and created since the member's previous visit

    @property
    def shows_unread(self) -> bool:
        """"N new" is for topics the member tracks or watches."""
        return self.unread > 0 and self.level >= Level.TRACKING

    @property
    def unread_label(self) -> str:
        """The count as lists show it: "99+" past the cap."""
        return f"{UNREAD_CAP - 1}+" if self.unread >= UNREAD_CAP else str(self.unread)

    @property
    def first_unread(self) -> int:
        return self.last_read_post_number + 1


def read_states(user: Any, topics: Iterable[Topic], *, since: datetime | None) -> dict[int, ReadState]:
    """The member's level and read state for a page of topics: ONE query, whatever the number
    of topics. ``since``: the member's previous visit (a never-opened topic created after it is
    "new"). Visitors get ``{}``."""
    ids = [t.id for t in topics]
    if not _member(user) or not ids:
        return {}
    last_read = func.coalesce(TopicMember.last_read_post_number, 0)
    rows = db.session.execute(
        select(Topic.id, Topic.created_at, TopicMember.level, CategoryMember.level, last_read,
               case((last_read > 0, _unread_posts(last_read)), else_=literal(0)))
        .outerjoin(TopicMember, and_(TopicMember.topic_id == Topic.id, TopicMember.user_id == user.id))
        .outerjoin(CategoryMember, and_(CategoryMember.category_id == Topic.category_id,
                                        CategoryMember.user_id == user.id))
        .where(Topic.id.in_(ids)))
    states: dict[int, ReadState] = {}
    for topic_id, created_at, level, cat_level, read, unread in rows:
        states[topic_id] = ReadState(
            level=effective_level(level, cat_level), last_read_post_number=int(read or 0), unread=int(unread or 0),
            is_new=not read and since is not None and created_at > since)
    return states


# --- list filters (SQL conditions on Topic, for the listings' one statement) -----------------------

def not_muted(user: Any, *, categories: bool = True) -> Any:
    """A condition on ``Topic`` leaving out what the member muted: topics set to muted, and
    (``categories``) topics of muted categories that the member did not set to another level.
    Written with NOT IN subqueries, so it rides along in the listing's own statement."""
    muted_topics = select(TopicMember.topic_id).where(TopicMember.user_id == user.id,
                                                      TopicMember.level == int(Level.MUTED))
    condition: Any = Topic.id.not_in(muted_topics)
    if categories:
        muted_categories = select(CategoryMember.category_id).where(
            CategoryMember.user_id == user.id, CategoryMember.level == int(Level.MUTED))
        unmuted_topics = select(TopicMember.topic_id).where(TopicMember.user_id == user.id,
                                                            TopicMember.level > int(Level.MUTED))
        condition = and_(condition, or_(Topic.category_id.not_in(muted_categories), Topic.id.in_(unmuted_topics)))
    return condition


# --- what the control says ---------------------------------------------------------------------------

def level_name(level: int) -> str:
    return {
        Level.WATCHING: _("Watching"),
        Level.WATCHING_FIRST_POST: _("Watching first post"),
        Level.TRACKING: _("Tracking"),
        Level.NORMAL: _("Normal"),
        Level.MUTED: _("Muted"),
    }[Level(level)]


def topic_level_help(level: int) -> str:
    """One line on what a topic level does."""
    return {
        Level.WATCHING: _("You are notified of every new post."),
        Level.TRACKING: _("The topic shows how many posts are new; you are notified when someone "
                          "mentions you or replies to you."),
        Level.NORMAL: _("You are notified when someone mentions you or replies to you."),
        Level.MUTED: _("You are never notified, and the topic is not listed in Latest."),
    }[Level(level)]


def category_level_help(level: int) -> str:
    """One line on what a category level does."""
    return {
        Level.WATCHING: _("You are notified of every new post in every topic."),
        Level.WATCHING_FIRST_POST: _("You are notified of every new topic, not of its replies."),
        Level.TRACKING: _("Topics show how many posts are new."),
        Level.NORMAL: _("You are notified when someone mentions you or replies to you."),
        Level.MUTED: _("Its topics never notify you and are not listed in Latest."),
    }[Level(level)]


def topic_level_chosen(level: int) -> str:
    """What the member reads after choosing a topic's level: one sentence per level."""
    return {
        Level.WATCHING: _("You are watching this topic: you will hear of every new post."),
        Level.TRACKING: _("You are tracking this topic: it shows how many posts are new, and you will hear "
                          "when someone mentions you or replies to you."),
        Level.NORMAL: _("This topic is back to normal: you will hear only when someone mentions you or "
                        "replies to you."),
        Level.MUTED: _("This topic is muted: you will hear nothing more about it, and it leaves Latest."),
    }[Level(level)]


def category_level_chosen(level: int) -> str:
    """What the member reads after choosing a category's level: one sentence per level."""
    return {
        Level.WATCHING: _("You are watching this category: you will hear of every new post in every topic."),
        Level.WATCHING_FIRST_POST: _("You are watching this category's new topics: you will hear of each new "
                                     "topic, not of its replies."),
        Level.TRACKING: _("You are tracking this category: its topics show how many posts are new."),
        Level.NORMAL: _("This category is back to normal: you will hear only when someone mentions you or "
                        "replies to you."),
        Level.MUTED: _("This category is muted: you will hear nothing more about its topics, and they leave "
                       "Latest."),
    }[Level(level)]


def reason_text(reading: TopicReading) -> str:
    """Why the member follows the topic at this level, in one sentence ("" when it is simply
    the default)."""
    if reading.reason == CREATED:  # set only with watching
        return _("You are watching this because you created it.")
    if reading.reason == REPLIED:  # set only with tracking
        return _("You are tracking this because you replied to it.")
    if reading.reason == FROM_CATEGORY:
        return {
            Level.WATCHING: _("You are watching this because you watch its category."),
            Level.TRACKING: _("You are tracking this because you track its category."),
            Level.MUTED: _("This is muted because you muted its category."),
        }.get(reading.level, "")
    if reading.reason == CHOSEN:
        return _("You chose this level.")
    return ""
