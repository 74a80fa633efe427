"""Keeps the search index in step with the database: a core plugin on the event hooks.

Events fire after the commit, so the index never shows something the database rolled back.
"""

from __future__ import annotations

from typing import Any

from forum.plugins import hookimpl

from . import services


def _sync(post: Any) -> None:
    # An opening post's state is the topic's state: every post of the topic changes visibility.
    if post.post_number == 1:
        services.sync_topic(post.topic_id)
    else:
        services.sync_posts([post.id])


@hookimpl
def forum_topic_created(topic: Any, post: Any) -> None:
    services.sync_posts([post.id])


@hookimpl
def forum_post_created(post: Any) -> None:
    services.sync_posts([post.id])
    if post.is_official:
        services.sync_topic(post.topic_id)  # "has official reply" is on every post's document


@hookimpl
def forum_post_edited(post: Any, revision: Any) -> None:
    title_changed = post.post_number == 1 and revision.title and revision.title != post.topic.title
    official_changed = revision.was_official != post.is_official
    if title_changed or official_changed:
        services.sync_topic(post.topic_id)
    else:
        services.sync_posts([post.id])


@hookimpl
def forum_post_deleted(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_restored(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_approved(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_rejected(post: Any, actor: Any, reason: str) -> None:
    _sync(post)


@hookimpl
def forum_post_hidden(post: Any, actor: Any, reason: str) -> None:
    _sync(post)


@hookimpl
def forum_topic_changed(topic: Any, actor: Any, change: str) -> None:
    services.sync_topic(topic.id)


@hookimpl
def forum_event_changed(event: Any, actor: Any, change: str) -> None:
    services.sync_events([event.id])
