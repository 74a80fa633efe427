"""Discussion rules: starting topics, replying, editing, withdrawing, listing.

Every write goes: permission -> validation -> plugin filters -> write -> commit -> hooks.
Moderation and staff features plug in through the verdicts and the ``publish``/``unpublish``
helpers below, which keep every counter right whichever way a post changes state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import joinedload

from forum import markup
from forum.accounts.models import User
from forum.accounts.services import resolve_usernames
from forum.db_types import utcnow
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
        raise ValidationFailed({"body": _("Please write at least %(n)d characters.", n=cfg["MIN_POST_LENGTH"])})
    if len(raw) > cfg["MAX_POST_LENGTH"]:
        raise ValidationFailed({"body": _("Please keep it under %(n)d characters.", n=cfg["MAX_POST_LENGTH"])})
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

def publish(post: Post) -> None:
    """Bring a post (and, for an opening post, its topic) into the counters. Caller commits."""
    topic = post.topic
    now = post.created_at
    post.state = PostState.PUBLISHED
    if post.post_number == 1 and topic.state != PostState.PUBLISHED:
        topic.state = PostState.PUBLISHED
        db.session.execute(update(Category).where(Category.id == topic.category_id)
                           .values(topic_count=Category.topic_count + 1))
        if topic.user_id:
            db.session.execute(update(User).where(User.id == topic.user_id)
                               .values(topic_count=User.topic_count + 1))
    topic.post_count = (topic.post_count or 0) + 1
    if now >= topic.last_posted_at or topic.post_count == 1:
        topic.last_posted_at = now
        topic.last_post_user_id = post.user_id
    category = topic.category
    category.post_count = (category.post_count or 0) + 1
    if topic.state == PostState.PUBLISHED and (category.last_posted_at is None or now >= category.last_posted_at):
        category.last_posted_at = now
        category.last_topic_id = topic.id
    if post.user_id:
        db.session.execute(update(User).where(User.id == post.user_id).values(post_count=User.post_count + 1))


def unpublish(post: Post, new_state: PostState, actor: User | None, reason: str | None = None) -> None:
    """Take a published post out of the counters into ``new_state``. Caller commits."""
    was_published = post.state == PostState.PUBLISHED
    post.state = new_state
    post.state_changed_at = utcnow()
    post.state_changed_by_id = actor.id if actor else None
    post.state_reason = reason
    if not was_published:
        return
    topic = post.topic
    topic.post_count = max(0, topic.post_count - 1)
    topic.category.post_count = max(0, topic.category.post_count - 1)
    if post.user_id:
        db.session.execute(update(User).where(User.id == post.user_id).values(post_count=User.post_count - 1))
    if post.post_number == 1:
        topic.state = new_state
        topic.category.topic_count = max(0, topic.category.topic_count - 1)
        if topic.user_id:
            db.session.execute(update(User).where(User.id == topic.user_id)
                               .values(topic_count=User.topic_count - 1))


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
    # Lock the topic row while we take the next post number (PostgreSQL); SQLite serialises writers.
    number = db.session.execute(
        update(Topic).where(Topic.id == topic.id)
        .values(highest_post_number=Topic.highest_post_number + 1)
        .returning(Topic.highest_post_number)).scalar_one()
    db.session.refresh(topic, ["highest_post_number"])
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
    if verdict.kind == VerdictKind.REQUIRE_APPROVAL and post.state == PostState.PUBLISHED \
            and not editor.is_moderator:
        unpublish(post, PostState.PENDING, editor, verdict.reason)
    _record_verdicts(post, verdicts, context)
    db.session.commit()
    fire("forum_post_edited", post=post, revision=revision)
    return PostOutcome(post, verdict, verdicts)


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
    if not (post.state == PostState.DELETED and post.state_changed_by_id == user.id == post.user_id):
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
        mine = Post.user_id == user.id if user.is_authenticated else False
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


def encode_cursor(topic: Topic) -> str:
    return f"{int(topic.last_posted_at.timestamp() * 1_000_000)}_{topic.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    from datetime import UTC

    if not cursor:
        return None
    stamp, _sep, topic_id = cursor.partition("_")
    if not stamp.isdigit() or not topic_id.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, UTC), int(topic_id)


def _topic_options() -> list[Any]:
    options: list[Any] = [joinedload(Topic.category), joinedload(Topic.author), joinedload(Topic.last_poster)]
    for extra in current_app.extensions.get("forum.topic_load_options", []):
        options.append(extra())
    return options


def _pinned_now() -> Any:
    now = utcnow()
    return and_(Topic.is_pinned.is_(True), or_(Topic.pinned_until.is_(None), Topic.pinned_until > now))


def list_topics(user: Any, *, category: Category | None = None, cursor: str | None = None,
                filters: dict[str, Any] | None = None) -> TopicList:
    """Pinned first (first page only), then by last activity; keyset-paginated so that any
    page costs one index range scan."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    base = select(Topic).options(*_topic_options()).where(Topic.state == PostState.PUBLISHED)
    if category is not None:
        base = base.where(Topic.category_id == category.id)
    else:
        base = base.where(Topic.category_id.in_(permissions.readable_category_ids(user)))
    for key, value in (filters or {}).items():
        base = _apply_filter(base, key, value)
    position = decode_cursor(cursor)
    pinned: list[Topic] = []
    if position is None and category is not None:
        pinned = list(db.session.scalars(base.where(_pinned_now()).order_by(Topic.last_posted_at.desc())))
    query = base.where(~_pinned_now()) if category is not None else base
    if position is not None:
        query = query.where(tuple_(Topic.last_posted_at, Topic.id) < tuple_(*position))
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
    return cook(raw).html


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
