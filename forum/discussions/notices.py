"""What members hear about posts: the kinds discussions registers, and the fan-out that creates
them (Discourse's ``PostAlerter``, in the job queue).

Writing a post queues ONE job in the post's transaction (:func:`queue_post_notices`, called by
the posting services, and by moderation when it approves a held post); the request waits for
nothing else. The job (``discussions.notify_post``) finds who hears of the post:

* the people it concerns directly: those it ``@mentions``, the members of a staff group it
  mentions (``@support``, only when its author may mention groups:
  :func:`.permissions.can_mention_groups`), the authors of the posts it quotes or answers, the
  topic's author, and for an official reply whoever asked;
* then the topic's (or, for a new topic, the category's) watchers
  (:func:`forum.discussions.watching.watchers_query`), :data:`BATCH` at a time, keyset on the
  user id, each batch committed on its own.

Each member gets ONE notice per post, of the first kind that applies to them in
:data:`PRECEDENCE` and that they did not turn off (preference ``never``): a member mentioned
and watching gets the mention. Nobody hears of their own post, of a post by a member they
ignore, of a topic they muted (or a topic of a category they muted), or of a post they may not
read (category read access, held or hidden posts: the permission functions, applied to each
batch in memory). Notices carry ``topic_id``, ``post_id`` and ``actor_id`` and the dedupe key
``post:<id>:<kind>``, and members who already have a notice about the post are skipped, so a
job that runs twice notifies nobody twice.

An edit that adds mentions or quotes queues the job again (``edit``): only the newly mentioned
or quoted members hear of it, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import joinedload

from forum import jobs, markup
from forum.accounts.models import IgnoredUser, User
from forum.accounts.services import canonical_username
from forum.accounts.states import can_read_as_member
from forum.db_types import utcnow
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, register_kinds
from forum.notifications.interfaces import NoticeVisibility
from forum.notifications.kinds import MENTION, REPLY, Params
from forum.notifications.models import Notification
from forum.notifications.preferences import delivery_for
from forum.notifications.services import NewNotice, already_notified, notify_all
from forum.registry import MissingCollaborator, lookup, provide

from . import links, permissions, watching
from .interfaces import MentionableGroups
from .models import CategoryMember, NotificationLevel, Post, PostState, Topic, TopicMember

JOB = "discussions.notify_post"
BATCH = 500          # watchers notified per statement batch (and per commit)
MAX_MENTIONS = 30    # @names read per post: more is a list, not a conversation
MAX_QUOTES = 20      # quoted posts read per post

# --- kinds ---------------------------------------------------------------------------------------------

MENTIONED = "mentioned"
GROUP_MENTIONED = "group_mentioned"
QUOTED = "quoted"
REPLIED = "replied"
TOPIC_REPLY = "topic_reply"
OFFICIAL_REPLY = "official_reply"
WATCHED_POST = "watched_post"
WATCHED_TOPIC = "watched_topic"

# The kind a member gets when several apply, first first. An official reply is the brand's
# answer: it says more than "mentioned you" to whoever asked or watches.
PRECEDENCE = (OFFICIAL_REPLY, MENTIONED, GROUP_MENTIONED, QUOTED, REPLIED, TOPIC_REPLY, WATCHED_TOPIC, WATCHED_POST)
# What an edit may newly tell (never "a new post" again).
EDIT_KINDS = (MENTIONED, GROUP_MENTIONED, QUOTED)


def _mentioned(p: Params) -> str:
    return _("%(actor)s mentioned you in “%(title)s”", actor=p["actor"], title=p["title"])


def _group_mentioned(p: Params) -> str:
    return _("%(actor)s mentioned %(group)s in “%(title)s”", actor=p["actor"], group=p["group"], title=p["title"])


def _quoted(p: Params) -> str:
    return _("%(actor)s quoted your post in “%(title)s”", actor=p["actor"], title=p["title"])


def _replied(p: Params) -> str:
    return _("%(actor)s replied to your post in “%(title)s”", actor=p["actor"], title=p["title"])


def _topic_reply(p: Params) -> str:
    return _("%(actor)s replied to your topic “%(title)s”", actor=p["actor"], title=p["title"])


def _official_reply(p: Params) -> str:
    return _("%(actor)s gave an official reply in “%(title)s”", actor=p["actor"], title=p["title"])


def _watched_post(p: Params) -> str:
    return _("%(actor)s posted in “%(title)s”", actor=p["actor"], title=p["title"])


def _watched_topic(p: Params) -> str:
    return _("%(actor)s started a new topic: “%(title)s”", actor=p["actor"], title=p["title"])


def _new_replies(count: int, p: Params) -> str:
    return ngettext("%(num)d new reply in “%(title)s”", "%(num)d new replies in “%(title)s”", count, title=p["title"])


KINDS = (
    NotificationKind(MENTIONED, message=_mentioned, subject=_mentioned, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Someone mentions you"), family=MENTION),
    NotificationKind(GROUP_MENTIONED, message=_group_mentioned, subject=_group_mentioned,
                     default_delivery=Delivery.EMAIL_AWAY, label=_l("Someone mentions your staff group"),
                     family=MENTION, audience=lambda user: bool(user.is_staff)),
    NotificationKind(QUOTED, message=_quoted, subject=_quoted, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Someone quotes your post"), family=MENTION),
    NotificationKind(REPLIED, message=_replied, subject=_replied, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Someone replies to your post"), family=REPLY),
    NotificationKind(TOPIC_REPLY, message=_topic_reply, subject=_topic_reply, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Someone replies to your topic"), family=REPLY, grouped=_new_replies),
    NotificationKind(OFFICIAL_REPLY, message=_official_reply, subject=_official_reply,
                     default_delivery=Delivery.EMAIL_AWAY, label=_l("An official reply in a topic you asked or watch"),
                     family=REPLY),
    NotificationKind(WATCHED_POST, message=_watched_post, subject=_watched_post, default_delivery=Delivery.APP,
                     label=_l("A new post in a topic you watch"), grouped=_new_replies),
    NotificationKind(WATCHED_TOPIC, message=_watched_topic, subject=_watched_topic, default_delivery=Delivery.APP,
                     label=_l("A new topic in a category you watch")),
)


# --- queueing (in the post's transaction) -----------------------------------------------------------------

def queue_post_notices(post: Post, *, edit: bool = False, approved: bool = False) -> None:
    """Queue the fan-out of a published ``post`` (the caller's transaction; the caller commits).
    ``edit``: the post's text changed; only members it newly mentions or quotes hear of it.
    ``approved``: moderation just published a held post; if it was told about before (an
    edit sent it back to the queue), only what the edit added is. Idempotent: the same post
    (or the same revision of it) is queued once."""
    if post.state != PostState.PUBLISHED:
        return  # held: moderation queues it when it approves the post
    first = f"notify-post:{post.id}"
    if approved and not edit:
        edit = db.session.scalar(select(jobs.Job.id).where(jobs.Job.dedupe_key == first)) is not None
    key = first + (f":edit:{post.edit_count}" if edit else "")
    jobs.enqueue(JOB, {"post_id": post.id, "edit": edit}, dedupe_key=key)


def queue_edit_notices(post: Post, before: str) -> None:
    """``post``'s text was just edited from ``before`` (the caller's transaction): when the new
    text names someone (``@name``) or quotes a post the old one did not, queue the fan-out of
    the edit (only the newly mentioned or quoted hear of it)."""
    old, new = markup.references(before), markup.references(post.raw)
    if set(new.names) - set(old.names) or set(new.quoted_posts) - set(old.quoted_posts):
        queue_post_notices(post, edit=True)


# --- the job -----------------------------------------------------------------------------------------------

@dataclass
class _Context:
    post: Post
    topic: Topic
    author: User
    params: dict[str, Any]
    url: str
    edit: bool


def notify_post(payload: dict[str, Any]) -> None:
    """``discussions.notify_post``: see the module's docstring. Commits each batch."""
    post = db.session.scalar(select(Post).where(Post.id == int(payload["post_id"])).options(
        joinedload(Post.topic).joinedload(Topic.category), joinedload(Post.author)))
    if post is None or post.author is None or post.state != PostState.PUBLISHED \
            or post.topic.state != PostState.PUBLISHED:
        return  # gone, held or hidden since: nobody hears of it (an approval queues it again)
    topic = post.topic
    ctx = _Context(post=post, topic=topic, author=post.author,
                   params={"actor": post.author.display_name, "title": topic.title},
                   url=links.post_path(topic, post.post_number),
                   edit=bool(payload.get("edit")))
    direct = _direct_kinds(ctx)
    handled = _notify_direct(ctx, direct)
    db.session.commit()
    if not ctx.edit:
        _notify_watchers(ctx, handled)


def _watcher_kind(ctx: _Context) -> str:
    if ctx.post.is_official and ctx.post.post_number > 1:
        return OFFICIAL_REPLY
    return WATCHED_TOPIC if ctx.post.post_number == 1 else WATCHED_POST


_Found = dict[int, dict[str, dict[str, Any]]]


def _direct_kinds(ctx: _Context) -> _Found:
    """``{user id: {kind: extra params}}`` of everyone the post concerns directly (before any
    filter): at most five queries (users named, groups named, the quoted and answered posts'
    authors, who among them watches)."""
    post, topic = ctx.post, ctx.topic
    found: _Found = {}
    refs = markup.references(post.raw)
    _add_named(ctx, list(refs.names[:MAX_MENTIONS]), found)
    if not ctx.edit and post.post_number > 1:
        _add(found, topic.user_id, OFFICIAL_REPLY if post.is_official else TOPIC_REPLY)
    _add_cited(ctx, list(refs.quoted_posts[:MAX_QUOTES]), found)
    if found and not ctx.edit:
        query = watching.watchers_query(topic, first_post=post.post_number == 1)
        column = query.selected_columns.user_id
        for user_id in db.session.scalars(query.where(column.in_(list(found)))):
            _add(found, user_id, _watcher_kind(ctx))
    found.pop(ctx.author.id, None)  # nobody hears of their own post
    return found


def _add(found: _Found, user_id: int | None, kind: str, extra: dict[str, Any] | None = None) -> None:
    if user_id is not None:
        found.setdefault(user_id, {}).setdefault(kind, extra or {})


def _add_named(ctx: _Context, names: list[str], found: _Found) -> None:
    """``@name``: a member (mentioned), else a staff group when the author may name groups."""
    if not names:
        return
    wanted = {canonical_username(name): name for name in names}
    users = db.session.execute(select(User.id, User.username_canonical).where(
        User.username_canonical.in_(wanted))).all()
    for user_id, _canonical in users:
        _add(found, user_id, MENTIONED)
    resolved = {canonical for _, canonical in users}
    unresolved = [name for canonical, name in wanted.items() if canonical not in resolved]
    if unresolved and permissions.can_mention_groups(ctx.author):
        for group, members in _group_members(unresolved).items():
            for user_id in members:
                _add(found, user_id, GROUP_MENTIONED, {"group": "@" + group})


def _add_cited(ctx: _Context, quoted: list[tuple[int, int]], found: _Found) -> None:
    """The authors of the posts it quotes, and of the post it answers (not the opening post:
    its author hears of a reply to their topic)."""
    post, topic = ctx.post, ctx.topic
    cited = list(quoted)
    answered = post.reply_to_post_number if not ctx.edit and (post.reply_to_post_number or 0) > 1 else None
    if answered is not None:
        cited.append((topic.id, answered))
    if not cited:
        return
    rows = db.session.execute(select(Post.topic_id, Post.post_number, Post.user_id).where(
        or_(*[and_(Post.topic_id == t, Post.post_number == n) for t, n in cited]))).all()
    for topic_id, number, user_id in rows:
        if (topic_id, number) in quoted:
            _add(found, user_id, QUOTED)
        if topic_id == topic.id and number == answered:
            _add(found, user_id, REPLIED)


def _group_members(names: Sequence[str]) -> dict[str, list[int]]:
    try:
        groups = lookup(MentionableGroups)
    except MissingCollaborator:  # no staff domain: no group to mention
        return {}
    return groups.members(names)


def _notify_direct(ctx: _Context, found: _Found) -> set[int]:
    """Notify the members the post concerns directly; returns every id considered (the watcher
    batches skip them: each member is decided once)."""
    if not found:
        return set()
    users = list(db.session.scalars(select(User).where(User.id.in_(list(found)))))
    audience = _audience(ctx, users, check_muted=True)
    notices = []
    for user in audience:
        choice = _first_wanted(user, found[user.id])
        if choice is not None:
            kind, extra = choice
            notices.append(_notice(ctx, user, kind, extra))
    notify_all(notices)
    return set(found)


def _notify_watchers(ctx: _Context, handled: set[int]) -> None:
    """The watchers, :data:`BATCH` at a time (keyset on the user id), each batch committed."""
    query = watching.watchers_query(ctx.topic, first_post=ctx.post.post_number == 1)
    column = query.selected_columns.user_id
    kind = _watcher_kind(ctx)
    fallback = WATCHED_TOPIC if ctx.post.post_number == 1 else WATCHED_POST
    last = 0
    while True:
        ids = list(db.session.scalars(query.where(column > last).order_by(column).limit(BATCH)))
        if not ids:
            return
        last = ids[-1]
        fresh = [user_id for user_id in ids if user_id not in handled]
        if fresh:
            users = list(db.session.scalars(select(User).where(User.id.in_(fresh))))
            notices = []
            for user in _audience(ctx, users, check_muted=False):
                choice = _first_wanted(user, {kind: {}, fallback: {}})
                if choice is not None:
                    notices.append(_notice(ctx, user, choice[0], choice[1]))
            notify_all(notices)
            db.session.commit()
        if len(ids) < BATCH:
            return


def _first_wanted(user: User, kinds: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """The first kind in :data:`PRECEDENCE` among ``kinds`` that the member did not turn off."""
    for kind in PRECEDENCE:
        if kind in kinds and delivery_for(user, kind) != Delivery.NEVER:
            return kind, kinds[kind]
    return None


def _notice(ctx: _Context, user: User, kind: str, extra: dict[str, Any]) -> NewNotice:
    return NewNotice(user, kind, {**ctx.params, **extra}, url=ctx.url, dedupe_key=f"post:{ctx.post.id}:{kind}",
                     topic_id=ctx.topic.id, post_id=ctx.post.id, actor_id=ctx.author.id)


def _audience(ctx: _Context, users: Sequence[User], *, check_muted: bool) -> list[User]:
    """Of ``users``, those who may hear of the post: members in good standing who may read it,
    who do not ignore its author, did not mute the topic (``check_muted``: watchers never did)
    and have no notice about it yet. Three queries at most, whatever the number of users."""
    post, topic = ctx.post, ctx.topic
    readers = [user for user in users
               if user.id != ctx.author.id and can_read_as_member(user)
               and permissions.can_see_topic(user, topic) and permissions.can_see_post_body(user, post)]
    if not readers:
        return []
    ids = [user.id for user in readers]
    excluded = set(db.session.scalars(select(IgnoredUser.user_id).where(
        IgnoredUser.ignored_user_id == ctx.author.id, IgnoredUser.user_id.in_(ids))))
    if check_muted:
        excluded |= muted_among(topic, ids)
    excluded |= already_notified(post.id, ids, EDIT_KINDS if ctx.edit else None)
    return [user for user in readers if user.id not in excluded]


def clear_read_notices(user: Any, topic: Topic, post_number: int) -> None:
    """``user`` has read ``topic`` up to ``post_number``: their unread notices about its posts up
    to there are read too (the caller commits), so the bell clears as they read and "email
    when away" does not mail what they already saw (the mail job skips read notices). One
    UPDATE, on ``ix_notifications_user_topic``; what they have not reached stays unread."""
    number = max(0, min(int(post_number), topic.highest_post_number))
    if number < 1:
        return
    db.session.execute(
        update(Notification).where(
            Notification.user_id == user.id, Notification.topic_id == topic.id, Notification.read_at.is_(None),
            Notification.post_id.in_(select(Post.id).where(Post.topic_id == topic.id, Post.post_number <= number)))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))


def muted_among(topic: Topic, user_ids: Iterable[int]) -> set[int]:
    """Of ``user_ids``, those for whom ``topic`` is muted (the topic, or its category without a
    level of their own on the topic): one query (:func:`forum.discussions.watching.effective_level_sql`)."""
    ids = list(user_ids)
    if not ids:
        return set()
    level = watching.effective_level_sql(TopicMember.level, CategoryMember.level)
    rows = db.session.execute(
        select(User.id).select_from(User)
        .outerjoin(TopicMember, and_(TopicMember.user_id == User.id, TopicMember.topic_id == topic.id))
        .outerjoin(CategoryMember, and_(CategoryMember.user_id == User.id,
                                        CategoryMember.category_id == topic.category_id))
        .where(User.id.in_(ids), level == int(NotificationLevel.MUTED)))
    return set(rows.scalars())


# --- what lists of notices may show (forum.notifications.interfaces.NoticeVisibility) -----------------------

class NoticeVisibilityFromDiscussions:
    """A notice about a post is shown while the reader may read that post in the topic it is in
    NOW (moved, hidden, held: it disappears); a notice about a topic only, while they may read
    the topic; anything else always."""

    def condition(self, user: Any) -> Any:
        post_readable = exists().where(Post.id == Notification.post_id, Topic.id == Post.topic_id,
                                       permissions.visible_post_body_sql(user), permissions.visible_topic_sql(user))
        topic_readable = exists().where(Topic.id == Notification.topic_id, permissions.visible_topic_sql(user))
        return or_(and_(Notification.post_id.is_not(None), post_readable),
                   and_(Notification.post_id.is_(None), or_(Notification.topic_id.is_(None), topic_readable)))


def init_app(app: Flask) -> None:
    register_kinds(app, *KINDS)
    jobs.register_job(app, jobs.JobType(JOB, notify_post, max_attempts=5, base_delay=30))
    provide(app, NoticeVisibility, NoticeVisibilityFromDiscussions())
