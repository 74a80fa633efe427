"""Accepted answers: the reply that solved a question topic (who may mark it is a discussion
rule, ``can_mark_solution``)."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import outbox
from forum.accounts.models import User
from forum.audit import record_action
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Post, PostState, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.plugins.manager import fire

from ..notices import tell_solution


def mark_solution(user: User, post: Post) -> None:
    """Mark ``post`` as the topic's accepted answer; marking another reply moves the mark."""
    topic = post.topic
    if not discussion_permissions.can_mark_solution(user, topic, post):
        raise PermissionDenied()
    previous = topic.solution_post_id
    if previous == post.id:
        return
    topic.solution_post_id = post.id
    if user.id != topic.user_id:
        record_action(user, "topic.solution_mark", "topic", topic.id, before={"solution_post_id": previous},
               after={"solution_post_id": post.id})
    tell_solution(user, post)
    outbox.commit_and_fire([("forum_topic_changed", {"topic": topic, "actor": user, "change": "solved"})])


def unmark_solution(user: User, topic: Topic) -> None:
    # Permission first: "nothing to unmark" must not answer people who may not unmark at all.
    if not discussion_permissions.can_mark_solution(user, topic):
        raise PermissionDenied()
    if topic.solution_post_id is None:
        return
    previous = topic.solution_post_id
    topic.solution_post_id = None
    if user.id != topic.user_id:
        record_action(user, "topic.solution_unmark", "topic", topic.id, before={"solution_post_id": previous},
               after={"solution_post_id": None})
    db.session.commit()
    fire("forum_topic_changed", topic=topic, actor=user, change="unsolved")


def accepted_answer(topic: Topic) -> Post | None:
    """The accepted answer if it is still published (one query, cached for the request)."""
    if topic.solution_post_id is None:
        return None
    cache: dict[int, Post | None] = g.setdefault("staff_accepted_answers", {}) if has_request_context() else {}
    if topic.id not in cache:
        cache[topic.id] = db.session.scalar(
            select(Post).options(joinedload(Post.author))
            .where(Post.id == topic.solution_post_id, Post.topic_id == topic.id,
                   Post.state == PostState.PUBLISHED))
    return cache[topic.id]

