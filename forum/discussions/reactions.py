"""Reactions: likes and the community's small set of other reactions, one per member per post.

* **The set.** :data:`REACTIONS` is every reaction the forum can draw: an SVG icon of
  ``macros/icons.html`` and a translated name (no emoji font needed, the icon takes the text
  colour). The admin chooses which are offered (the setting ``reactions``, Admin → Reactions);
  a like (``heart``) is always offered. Reactions given before the admin took one away stay
  counted and shown; nobody can add more of them.
* **Writing.** :func:`react` and :func:`unreact`: the unique constraint on (post, member)
  decides whether a row was really inserted or deleted, and only then do the counters move
  (SQL arithmetic, :func:`forum.discussions.counters.count_reaction`), with the post's row
  locked first, so concurrent likes, double clicks and two tabs never count twice. Changing
  one's reaction updates the row and changes no counter.
* **Reading.** :func:`engagement_of`: per post of a topic page, the breakdown by reaction, the
  reader's own reaction and bookmark: one grouped query for the page's posts and one for the
  reader's, whatever the number of reactions (none at all when the page has no reaction).
* **Notices.** The author hears once per post, consolidated (:func:`refresh_notice`, a job run
  after each change): "Anna liked your post" becomes "Anna and 4 others liked your post" while
  the notice is unread; once read, later reactions start a new notice. Members the author
  ignores and the author themselves are never in it; undoing a reaction notifies nobody (it
  only takes the reaction out of a notice not yet read).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from forum import jobs, pagination, settings
from forum.accounts.models import IgnoredUser, User
from forum.accounts.permissions import can_administer
from forum.accounts.states import can_read_as_member
from forum.db_types import UTCDateTime, utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, notify
from forum.notifications.kinds import Params
from forum.notifications.models import Notification

from . import counters, links, permissions
from .models import Bookmark, Post, PostReaction, PostState
from .notices import muted_among

PUBLISHED = PostState.PUBLISHED
LIKE = "heart"
SETTING = "reactions"
NOTICE_KIND = "post_liked"
NOTICE_JOB = "discussions.reaction_notice"
WHO_PER_PAGE = 50


@dataclass(frozen=True)
class Reaction:
    name: str   # stored in post_reactions.reaction (String(16))
    icon: str   # a name of macros/icons.html
    label: Any  # lazy translation: the button's accessible name and tooltip


# Everything the forum can draw, in the order a post shows them.
REACTIONS: dict[str, Reaction] = {r.name: r for r in (
    Reaction(LIKE, "heart", _l("Like")),
    Reaction("thumbs_up", "thumbs-up", _l("Thumbs up")),
    Reaction("laughing", "laughing", _l("Funny")),
    Reaction("surprised", "surprised", _l("Surprised")),
    Reaction("thankful", "thankful", _l("Thank you")),
    Reaction("celebrate", "celebrate", _l("Celebrate")),
    Reaction("thinking", "thinking", _l("Thinking")),
    Reaction("sad", "sad", _l("Sad")),
)}
DEFAULT_REACTIONS = [LIKE, "thumbs_up", "laughing", "surprised", "thankful"]
DEFAULTS = {SETTING: DEFAULT_REACTIONS}


class ReactionUnavailable(ValidationFailed):
    """The post stopped taking reactions between the page and the click (hidden, withdrawn)."""

    def __init__(self) -> None:
        super().__init__(_("This post no longer takes reactions."))


def offered_reactions() -> list[str]:
    """The reactions members may give now: the admin's choice, in the catalogue's order, the
    like always first (an unknown or empty setting offers the like alone)."""
    chosen = settings.get_setting(SETTING)
    names = set(chosen) if isinstance(chosen, list) else set(DEFAULT_REACTIONS)
    return [name for name in REACTIONS if name == LIKE or name in names]


def save_offered(admin: Any, names: Iterable[str]) -> list[str]:
    """The admin's choice of reactions (the like is always kept). The caller's form offers only
    catalogue names; anything else is refused."""
    if not can_administer(admin):
        raise PermissionDenied()
    chosen = set(names) | {LIKE}
    unknown = chosen - set(REACTIONS)
    if unknown:
        raise ValidationFailed({"reactions": _("Choose reactions from the list.")})
    ordered = [name for name in REACTIONS if name in chosen]
    settings.set_setting(SETTING, ordered)
    db.session.commit()
    return ordered


# --- writing ---------------------------------------------------------------------------------------

def _insert(post_id: int, user_id: int, reaction: str) -> int | None:
    """Insert the member's reaction if they have none on the post and the post is still
    published (one statement, so SQLite decides it under its write lock): the new row's id, or
    None."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    source = (select(Post.id, literal(user_id), literal(reaction), literal(utcnow(), UTCDateTime()))
              .where(Post.id == post_id, Post.state == PUBLISHED))
    stmt = (insert(PostReaction)
            .from_select(["post_id", "user_id", "reaction", "created_at"], source)
            .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
            .returning(PostReaction.id))
    return db.session.execute(stmt).scalar()


def react(user: Any, post: Post, reaction: str) -> str:
    """Give ``reaction`` to ``post`` (a like is ``"heart"``), or change one's reaction to it.
    Answers ``"added"``, ``"changed"`` or ``"same"`` (a second click or another tab). Commits."""
    if reaction not in offered_reactions():
        raise ValidationFailed({"reaction": _("Choose one of the reactions offered.")})
    if not permissions.can_react(user, post):
        raise PermissionDenied()
    locked = counters.lock_post_for_reaction(post.id)
    if locked is None:
        raise NotFound()
    state, author_id = locked
    if state != PUBLISHED:
        db.session.rollback()
        raise ReactionUnavailable()
    if _insert(post.id, user.id, reaction) is not None:
        counters.count_reaction(post.id, user.id, author_id, 1)
        jobs.enqueue(NOTICE_JOB, {"post_id": post.id})
        outcome = "added"
    else:
        changed = db.session.execute(
            update(PostReaction).where(PostReaction.post_id == post.id, PostReaction.user_id == user.id,
                                       PostReaction.reaction != reaction,
                                       exists().where(Post.id == post.id, Post.state == PUBLISHED))
            .values(reaction=reaction), execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
        mine = db.session.scalar(select(PostReaction.reaction).where(PostReaction.post_id == post.id,
                                                                     PostReaction.user_id == user.id))
        if mine != reaction:  # no row of ours: the post left "published" between the statements
            db.session.rollback()
            raise ReactionUnavailable()
        outcome = "changed" if changed else "same"
    db.session.commit()
    forget_cached()
    return outcome


def unreact(user: Any, post: Post) -> bool:
    """Take back one's reaction to ``post`` (whatever the post's state now). True if there was
    one. Commits."""
    if not user.is_authenticated:
        raise PermissionDenied()
    locked = counters.lock_post_for_reaction(post.id)
    if locked is None:
        raise NotFound()
    _state, author_id = locked
    removed = db.session.execute(delete(PostReaction).where(PostReaction.post_id == post.id,
                                                            PostReaction.user_id == user.id)
                                 .returning(PostReaction.id)).scalar()
    if removed is not None:
        counters.count_reaction(post.id, user.id, author_id, -1)
        jobs.enqueue(NOTICE_JOB, {"post_id": post.id})  # out of a notice not read yet
    db.session.commit()
    forget_cached()
    return removed is not None


# --- reading ---------------------------------------------------------------------------------------

@dataclass
class Engagement:
    """What one post shows under it: the reactions it has, the reader's reaction and bookmark."""

    counts: dict[str, int] = field(default_factory=dict)  # reaction -> how many
    mine: str | None = None
    bookmark: Bookmark | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def shown(self, offered: Sequence[str]) -> list[tuple[Reaction, int]]:
        """The reactions to draw, in the catalogue's order: those given, plus (for a member who
        may react) the like, always; the others wait in the "more reactions" picker."""
        return [(r, self.counts.get(name, 0)) for name, r in REACTIONS.items()
                if self.counts.get(name) or (name == LIKE and name in offered)]

    def picker(self, offered: Sequence[str]) -> list[Reaction]:
        """Offered reactions nobody gave yet (the picker's buttons)."""
        return [REACTIONS[name] for name in offered if not self.counts.get(name) and name != LIKE]


_CACHE = "discussions_engagement"


def forget_cached() -> None:
    if has_request_context():
        g.pop(_CACHE, None)


def load_engagement(user: Any, posts: Sequence[Post]) -> dict[int, Engagement]:
    """Engagement for ``posts`` (published ones; others get an empty one): the breakdown in one
    grouped query (skipped when no post has a reaction), the reader's reactions and bookmarks
    in one more (members only)."""
    result = {p.id: Engagement() for p in posts}
    ids = [p.id for p in posts if p.state == PUBLISHED]
    if not ids:
        return result
    if any(p.reaction_count for p in posts if p.state == PUBLISHED):
        for post_id, name, n in db.session.execute(
                select(PostReaction.post_id, PostReaction.reaction, func.count())
                .where(PostReaction.post_id.in_(ids)).group_by(PostReaction.post_id, PostReaction.reaction)):
            result[post_id].counts[name] = int(n)
    if user.is_authenticated:
        rows = db.session.execute(
            select(Post.id, PostReaction.reaction, Bookmark).select_from(Post)
            .outerjoin(PostReaction, and_(PostReaction.post_id == Post.id, PostReaction.user_id == user.id))
            .outerjoin(Bookmark, and_(Bookmark.post_id == Post.id, Bookmark.user_id == user.id))
            .where(Post.id.in_(ids), or_(PostReaction.id.is_not(None), Bookmark.id.is_not(None))))
        for post_id, mine, bookmark in rows:
            result[post_id].mine, result[post_id].bookmark = mine, bookmark
    return result


def engagement_of(user: Any, post: Post, page_posts: Sequence[Post] | None = None) -> Engagement:
    """The template's way in (``post_engagement(post, page.posts)``): the first post of a page
    loads the whole page's engagement, the others read it from the request's cache."""
    cache: dict[int, Engagement] = g.setdefault(_CACHE, {}) if has_request_context() else {}
    if post.id not in cache:
        batch = [p for p in (page_posts or ()) if p.id not in cache]
        if post not in batch:
            batch.append(post)
        cache.update(load_engagement(user, batch))
    return cache[post.id]


@dataclass
class Reactor:
    user: User | None
    reaction: Reaction | None
    at: Any


def who_reacted(viewer: Any, post: Post, *, cursor: str | None = None,
                reaction: str | None = None) -> pagination.Page[Reactor]:
    """The members who reacted, newest first, keyset-paginated on the reaction's id (one
    query); ``reaction`` keeps one kind."""
    if not permissions.can_see_reactions(viewer, post):
        raise NotFound()
    query = (select(PostReaction).options(joinedload(PostReaction.user))
             .where(PostReaction.post_id == post.id).order_by(PostReaction.id.desc()).limit(WHO_PER_PAGE + 1))
    if reaction:
        query = query.where(PostReaction.reaction == reaction)
    before = pagination.decode_id(cursor)
    if before is not None:
        query = query.where(PostReaction.id < before)
    rows = list(db.session.scalars(query))
    page = pagination.page_of(rows, WHO_PER_PAGE, lambda r: str(r.id))
    return pagination.Page([Reactor(r.user, REACTIONS.get(r.reaction), r.created_at) for r in page.items],
                           page.next_cursor)


# --- the author's notice -----------------------------------------------------------------------------

def _liked_message(p: Params) -> str:
    names = [str(n) for n in (p.get("names") or [])] or ["?"]
    count = max(int(p.get("count") or 1), 1)
    topic = str(p.get("topic") or "")
    liked = bool(p.get("liked", True))
    if count == 1:
        return (_("%(name)s liked your post in “%(topic)s”", name=names[0], topic=topic) if liked else
                _("%(name)s reacted to your post in “%(topic)s”", name=names[0], topic=topic))
    if count == 2 and len(names) > 1:
        return (_("%(name)s and %(other)s liked your post in “%(topic)s”", name=names[0], other=names[1],
                  topic=topic) if liked else
                _("%(name)s and %(other)s reacted to your post in “%(topic)s”", name=names[0], other=names[1],
                  topic=topic))
    if liked:
        return ngettext("%(name)s and %(num)d other liked your post in “%(topic)s”",
                        "%(name)s and %(num)d others liked your post in “%(topic)s”", count - 1,
                        name=names[0], topic=topic)
    return ngettext("%(name)s and %(num)d other reacted to your post in “%(topic)s”",
                    "%(name)s and %(num)d others reacted to your post in “%(topic)s”", count - 1,
                    name=names[0], topic=topic)


NOTICE = NotificationKind(NOTICE_KIND, message=_liked_message, subject=_liked_message,
                          default_delivery=Delivery.APP, label=_l("Likes and reactions to my posts"))


def _window(post_id: int, author_id: int, after: int) -> tuple[int, int, list[str], bool]:
    """Reactions to the post after reaction id ``after``, from members other than the author
    and not ignored by them: (how many, the newest id, the two newest names, all likes?)."""
    ignored = select(IgnoredUser.ignored_user_id).where(IgnoredUser.user_id == author_id)
    where = (PostReaction.post_id == post_id, PostReaction.id > after, PostReaction.user_id != author_id,
             PostReaction.user_id.not_in(ignored))
    count, last, hearts = db.session.execute(
        select(func.count(), func.max(PostReaction.id),
               func.count().filter(PostReaction.reaction == LIKE)).where(*where)).one()
    names = list(db.session.scalars(select(User.display_name).join(PostReaction, PostReaction.user_id == User.id)
                                    .where(*where).order_by(PostReaction.id.desc()).limit(2)))
    return int(count or 0), int(last or after), names, int(hearts or 0) == int(count or 0)


def refresh_notice(payload: dict[str, Any]) -> None:
    """The ``discussions.reaction_notice`` job: bring the author's notice about reactions to one
    post in line with the rows. Idempotent (it recomputes; the new notice's dedupe key is the
    start of its window), and one post's jobs take turns on the post's row lock."""
    post_id = int(payload["post_id"])
    if counters.lock_post_for_reaction(post_id) is None:
        return
    post = db.session.scalar(select(Post).options(joinedload(Post.topic)).where(Post.id == post_id))
    author = db.session.get(User, post.user_id) if post is not None and post.user_id else None
    if post is None or author is None or not can_read_as_member(author) \
            or muted_among(post.topic, [author.id]):
        db.session.commit()  # nobody to tell, or they muted the topic: nothing more about it
        return
    latest = db.session.scalar(select(Notification).where(
        Notification.user_id == author.id, Notification.kind == NOTICE_KIND, Notification.post_id == post.id)
        .order_by(Notification.id.desc()).limit(1))
    params = dict(latest.params or {}) if latest is not None else {}
    if latest is not None and latest.read_at is None:
        after = int(params.get("after") or 0)
        count, last, names, liked = _window(post.id, author.id, after)
        if count == 0:  # every reaction it told of was taken back before it was read
            db.session.execute(delete(Notification).where(Notification.id == latest.id,
                                                          Notification.read_at.is_(None)))
            db.session.commit()
            return
        changed = db.session.execute(update(Notification).where(
            Notification.id == latest.id, Notification.read_at.is_(None)).values(
            params={**params, "count": count, "names": names, "liked": liked, "last": last,
                    "topic": post.topic.title},
            actor_id=_newest_reactor(post.id, last), created_at=utcnow()),
            execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
        if changed:
            db.session.commit()
            return
        db.session.refresh(latest)  # read meanwhile: what follows goes into a new notice
        params = dict(latest.params or {})
    after = int(params.get("last") or 0) if latest is not None else 0
    count, last, names, liked = _window(post.id, author.id, after)
    if count:
        key = f"{NOTICE_KIND}:{post.id}:{after}"
        notify(author, NOTICE_KIND, {"count": count, "names": names, "liked": liked, "topic": post.topic.title,
                                     "after": after, "last": last},
               url=links.post_path(post.topic, post.post_number), dedupe_key=key, topic_id=post.topic_id,
               post_id=post.id, actor_id=_newest_reactor(post.id, last))
    db.session.commit()


def _newest_reactor(post_id: int, reaction_id: int) -> int | None:
    return db.session.scalar(select(PostReaction.user_id).where(PostReaction.id == reaction_id,
                                                                PostReaction.post_id == post_id))


__all__ = ["DEFAULTS", "LIKE", "NOTICE", "NOTICE_JOB", "REACTIONS", "Engagement", "Reaction", "ReactionUnavailable",
           "Reactor", "engagement_of", "forget_cached", "load_engagement", "offered_reactions", "react",
           "refresh_notice", "save_offered", "unreact", "who_reacted"]
