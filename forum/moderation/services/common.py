"""Shared helpers of the moderation services: reasons cleaned, links, stored texts, events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import force_locale

from forum import outbox
from forum.discussions.models import Post
from forum.i18n_content import default_language
from forum.plugins.manager import fire
from forum.text import one_line

MAX_REASON = 2000

# (hook name, keyword arguments) fired after the commit.
Events = outbox.Events  # (hook name, its arguments): recorded before the commit, fired after


def clean(text: str | None, limit: int = MAX_REASON) -> str:
    return one_line(text, limit)


def post_url(post: Post) -> str:
    return url("discussions.post_by_id", f"/p/{post.id}", post_id=post.id)


def url(endpoint: str, fallback: str, **values: Any) -> str:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # no request and no SERVER_NAME (CLI): the stable path
        return fallback


def stored(text: Callable[[], str]) -> str:
    """A default text saved with the data (read by many people): in the community's language."""
    with force_locale(default_language()):
        return text()


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def fire_all(events: Events) -> None:
    """After a commit that recorded ``events`` (forum.outbox.record_all): the hooks."""
    for name, kwargs in events:
        fire(name, **kwargs)


commit_and_fire = outbox.commit_and_fire
