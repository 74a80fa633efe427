"""Reading discussions: categories, topic pages, listings, profiles' activity, revisions.

Every listing is keyset-paginated (:mod:`forum.pagination`) or an index range (topic pages by
post number): no OFFSET anywhere, and a constant number of queries per page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from forum import pagination
from forum.accounts.models import User
from forum.accounts.visits import previous_visit
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied
from forum.extensions import db
from forum.registry import contributions, lookup

from .. import permissions, watching
from ..interfaces import PostLoadOption, TopicLoadOption, TopicTags
from ..models import Category, CategoryMember, NotificationLevel, Post, PostRevision, PostState, Topic, TopicMember


def visible_categories(user: Any) -> list[Category]:
    allowed = permissions.readable_category_ids(user)
    return list(db.session.scalars(
        select(Category).options(joinedload(Category.last_topic).joinedload(Topic.last_poster))
        .where(Category.id.in_(allowed)).order_by(Category.position, Category.name)))


def get_category(user: Any, slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not permissions.can_read_category(user, category):
        raise NotFound()
    return category


def get_topic(user: Any, topic_id: int) -> Topic:
    topic = db.session.scalar(select(Topic).options(joinedload(Topic.category), joinedload(Topic.author))
                              .where(Topic.id == topic_id))
    if topic is None or not permissions.can_see_topic(user, topic):
        raise NotFound()
    return topic


def get_post(user: Any, post_id: int) -> Post:
    post = db.session.scalar(select(Post).options(joinedload(Post.topic).joinedload(Topic.category),
                                                  joinedload(Post.author)).where(Post.id == post_id))
    if post is None or not permissions.can_see_topic(user, post.topic):
        raise NotFound()
    return post


@dataclass(frozen=True)
class Gap:
    """Post numbers between two shown posts that this reader does not see.

    Post numbers are never reused or renumbered (permalinks, quotes and "in reply to #n" name
    them), so a post held for review, rejected or moved to another topic leaves a gap. The
    page says so where it is ("1 post hidden"), as Discourse does, instead of jumping from #3
    to #5 unexplained. ``numbers`` are the missing post numbers: each is an anchor, so a
    permalink to a post the reader cannot see lands on the marker that explains it."""

    hidden: int   # posts in this topic the reader may not see (held for review, rejected)
    moved: int    # numbers no longer in this topic (split off to another topic)
    numbers: tuple[int, ...]


@dataclass
class TopicPage:
    topic: Topic
    posts: list[Post]
    page: int
    pages: int
    per_page: int
    # The page in reading order: posts, and a Gap wherever post numbers are missing.
    items: list[Post | Gap] = field(default_factory=list)
    # The reader's level for the topic and how far they had read it before this page.
    reading: watching.TopicReading = watching.NOT_READING

    @property
    def first_unread(self) -> int | None:
        """The post number the "unread from here" marker goes before, when it is on this page:
        the member opened the topic before and has not read it all."""
        last_read = self.reading.last_read_post_number
        if not last_read or last_read >= self.topic.highest_post_number:
            return None
        return next((p.post_number for p in self.posts if p.post_number > last_read), None)

    @property
    def window(self) -> list[int | None]:
        """Page numbers for the pager: first, last and two either side of this one; None
        marks a gap. Built from the few numbers shown, so a 5,000-page topic costs no more."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def _sees(user: Any, post: Post) -> bool:
    """Whether the post is on the reader's page at all: held and rejected posts are for their
    author and moderators (hidden and withdrawn ones show as placeholders to everyone)."""
    if post.state not in (PostState.PENDING, PostState.REJECTED) or user.is_moderator:
        return True
    return bool(user.is_authenticated and post.user_id == user.id)


def _with_gaps(posts: list[Post], shown: list[Post], lo: int, hi: int) -> list[Post | Gap]:
    """``shown`` in order, with a Gap for each run of numbers in ``lo+1 .. hi`` not shown."""
    present = {p.post_number for p in posts}
    shown_numbers = {p.post_number for p in shown}
    by_number = {p.post_number: p for p in shown}
    items: list[Post | Gap] = []
    run: list[int] = []

    def close_run() -> None:
        if run:
            hidden = sum(1 for n in run if n in present)
            items.append(Gap(hidden=hidden, moved=len(run) - hidden, numbers=tuple(run)))
            run.clear()

    for number in range(lo + 1, hi + 1):
        if number in shown_numbers:
            close_run()
            items.append(by_number[number])
        else:
            run.append(number)
    close_run()
    return items


def topic_page(user: Any, topic: Topic, page: int) -> TopicPage:
    """Posts ``(page-1)*n+1 .. page*n`` by post number: an index range, as cheap on page 5,000
    as on page 1. Held posts show to their author and moderators only; to others the page
    marks where they are (:class:`Gap`), so the numbering never jumps unexplained."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    pages = max(1, -(-topic.highest_post_number // per_page))
    page = min(max(1, page), pages)
    lo, hi = (page - 1) * per_page, min(page * per_page, topic.highest_post_number)
    # One query for the whole range (at most per_page rows): the held posts are read to tell
    # "hidden" from "moved", and never leave this function.
    posts = list(db.session.scalars(
        select(Post).options(*post_load_options())
        .where(Post.topic_id == topic.id, Post.post_number > lo, Post.post_number <= hi)
        .order_by(Post.post_number)).unique())
    shown = [p for p in posts if _sees(user, p)]
    return TopicPage(topic=topic, posts=shown, page=page, pages=pages, per_page=per_page,
                     items=_with_gaps(posts, shown, lo, hi), reading=watching.topic_reading(user, topic))


def post_load_options() -> list[Any]:
    """Eager loads for rendering posts; other domains contribute more (staff badges)."""
    return [joinedload(Post.author)] + [extra() for extra in contributions(PostLoadOption)]


def page_of_post(topic: Topic, post_number: int) -> int:
    return max(1, -(-post_number // current_app.config["POSTS_PER_PAGE"]))


def get_visible_post(user: Any, post_id: int) -> Post:
    """A post that is on its topic's page for ``user`` (held and rejected ones only for their
    author and moderators), else NotFound."""
    post = get_post(user, post_id)
    if not _sees(user, post):
        raise NotFound()
    return post


def posts_after(user: Any, topic: Topic, after: int, limit: int) -> tuple[list[Post], int | None]:
    """The posts ``user`` sees in ``topic`` after post number ``after``, in order, at most
    ``limit``, and the post number to continue after (None at the end): the API's cursor
    walk of a topic (the same rule as :func:`topic_page`, in SQL)."""
    query = (select(Post).options(*post_load_options())
             .where(Post.topic_id == topic.id, Post.post_number > after))
    if not user.is_moderator:
        held = Post.state.in_((PostState.PENDING, PostState.REJECTED))
        query = query.where(~held | (Post.user_id == user.id) if user.is_authenticated else ~held)
    posts = list(db.session.scalars(query.order_by(Post.post_number).limit(limit + 1)).unique())
    return posts[:limit], (posts[limit - 1].post_number if len(posts) > limit else None)


def get_post_by_number(user: Any, topic: Topic, post_number: int) -> Post:
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == post_number))
    if post is None:
        raise NotFound()
    return post


@dataclass
class TopicList:
    pinned: list[Topic]
    topics: list[Topic]
    next_cursor: str | None
    # The member's read state of the listed topics ("N new", "New"); empty for visitors.
    reads: dict[int, watching.ReadState] = field(default_factory=dict)
    # A category's page, for a member: the level they follow the category at (its control).
    category_level: NotificationLevel | None = None
    # The listed topics' tags, {topic id: [tag]} (TopicTags: one query for the page).
    tags: dict[int, list[Any]] = field(default_factory=dict)


def _with_reads(user: Any, listing: TopicList) -> TopicList:
    """Add the page's read state and tags: one query each, whatever the number of topics."""
    listing.reads = watching.read_states(user, listing.pinned + listing.topics, since=previous_visit(user))
    listing.tags = lookup(TopicTags).for_topics([t.id for t in listing.pinned + listing.topics])
    return listing


def encode_cursor(topic: Topic) -> str:
    """The position of the last topic shown, on the listing's order (last activity, id)."""
    return pagination.encode_cursor(topic.last_posted_at, topic.id)


def _topic_options() -> list[Any]:
    options: list[Any] = [joinedload(Topic.category), joinedload(Topic.author), joinedload(Topic.last_poster)]
    return options + [extra() for extra in contributions(TopicLoadOption)]


# Global pins shown on /latest, at most: a moderator pins for everyone now and then (an
# announcement, an outage); more than this at once is a list nobody reads, and topic_tools
# refuses to pin more. Also the bound of the query, so /latest's cost never depends on pins.
MAX_GLOBAL_PINS = 5


def live_pins(now: datetime, *, globally: bool = False) -> Any:
    """Live pins (their end date not passed); ``globally``: only those pinned for everyone."""
    live = or_(Topic.pinned_until.is_(None), Topic.pinned_until > now)
    if globally:
        return and_(Topic.is_pinned.is_(True), Topic.pinned_globally.is_(True), live)
    return and_(Topic.is_pinned.is_(True), live)


def list_topics(user: Any, *, category: Category | None = None, cursor: str | None = None,
                filters: dict[str, Any] | None = None, per_page: int | None = None) -> TopicList:
    """Pinned first, on the first page, until their end date: a category's page leads with
    all its pins, /latest with the topics pinned for everyone (``pinned_globally``, at most
    MAX_GLOBAL_PINS); then by last activity, newest first. On /latest a topic pinned in its
    category only is listed by its activity like any other.

    Keyset-paginated on (last_posted_at, id): page N costs one index range scan, like page 1,
    and a walk through "Older topics" meets every topic exactly once, ties included (the
    topics pinned on this list are left out of the walk, so they never show twice). Two
    queries on page 1, one on the others, however many topics: the pinned ones are found
    through ix_topics_category_pinned, one short range per readable category (checked with
    EXPLAIN QUERY PLAN on SQLite). ``per_page``: the API's ``limit`` (the pages' setting else).
    """
    per_page = per_page or current_app.config["TOPICS_PER_PAGE"]
    now = utcnow()  # one instant for both queries, so a pin expiring mid-request is not lost
    base = select(Topic).options(*_topic_options()).where(Topic.state == PostState.PUBLISHED)
    if category is not None:
        base = base.where(Topic.category_id == category.id)
    else:
        base = base.where(Topic.category_id.in_(permissions.readable_category_ids(user)))
    if user.is_authenticated:
        # What the member muted is not listed (muted categories: on /latest; their own page
        # still lists them), inside the same statement.
        base = base.where(watching.not_muted(user, categories=category is None))
    for key, value in (filters or {}).items():
        base = _apply_filter(base, key, value)
    position = pagination.decode_cursor(cursor)
    pinned_here = live_pins(now, globally=category is None)
    pinned: list[Topic] = []
    if position is None:
        # Sorted here, not by the database: with an ORDER BY, SQLite walks ix_topics_activity
        # through every topic of the forum looking for pins; without it, ix_topics_category_pinned.
        pins = base.where(pinned_here)
        if category is None:
            pins = pins.limit(MAX_GLOBAL_PINS)
        pinned = sorted(db.session.scalars(pins).unique(), key=lambda t: (t.last_posted_at, t.id), reverse=True)
    query = base.where(~pinned_here)
    if position is not None:
        query = query.where(pagination.after(Topic.last_posted_at, Topic.id, position, descending=True))
    rows = list(db.session.scalars(query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
                                   .limit(per_page + 1)))
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else None
    listing = TopicList(pinned=pinned, topics=rows[:per_page], next_cursor=next_cursor)
    if category is not None and user.is_authenticated:
        listing.category_level = watching.category_level(user, category)
    return _with_reads(user, listing)


def new_topics(user: Any, *, cursor: str | None = None) -> TopicList:
    """``/new``: published topics the member may read, created since their previous visit
    (:func:`forum.accounts.visits.previous_visit`), that they have not opened and did not mute,
    newest first. Keyset-paginated on (created_at, id) along ix_topics_created: one query for
    the page and one for its read state."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    since = previous_visit(user)
    opened = select(TopicMember.topic_id).where(TopicMember.user_id == user.id,
                                                TopicMember.last_read_post_number > 0)
    query = (select(Topic).options(*_topic_options())
             .where(Topic.state == PostState.PUBLISHED, Topic.created_at > since,
                    Topic.category_id.in_(permissions.readable_category_ids(user)),
                    Topic.id.not_in(opened), watching.not_muted(user)))
    position = pagination.decode_cursor(cursor)
    if position is not None:
        query = query.where(pagination.after(Topic.created_at, Topic.id, position, descending=True))
    rows = list(db.session.scalars(query.order_by(Topic.created_at.desc(), Topic.id.desc()).limit(per_page + 1)))
    next_cursor = (pagination.encode_cursor(rows[per_page - 1].created_at, rows[per_page - 1].id)
                   if len(rows) > per_page else None)
    return _with_reads(user, TopicList(pinned=[], topics=rows[:per_page], next_cursor=next_cursor))


def unread_topics(user: Any, *, cursor: str | None = None) -> TopicList:
    """``/unread``: topics the member tracks or watches (their own level, else their
    category's) and has opened, with published posts after their read position, by last
    activity. Driven by the member's own topic_members rows; keyset on (last_posted_at, id);
    one query for the page and one for its read state."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    level = watching.effective_level_sql(TopicMember.level, CategoryMember.level)
    unread_post = (select(Post.id).where(Post.topic_id == Topic.id,
                                         Post.post_number > TopicMember.last_read_post_number,
                                         Post.state == PostState.PUBLISHED).correlate_except(Post).exists())
    query = (select(Topic).options(*_topic_options())
             .join(TopicMember, and_(TopicMember.topic_id == Topic.id, TopicMember.user_id == user.id))
             .outerjoin(CategoryMember, and_(CategoryMember.category_id == Topic.category_id,
                                             CategoryMember.user_id == user.id))
             .where(Topic.state == PostState.PUBLISHED,
                    Topic.category_id.in_(permissions.readable_category_ids(user)),
                    TopicMember.last_read_post_number > 0,
                    Topic.highest_post_number > TopicMember.last_read_post_number,
                    level >= int(NotificationLevel.TRACKING), unread_post))
    position = pagination.decode_cursor(cursor)
    if position is not None:
        query = query.where(pagination.after(Topic.last_posted_at, Topic.id, position, descending=True))
    rows = list(db.session.scalars(query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
                                   .limit(per_page + 1)).unique())
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else None
    return _with_reads(user, TopicList(pinned=[], topics=rows[:per_page], next_cursor=next_cursor))


def _apply_filter(query: Any, key: str, value: Any) -> Any:
    if key == "official":
        cond = Topic.first_official_post_number.is_not(None)
        return query.where(cond if value else ~cond)
    if key == "solved":
        cond = Topic.solution_post_id.is_not(None)
        return query.where(cond if value else ~cond)
    if key == "topic_ids":  # a SELECT of topic ids from a domain above (tags: ?tag=)
        return query.where(Topic.id.in_(value))
    return query


def user_topics(viewer: Any, user: User, limit: int = 20) -> list[Topic]:
    return list(db.session.scalars(
        select(Topic).options(joinedload(Topic.category))
        .where(Topic.user_id == user.id, Topic.state == PostState.PUBLISHED,
               Topic.category_id.in_(permissions.readable_category_ids(viewer)))
        .order_by(Topic.created_at.desc()).limit(limit)))


def user_posts(viewer: Any, user: User, limit: int = 20) -> list[Post]:
    return list(db.session.scalars(
        select(Post).join(Topic, Topic.id == Post.topic_id).options(joinedload(Post.topic))
        .where(Post.user_id == user.id, Post.state == PostState.PUBLISHED, Topic.state == PostState.PUBLISHED,
               Post.post_number > 1, Topic.category_id.in_(permissions.readable_category_ids(viewer)))
        .order_by(Post.created_at.desc()).limit(limit)))


def revisions(user: Any, post: Post) -> list[PostRevision]:
    if not permissions.can_see_revisions(user, post):
        raise PermissionDenied()
    return list(db.session.scalars(select(PostRevision).options(joinedload(PostRevision.editor))
                                   .where(PostRevision.post_id == post.id).order_by(PostRevision.number)))


def quote_parts(user: Any, post: Post) -> tuple[str, str, str]:
    """The opening tag, the Markdown and the closing tag that quote ``post`` into a reply (the
    composer wraps a selection of the post in the same tags)."""
    if not permissions.can_see_post_body(user, post) or post.state != PostState.PUBLISHED:
        raise NotFound()
    username = post.author.username if post.author else "?"
    return f'[quote="{username}, post:{post.post_number}, topic:{post.topic_id}"]', post.raw, "[/quote]"


def quote_source(user: Any, post: Post) -> str:
    """Markdown that quotes ``post`` into a reply."""
    opening, raw, closing = quote_parts(user, post)
    return f"{opening}\n{raw}\n{closing}\n\n"
