"""Discussion rules: starting topics, replying, editing, withdrawing, listing.

Every write goes: permission -> validation -> plugin filters -> write -> commit -> hooks.
Moderation and staff features plug in through the verdicts and the ``publish``/``unpublish``
helpers below, which keep every counter right whichever way a post changes state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, false, func, literal, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from forum import markup
from forum.accounts.models import User
from forum.accounts.services import resolve_usernames
from forum.db_types import UTCDateTime, utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.plugins import Draft, FilterContext, Verdict, VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.text import slugify, strip_invisible

from . import permissions
from .models import Category, Post, PostRevision, PostState, Topic


class PostingBlocked(PermissionDenied):
    """The member cannot post yet; ``reason`` is a code from permissions.posting_block_reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class PostOutcome:
    """What happened to submitted text: the post, and the verdict that decided its state."""

    post: Post
    verdict: Verdict
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.post.state == PostState.PENDING


# --- helpers -------------------------------------------------------------------------------------

def cook(raw: str) -> markup.Cooked:
    return markup.cook(raw, resolve_users=resolve_usernames)


def _clean_body(raw: str) -> str:
    raw = raw.replace("\r\n", "\n").strip()
    cfg = current_app.config
    if len(strip_invisible(raw).strip()) < cfg["MIN_POST_LENGTH"]:
        raise ValidationFailed({"body": _("Please write at least %(n)d characters.",
                                          n=cfg["MIN_POST_LENGTH"])})
    if len(raw) > cfg["MAX_POST_LENGTH"]:
        raise ValidationFailed({"body": _("Please keep it under %(n)d characters.",
                                          n=cfg["MAX_POST_LENGTH"])})
    return raw


def _clean_title(title: str) -> str:
    title = " ".join(strip_invisible(title).split())
    cfg = current_app.config
    if len(title) < cfg["MIN_TITLE_LENGTH"]:
        raise ValidationFailed({"title": _("Please write a title of at least %(n)d characters.",
                                           n=cfg["MIN_TITLE_LENGTH"])})
    if len(title) > cfg["MAX_TITLE_LENGTH"]:
        raise ValidationFailed({"title": _("Please keep the title under %(n)d characters.",
                                           n=cfg["MAX_TITLE_LENGTH"])})
    return title


def _require_can_post(user: User) -> None:
    reason = permissions.posting_block_reason(user)
    if reason:
        raise PostingBlocked(reason)


def _language_for(user: User) -> str:
    from forum.admin.settings import get_setting

    return user.locale or get_setting("default_language") or current_app.config["DEFAULT_LOCALE"]


def _judge(draft: Draft, author: User, context: FilterContext) -> tuple[Verdict, list[Verdict]]:
    """Run the content filters; a reject keeps the text with the author (the form is re-shown)."""
    verdict, verdicts = run_filters("forum_filter_post", draft=draft, author=author, context=context)
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"body": verdict.message or _("This post cannot be published.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            draft.raw = v.new_source
    return verdict, verdicts


def _record_verdicts(post: Post, verdicts: list[Verdict], context: FilterContext) -> None:
    """Hand the verdicts to moderation (review queue, flags, history) inside the transaction."""
    if any(v.kind != VerdictKind.ALLOW for v in verdicts):
        post.state_reason = "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts if v.reason)[:2000]
    db.session.flush()
    fire("forum_post_judged", post=post, verdicts=verdicts, context=context)


def _check_official(author: User, official: bool) -> None:
    if official and not permissions.can_post_official(author):
        raise PermissionDenied()


# --- counters --------------------------------------------------------------------------------------
#
# Invariants (the seeder's set-based fix-up in forum/seed.py computes the same numbers):
#   topic.post_count     = published posts of the topic (whatever the topic's state)
#   topic.last_posted_at = created_at of its latest published post (topic.created_at if none)
#   category.topic_count = published topics; category.post_count = sum of their post_count
#   category.last_*      = the published topic with the latest activity
#   user.post_count      = published posts by the user; user.topic_count = published topics
# Counters move with SQL-side arithmetic (never read-modify-write in Python), so concurrent
# writers cannot lose an update. Rows are touched in one order, topic -> category -> user,
# so two writers never wait on each other in a cycle.

def _expire(model: Any, pk: int | None, attrs: list[str]) -> None:
    """Forget in-memory copies of counters that SQL just changed (if the object is loaded)."""
    if pk is None:
        return
    obj = db.session.identity_map.get(identity_key(model, pk))
    if obj is not None:
        db.session.expire(obj, attrs)


_TOPIC_COUNTERS = ["post_count", "last_posted_at", "last_post_user_id", "state", "last_poster"]
_CATEGORY_COUNTERS = ["topic_count", "post_count", "last_posted_at", "last_topic_id", "last_topic"]
_USER_COUNTERS = ["post_count", "topic_count"]
_NO_SYNC = {"synchronize_session": False}


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime())


def _bump_user(user_id: int | None, posts: int, topics: int) -> None:
    if not user_id or not (posts or topics):
        return
    db.session.execute(update(User).where(User.id == user_id)
                       .values(post_count=User.post_count + posts, topic_count=User.topic_count + topics),
                       execution_options=_NO_SYNC)
    _expire(User, user_id, _USER_COUNTERS)


def _refresh_topic_activity(topic_id: int) -> datetime:
    """Point the topic's last activity at its latest published post; returns the new time."""
    last = db.session.execute(
        select(Post.created_at, Post.user_id)
        .where(Post.topic_id == topic_id, Post.state == PostState.PUBLISHED)
        .order_by(Post.post_number.desc()).limit(1)).first()
    if last is None:
        at, user_id = db.session.execute(select(Topic.created_at, Topic.user_id)
                                         .where(Topic.id == topic_id)).one()
    else:
        at, user_id = last
    db.session.execute(update(Topic).where(Topic.id == topic_id)
                       .values(last_posted_at=at, last_post_user_id=user_id), execution_options=_NO_SYNC)
    return at  # type: ignore[no-any-return]


def _refresh_category_activity(category_id: int, only_if_topic: int | None = None) -> None:
    """Point the category's "latest" at its most recently active published topic (one index
    probe); with ``only_if_topic``, only when that topic is the one shown now."""
    latest = (select(Topic.id, Topic.last_posted_at)
              .where(Topic.category_id == category_id, Topic.state == PostState.PUBLISHED)
              .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(1))
    row = db.session.execute(latest).first()
    stmt = update(Category).where(Category.id == category_id)
    if only_if_topic is not None:
        stmt = stmt.where(Category.last_topic_id == only_if_topic)
    db.session.execute(stmt.values(last_topic_id=row[0] if row else None,
                                   last_posted_at=row[1] if row else None), execution_options=_NO_SYNC)
    _expire(Category, category_id, _CATEGORY_COUNTERS)


def publish(post: Post) -> None:
    """Bring a post (and, for an opening post, its topic) into the counters. Caller commits."""
    topic = post.topic
    db.session.flush()  # new rows get ids; pending ORM changes land before the SQL arithmetic
    at = post.created_at
    topic_visible = topic.state == PostState.PUBLISHED
    reveals_topic = post.post_number == 1 and not topic_visible
    post.state = PostState.PUBLISHED
    newer = or_(Topic.post_count == 0, Topic.last_posted_at <= _at(at))
    values: dict[str, Any] = {
        "post_count": Topic.post_count + 1,
        "last_posted_at": case((newer, _at(at)), else_=Topic.last_posted_at),
        "last_post_user_id": case((newer, literal(post.user_id, Integer())), else_=Topic.last_post_user_id),
    }
    if reveals_topic:
        values["state"] = PostState.PUBLISHED
    # The UPDATE takes the topic's row lock first (PostgreSQL); RETURNING gives the new totals.
    count, last_at = db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(**values)
        .returning(Topic.post_count, Topic.last_posted_at), execution_options=_NO_SYNC).one()
    _expire(Topic, topic.id, _TOPIC_COUNTERS)
    if reveals_topic or topic_visible:
        _category_gains(topic.category_id, topic.id, topics=1 if reveals_topic else 0,
                        posts=count if reveals_topic else 1, at=last_at)
    _bump_user(post.user_id, 1, 1 if reveals_topic else 0)
    _note_staff_reply(topic, post)


def _note_staff_reply(topic: Topic, post: Post) -> None:
    """Time to first staff reply (issue: staff): the earliest published reply by a staff-group
    member to someone else's topic, also when a held reply is approved later."""
    if post.post_number == 1 or post.user_id is None or post.user_id == topic.user_id:
        return
    author = db.session.get(User, post.user_id)  # identity map: no query when posting
    if author is None or not author.is_staff_member:
        return
    if topic.first_staff_reply_at is None or post.created_at < topic.first_staff_reply_at:
        topic.first_staff_reply_at = post.created_at


def _category_gains(category_id: int, topic_id: int, *, topics: int, posts: int, at: datetime) -> None:
    newer = or_(Category.last_posted_at.is_(None), Category.last_posted_at <= _at(at))
    db.session.execute(
        update(Category).where(Category.id == category_id).values(
            topic_count=Category.topic_count + topics, post_count=Category.post_count + posts,
            last_posted_at=case((newer, _at(at)), else_=Category.last_posted_at),
            last_topic_id=case((newer, literal(topic_id, Integer())), else_=Category.last_topic_id)),
        execution_options=_NO_SYNC)
    _expire(Category, category_id, _CATEGORY_COUNTERS)


def unpublish(post: Post, new_state: PostState, actor: User | None, reason: str | None = None) -> None:
    """Take a post out of the counters into ``new_state`` (an opening post takes its topic
    with it). Caller commits."""
    was_published = post.state == PostState.PUBLISHED
    topic = post.topic
    post.state = new_state
    post.state_changed_at = utcnow()
    post.state_changed_by_id = actor.id if actor else None
    post.state_reason = reason
    if not was_published:
        if post.post_number == 1 and topic.state != PostState.PUBLISHED:
            topic.state = new_state  # a held topic follows its opening post (pending -> rejected)
        return
    db.session.flush()
    hides_topic = post.post_number == 1 and topic.state == PostState.PUBLISHED
    topic_visible = topic.state == PostState.PUBLISHED
    values: dict[str, Any] = {"post_count": Topic.post_count - 1}
    if hides_topic:
        values["state"] = new_state
    count, last_at = db.session.execute(
        update(Topic).where(Topic.id == topic.id).values(**values)
        .returning(Topic.post_count, Topic.last_posted_at), execution_options=_NO_SYNC).one()
    was_latest = not hides_topic and post.created_at >= last_at
    if was_latest:
        _refresh_topic_activity(topic.id)  # the topic's latest post went: step back one
    _expire(Topic, topic.id, _TOPIC_COUNTERS)
    if hides_topic:
        db.session.execute(update(Category).where(Category.id == topic.category_id).values(
            topic_count=Category.topic_count - 1, post_count=Category.post_count - (count + 1)),
            execution_options=_NO_SYNC)
        _refresh_category_activity(topic.category_id, only_if_topic=topic.id)
    elif topic_visible:
        db.session.execute(update(Category).where(Category.id == topic.category_id)
                           .values(post_count=Category.post_count - 1), execution_options=_NO_SYNC)
        if was_latest:
            _refresh_category_activity(topic.category_id, only_if_topic=topic.id)
        else:
            _expire(Category, topic.category_id, _CATEGORY_COUNTERS)
    _bump_user(post.user_id, -1, -1 if hides_topic else 0)


# --- writes ----------------------------------------------------------------------------------------

def create_topic(author: User, category: Category, title: str, body: str, *, ip: str | None = None,
                 official: bool = False) -> PostOutcome:
    if not permissions.can_start_topic(author, category):
        raise PermissionDenied()
    _require_can_post(author)
    _check_official(author, official)
    title = _clean_title(title)
    raw = _clean_body(body)
    draft = Draft(raw=raw, title=title)
    context = FilterContext(kind="topic", category_id=category.id, locale=_language_for(author), ip=ip)
    verdict, verdicts = _judge(draft, author, context)
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL
    now = utcnow()
    language = _language_for(author)
    topic = Topic(category=category, user_id=author.id, title=draft.title or title,
                  slug=slugify(draft.title or title), created_at=now, last_posted_at=now,
                  last_post_user_id=author.id, highest_post_number=1, post_count=0,
                  state=PostState.PENDING, language=language)
    cooked = cook(draft.raw)
    post = Post(topic=topic, user_id=author.id, post_number=1, raw=draft.raw, cooked=cooked.html,
                cook_version=markup.COOK_VERSION, language=language, created_at=now, ip_address=ip,
                state=PostState.PENDING, is_official=official)
    db.session.add_all([topic, post])
    if not held:
        publish(post)  # moves the post and its topic into the counters
    _record_verdicts(post, verdicts, context)
    if official and post.state == PostState.PUBLISHED:
        _note_official(topic, post)
    db.session.commit()
    fire("forum_topic_created", topic=topic, post=post)
    return PostOutcome(post, verdict, verdicts)


def create_reply(author: User, topic: Topic, body: str, *, reply_to: int | None = None,
                 ip: str | None = None, official: bool = False) -> PostOutcome:
    if not permissions.can_reply(author, topic):
        raise PermissionDenied()
    _require_can_post(author)
    _check_official(author, official)
    raw = _clean_body(body)
    draft = Draft(raw=raw)
    language = _language_for(author)
    context = FilterContext(kind="reply", category_id=topic.category_id, topic_id=topic.id,
                            locale=language, ip=ip)
    verdict, verdicts = _judge(draft, author, context)
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL
    # Taking the number locks the topic row until commit (PostgreSQL; SQLite serialises writers),
    # so concurrent replies get distinct, consecutive numbers.
    number = db.session.execute(
        update(Topic).where(Topic.id == topic.id)
        .values(highest_post_number=Topic.highest_post_number + 1)
        .returning(Topic.highest_post_number), execution_options=_NO_SYNC).scalar_one()
    set_committed_value(topic, "highest_post_number", number)
    now = utcnow()
    cooked = cook(draft.raw)
    post = Post(topic=topic, user_id=author.id, post_number=number, raw=draft.raw, cooked=cooked.html,
                cook_version=markup.COOK_VERSION, language=language, created_at=now, ip_address=ip,
                reply_to_post_number=reply_to, state=PostState.PENDING, is_official=official)
    db.session.add(post)
    if not held:
        publish(post)
        if author.is_staff_member and topic.first_staff_reply_at is None and topic.user_id != author.id:
            topic.first_staff_reply_at = now
        if official:
            _note_official(topic, post)
    _record_verdicts(post, verdicts, context)
    db.session.commit()
    fire("forum_post_created", post=post)
    return PostOutcome(post, verdict, verdicts)


def _note_official(topic: Topic, post: Post) -> None:
    if topic.first_official_post_number is None or post.post_number < topic.first_official_post_number:
        topic.first_official_post_number = post.post_number
    if topic.last_official_post_number is None or post.post_number > topic.last_official_post_number:
        topic.last_official_post_number = post.post_number
    if topic.first_official_reply_at is None and post.post_number > 1:
        topic.first_official_reply_at = post.created_at


def edit_post(editor: User, post: Post, body: str, *, title: str | None = None,
              reason: str | None = None, official: bool | None = None) -> PostOutcome:
    """Change a post's text (and, for an opening post, the topic title), keeping a revision."""
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied()
    if editor.id == post.user_id and not editor.is_moderator:
        _require_can_post(editor)
    raw = _clean_body(body)
    topic = post.topic
    new_title = _clean_title(title) if title is not None and post.post_number == 1 else None
    draft = Draft(raw=raw, title=new_title)
    context = FilterContext(kind="edit", category_id=topic.category_id, topic_id=topic.id,
                            locale=post.language)
    verdict, verdicts = _judge(draft, editor, context)
    changed_title = new_title is not None and new_title != topic.title
    if draft.raw == post.raw and not changed_title and (official is None or official == post.is_official):
        return PostOutcome(post, verdict, verdicts)
    revision = PostRevision(post_id=post.id, number=post.edit_count + 1, raw=post.raw, cooked=post.cooked,
                            title=topic.title if post.post_number == 1 else None, editor_id=editor.id,
                            reason=(reason or "").strip()[:500] or None, was_official=post.is_official)
    db.session.add(revision)
    post.raw = draft.raw
    post.cooked = cook(draft.raw).html
    post.cook_version = markup.COOK_VERSION
    post.edit_count += 1
    post.edited_at = utcnow()
    if changed_title and new_title:
        topic.title = new_title
        topic.slug = slugify(new_title)
    if official is not None and official != post.is_official:
        _check_official(editor, official)
        post.is_official = official
        _recompute_official(topic)
        _audit_official_change(editor, post, reason)
    if verdict.kind == VerdictKind.REQUIRE_APPROVAL and post.state == PostState.PUBLISHED \
            and not editor.is_moderator:
        unpublish(post, PostState.PENDING, editor, verdict.reason)
    _record_verdicts(post, verdicts, context)
    db.session.commit()
    fire("forum_post_edited", post=post, revision=revision)
    return PostOutcome(post, verdict, verdicts)


def _audit_official_change(editor: User, post: Post, reason: str | None) -> None:
    """An official reply never changes status silently: the audit log keeps who, when and why."""
    from forum.moderation.audit import record_action

    topic = post.topic
    if post.is_official and topic.first_official_reply_at is None and post.post_number > 1 \
            and post.state == PostState.PUBLISHED:
        topic.first_official_reply_at = utcnow()
    record_action(editor, "post.official_mark" if post.is_official else "post.official_unmark", "post", post.id,
                  before={"is_official": not post.is_official}, after={"is_official": post.is_official},
                  reason=(reason or "").strip() or None)


def _recompute_official(topic: Topic) -> None:
    row = db.session.execute(
        select(func.min(Post.post_number), func.max(Post.post_number))
        .where(Post.topic_id == topic.id, Post.is_official.is_(True), Post.state == PostState.PUBLISHED)
    ).one()
    topic.first_official_post_number, topic.last_official_post_number = row[0], row[1]


def withdraw_post(user: User, post: Post) -> None:
    """The author takes back a reply: soft delete, shown as "post withdrawn by author"."""
    if not permissions.can_delete_post(user, post):
        raise PermissionDenied()
    unpublish(post, PostState.DELETED, user)
    if post.is_official:
        _recompute_official(post.topic)
    db.session.commit()
    fire("forum_post_deleted", post=post, actor=user)


def restore_withdrawn_post(user: User, post: Post) -> None:
    """The author changes their mind about a withdrawn post."""
    if not permissions.can_restore_post(user, post):
        raise PermissionDenied()
    publish(post)
    post.state_changed_at = utcnow()
    if post.is_official:
        _recompute_official(post.topic)
    db.session.commit()
    fire("forum_post_restored", post=post, actor=user)


# --- reads -------------------------------------------------------------------------------------

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


@dataclass
class TopicPage:
    topic: Topic
    posts: list[Post]
    page: int
    pages: int
    per_page: int

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


def topic_page(user: Any, topic: Topic, page: int) -> TopicPage:
    """Posts ``(page-1)*n+1 .. page*n`` by post number: an index range, as cheap on page 5,000
    as on page 1. Held posts show to their author and moderators only."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    pages = max(1, -(-topic.highest_post_number // per_page))
    page = min(max(1, page), pages)
    lo, hi = (page - 1) * per_page, page * per_page
    query = (select(Post).options(*post_load_options())
             .where(Post.topic_id == topic.id, Post.post_number > lo, Post.post_number <= hi))
    if not user.is_moderator:
        hidden_states = [PostState.PENDING, PostState.REJECTED]
        mine = Post.user_id == user.id if user.is_authenticated else false()
        query = query.where(or_(Post.state.not_in(hidden_states), and_(mine, Post.state.in_(hidden_states))))
    posts = list(db.session.scalars(query.order_by(Post.post_number)).unique())
    return TopicPage(topic=topic, posts=posts, page=page, pages=pages, per_page=per_page)


def post_load_options() -> list[Any]:
    """Eager loads for rendering posts; other domains extend this list (e.g. staff badges)."""
    options: list[Any] = [joinedload(Post.author)]
    for extra in current_app.extensions.get("forum.post_load_options", []):
        options.append(extra())
    return options


def page_of_post(topic: Topic, post_number: int) -> int:
    return max(1, -(-post_number // current_app.config["POSTS_PER_PAGE"]))


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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(topic: Topic) -> str:
    """``<microseconds since epoch>_<topic id>`` of the last topic shown. Integer arithmetic:
    a float timestamp can round a microsecond down and skip topics sharing that instant."""
    return f"{(topic.last_posted_at - _EPOCH) // _MICROSECOND}_{topic.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    stamp, _sep, topic_id = cursor.partition("_")
    if not stamp.isdigit() or not topic_id.isdigit() or len(stamp) > 18 or len(topic_id) > 18:
        return None
    try:
        return _EPOCH + int(stamp) * _MICROSECOND, int(topic_id)
    except OverflowError:
        return None


def _topic_options() -> list[Any]:
    options: list[Any] = [joinedload(Topic.category), joinedload(Topic.author), joinedload(Topic.last_poster)]
    for extra in current_app.extensions.get("forum.topic_load_options", []):
        options.append(extra())
    return options


def _pinned_at(now: datetime) -> Any:
    return and_(Topic.is_pinned.is_(True), or_(Topic.pinned_until.is_(None), Topic.pinned_until > now))


def list_topics(user: Any, *, category: Category | None = None, cursor: str | None = None,
                filters: dict[str, Any] | None = None) -> TopicList:
    """Pinned first (first page of a category only), then by last activity, newest first.

    Keyset-paginated on (last_posted_at, id): page N costs one index range scan, like page 1,
    and a walk through "Older topics" meets every topic exactly once, ties included.
    """
    per_page = current_app.config["TOPICS_PER_PAGE"]
    now = utcnow()  # one instant for both queries, so a pin expiring mid-request is not lost
    base = select(Topic).options(*_topic_options()).where(Topic.state == PostState.PUBLISHED)
    if category is not None:
        base = base.where(Topic.category_id == category.id)
    else:
        base = base.where(Topic.category_id.in_(permissions.readable_category_ids(user)))
    for key, value in (filters or {}).items():
        base = _apply_filter(base, key, value)
    position = decode_cursor(cursor)
    pinned: list[Topic] = []
    query = base
    if category is not None:
        if position is None:
            pinned = list(db.session.scalars(base.where(_pinned_at(now))
                                             .order_by(Topic.last_posted_at.desc(), Topic.id.desc())))
        query = query.where(~_pinned_at(now))
    if position is not None:
        at, topic_id = position
        # Written as a range on last_posted_at plus a tie-break, so every database walks the index.
        query = query.where(Topic.last_posted_at <= at,
                            or_(Topic.last_posted_at < at, Topic.id < topic_id))
    rows = list(db.session.scalars(query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
                                   .limit(per_page + 1)))
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else None
    return TopicList(pinned=pinned, topics=rows[:per_page], next_cursor=next_cursor)


def _apply_filter(query: Any, key: str, value: Any) -> Any:
    if key == "official":
        cond = Topic.first_official_post_number.is_not(None)
        return query.where(cond if value else ~cond)
    if key == "solved":
        cond = Topic.solution_post_id.is_not(None)
        return query.where(cond if value else ~cond)
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


def quote_source(user: Any, post: Post) -> str:
    """Markdown that quotes ``post`` into a reply."""
    if not permissions.can_see_post_body(user, post) or post.state != PostState.PUBLISHED:
        raise NotFound()
    username = post.author.username if post.author else "?"
    return f'[quote="{username}, post:{post.post_number}, topic:{post.topic_id}"]\n{post.raw}\n[/quote]\n\n'


def preview(raw: str) -> str:
    # Never cook more than a post may hold: previews are not a free Markdown renderer.
    return cook(raw[:current_app.config["MAX_POST_LENGTH"]]).html


def create_category(admin: User, *, name: str, slug: str | None = None, description: str = "",
                    read_access: str = "everyone", topic_access: str = "members",
                    position: int | None = None, **flags: Any) -> Category:
    if not admin.is_admin:
        raise PermissionDenied()
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": _("Please enter a name.")})
    slug = slugify(slug or name, 60)
    if db.session.scalar(select(Category.id).where(Category.slug == slug)):
        raise ValidationFailed({"slug": _("Another category already uses this address.")})
    if position is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(name=name, slug=slug, description=description.strip(), read_access=read_access,
                        topic_access=topic_access, position=position, **flags)
    db.session.add(category)
    db.session.commit()
    return category


# --- drafts ------------------------------------------------------------------------------------------

def save_draft(user: User, kind: str, key: int | None, data: dict[str, Any]) -> None:
    """Keep what the member wrote while they unblock themselves (one draft per place)."""
    from .models import Draft

    draft_key = str(key if key is not None else "new")
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == draft_key))
    if draft is None:
        db.session.add(Draft(user_id=user.id, kind=kind, key=draft_key, data=data))
    else:
        draft.data = data
    db.session.commit()


def take_draft(user: Any, kind: str, key: int | None) -> dict[str, Any] | None:
    """The saved draft for this place, removed as it is handed back to the form."""
    from .models import Draft

    if not user.is_authenticated:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == str(key if key is not None else "new")))
    if draft is None:
        return None
    data = dict(draft.data)
    db.session.delete(draft)
    db.session.commit()
    return data
