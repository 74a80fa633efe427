"""What discussions keeps about a member, for their data export and erasure (forum.privacy).

Erasure keeps what the member published for the others (attributed to the former member) or,
when they asked for removal, withdraws each published post through the counters' one owner
(:func:`forum.discussions.counters.set_state`: nothing is hard-deleted, every counter stays
right). Their IPs, drafts, bookmarks and watching levels go. Reactions stay (they are counted
on other members' posts) and read as the former member's.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from forum.extensions import db
from forum.ip_addresses import purge_addresses

from . import counters
from .models import Bookmark, CategoryMember, Draft, Post, PostReaction, PostState, Topic, TopicMember


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Posts:
    name = "posts"
    description = _l("Your topics and replies: the text you wrote, the topic, when, and their state.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.execute(
            select(Post, Topic.title).join(Topic, Topic.id == Post.topic_id)
            .where(Post.user_id == user.id).order_by(Post.created_at, Post.id))
        return [{"post_id": p.id, "topic_id": p.topic_id, "topic_title": title, "post_number": p.post_number,
                 "opens_topic": p.post_number == 1, "created_at": iso(p.created_at), "edited_at": iso(p.edited_at),
                 "state": p.state, "language": p.language, "official": p.is_official, "ip_address": p.ip_address,
                 "text": p.raw} for p, title in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(update(Post).where(Post.user_id == user.id, Post.ip_address.is_not(None))
                           .values(ip_address=None), execution_options={"synchronize_session": False})
        if not remove_content:
            return
        # One at a time, in id order (the counters' lock order); the member withdraws them, so
        # the placeholder reads "withdrawn by its author" and moderators cannot bring them back.
        posts = db.session.scalars(select(Post).where(Post.user_id == user.id, Post.state == PostState.PUBLISHED)
                                   .order_by(Post.id))
        for post in list(posts):
            db.session.refresh(post)
            if post.state == PostState.PUBLISHED:  # an opening post may have taken replies with it
                counters.set_state(post, PostState.DELETED, user, None)


class Reactions:
    name = "reactions"
    description = _l("The reactions (likes) you gave, and to which post.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(PostReaction).where(PostReaction.user_id == user.id)
                                  .order_by(PostReaction.created_at))
        return [{"post_id": r.post_id, "reaction": r.reaction, "created_at": iso(r.created_at)} for r in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Kept: they are counted on the posts they were given to (read as the former member's)."""


class Bookmarks:
    name = "bookmarks"
    description = _l("Your bookmarks, with notes and reminders.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Bookmark).where(Bookmark.user_id == user.id).order_by(Bookmark.created_at))
        return [{"post_id": b.post_id, "note": b.note, "remind_at": iso(b.remind_at),
                 "created_at": iso(b.created_at)} for b in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id))


class Drafts:
    name = "drafts"
    description = _l("Drafts you had not posted yet.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Draft).where(Draft.user_id == user.id).order_by(Draft.updated_at))
        return [{"kind": d.kind, "key": d.key, "updated_at": iso(d.updated_at),
                 "content": json.dumps(d.data, ensure_ascii=False, sort_keys=True)} for d in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(Draft).where(Draft.user_id == user.id))


class Watching:
    name = "watching"
    description = _l("The topics and categories you watch or track, and how far you read.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        topics = db.session.scalars(select(TopicMember).where(TopicMember.user_id == user.id)
                                    .order_by(TopicMember.topic_id))
        categories = db.session.scalars(select(CategoryMember).where(CategoryMember.user_id == user.id)
                                        .order_by(CategoryMember.category_id))
        return ([{"what": "topic", "id": t.topic_id, "level": t.level, "last_read_post_number": t.last_read_post_number,
                  "last_visited_at": iso(t.last_visited_at)} for t in topics]
                + [{"what": "category", "id": c.category_id, "level": c.level, "last_read_post_number": None,
                    "last_visited_at": None} for c in categories])

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(TopicMember).where(TopicMember.user_id == user.id))
        db.session.execute(delete(CategoryMember).where(CategoryMember.user_id == user.id))


class PostAddresses:
    """The address each post was written from (``posts.ip_address``)."""

    def purge_addresses(self, before: datetime, *, truncate: bool) -> int:
        table = Post.__table__
        return purge_addresses(table, table.c.ip_address, table.c.created_at, before, truncate=truncate)


SECTIONS = (Posts(), Reactions(), Bookmarks(), Drafts(), Watching())
