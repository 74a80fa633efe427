"""What notifications' mail reads from discussions (:mod:`forum.notifications.interfaces`):
whether a notice's post may still be read, the post itself, and the topics of a summary mail.

Registered from :func:`forum.discussions.init_app`. Every answer is for one member and uses the
one owner of each rule: category read access (:func:`.permissions.readable_category_ids`),
what a member sees of a topic or a post (:func:`.permissions.can_see_topic`,
:func:`.permissions.can_see_post_body`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import get_locale
from sqlalchemy import and_, desc, func, or_, select
from sqlalchemy.orm import joinedload

from forum import colors, markup
from forum.accounts.models import AnonymousUser, IgnoredUser
from forum.extensions import db
from forum.i18n_content import translated
from forum.notifications.interfaces import DigestTopic, NoticePost

from .links import post_path
from .models import Post, PostState, Topic
from .permissions import can_see_post_body, can_see_topic, readable_category_ids
from .watching import not_muted

_VISITOR = AnonymousUser()  # whether a mail client (no session) may fetch a post's images

EXCERPT_LENGTH = 180


def _category_name(topic: Topic) -> str:
    """In the current language: the mail's recipient's (reading_as), request or not."""
    locale = get_locale()
    return translated(topic.category, "name", str(locale) if locale else None)


class NoticeAccessFromDiscussions:
    """:class:`forum.notifications.interfaces.NoticeAccess`."""

    def _load(self, notices: Sequence[Any]) -> tuple[dict[int, Post], dict[int, Topic]]:
        post_ids = {n.post_id for n in notices if n.post_id}
        topic_ids = {n.topic_id for n in notices if n.topic_id and not n.post_id}
        posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)).options(
            joinedload(Post.topic).joinedload(Topic.category), joinedload(Post.author)))} if post_ids else {}
        topics = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_(topic_ids)).options(
            joinedload(Topic.category)))} if topic_ids else {}
        return posts, topics

    @staticmethod
    def _sees(user: Any, notice: Any, posts: dict[int, Post], topics: dict[int, Topic]) -> bool:
        if notice.post_id:
            post = posts.get(notice.post_id)
            return post is not None and can_see_topic(user, post.topic) and can_see_post_body(user, post)
        if notice.topic_id:
            topic = topics.get(notice.topic_id)
            return topic is not None and can_see_topic(user, topic)
        return True

    def readable(self, user: Any, notices: Sequence[Any]) -> set[int]:
        posts, topics = self._load(notices)
        return {n.id for n in notices if self._sees(user, n, posts, topics)}

    def post(self, user: Any, notice: Any) -> NoticePost | None:
        if not notice.post_id:
            return None
        posts, topics = self._load([notice])
        if not self._sees(user, notice, posts, topics):
            return None
        post = posts[notice.post_id]
        topic = post.topic
        return NoticePost(topic_title=topic.title, category_name=_category_name(topic),
                          author_name=post.author.display_name if post.author else "",
                          cooked_html=post.cooked, text=markup.plain_text(post.raw),
                          path=post_path(topic, post.post_number), created_at=post.created_at,
                          post_number=post.post_number,
                          public=can_see_topic(_VISITOR, topic) and can_see_post_body(_VISITOR, post))


def digest_topics(user: Any, since: datetime, limit: int) -> list[DigestTopic]:
    """:class:`forum.notifications.interfaces.DigestSource`: four queries whatever ``limit``
    (readable categories, the ranking, the topics, their opening posts)."""
    readable = readable_category_ids(user)
    if not readable or limit <= 0:
        return []
    ignored = select(IgnoredUser.ignored_user_id).where(IgnoredUser.user_id == user.id)
    new_posts = func.count(Post.id)
    ranking = db.session.execute(
        select(Topic.id, new_posts, func.min(Post.post_number), func.max(Post.created_at))
        .join(Post, Post.topic_id == Topic.id)
        .where(Topic.category_id.in_(readable), Topic.state == PostState.PUBLISHED,
               Post.state == PostState.PUBLISHED, Post.created_at > since,
               or_(Post.user_id.is_(None), Post.user_id != user.id),
               or_(Topic.user_id.is_(None), Topic.user_id.not_in(ignored)), not_muted(user))
        .group_by(Topic.id)
        .order_by(desc(new_posts), desc(func.max(Post.created_at)), desc(Topic.id))
        .limit(limit)).all()
    if not ranking:
        return []
    ids = [row[0] for row in ranking]
    topics = {t.id: t for t in db.session.scalars(
        select(Topic).where(Topic.id.in_(ids)).options(joinedload(Topic.category)))}
    openers = {row.topic_id: row for row in db.session.execute(
        select(Post.topic_id, Post.raw, Post.reaction_count).where(
            and_(Post.topic_id.in_(ids), Post.post_number == 1)))}
    result = []
    for topic_id, count, first_new, _last in ranking:
        topic = topics[topic_id]
        opener = openers.get(topic_id)
        result.append(DigestTopic(
            title=topic.title, category_name=_category_name(topic),
            category_color=topic.category.color if colors.HEX_COLOR.match(topic.category.color or "") else "#8c8c8c",
            excerpt=markup.excerpt(opener.raw, EXCERPT_LENGTH) if opener else "",
            path=post_path(topic, int(first_new)), new_posts=int(count), replies=max(0, topic.post_count - 1),
            likes=int(opener.reaction_count or 0) if opener else 0, last_posted_at=topic.last_posted_at,
            is_new=topic.created_at > since))
    return result
