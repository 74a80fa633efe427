"""How a conversation's notices read ("bob left the conversation"): the one place they are worded.

A notice stores its event and names as JSON (:func:`forum.messages.services.add_notice`); the
sentence is made when it is read, in the reader's language. Each event has a renderer; other
parts of the messages domain add theirs with :func:`register_notice_event` from ``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _

from .models import ConversationMessage

# A renderer gets the actor's shown name ("" when the account is gone) and the notice's data.
NoticeRenderer = Callable[[str, Mapping[str, Any]], str]
_KEY = "forum.messages.notice_events"


def _invited(actor: str, data: Mapping[str, Any]) -> str:
    return _("%(actor)s added %(user)s to the conversation.", actor=actor, user=data.get("user", ""))


def _left(actor: str, data: Mapping[str, Any]) -> str:
    return _("%(user)s left the conversation.", user=data.get("user") or actor)


def _assigned(actor: str, data: Mapping[str, Any]) -> str:
    if data.get("user") and not data.get("by_self"):
        return _("%(actor)s assigned this conversation to %(user)s.", actor=actor, user=data["user"])
    return _("%(actor)s took this conversation.", actor=actor)


def _unassigned(actor: str, data: Mapping[str, Any]) -> str:
    return _("%(actor)s released this conversation.", actor=actor)


def _moved_from_topic(actor: str, data: Mapping[str, Any]) -> str:
    return _("%(actor)s continued the topic “%(title)s” here, in private.", actor=actor,
             title=data.get("title", ""))


def _read_by_admin(actor: str, data: Mapping[str, Any]) -> str:
    return _("An administrator, %(actor)s, read this conversation. Reason given: %(reason)s", actor=actor,
             reason=data.get("reason", ""))


CORE_EVENTS: dict[str, NoticeRenderer] = {
    "invited": _invited,
    "left": _left,
    "assigned": _assigned,
    "unassigned": _unassigned,
    "moved_from_topic": _moved_from_topic,
    "read_by_admin": _read_by_admin,
}


def init_app(app: Flask) -> None:
    for event, renderer in CORE_EVENTS.items():
        register_notice_event(app, event, renderer)


def register_notice_event(app: Flask, event: str, renderer: NoticeRenderer) -> None:
    """Add (or replace, for a more specific wording) how ``event`` notices read."""
    app.extensions.setdefault(_KEY, {})[event] = renderer


def notice_text(message: ConversationMessage) -> str:
    """The notice as a sentence in the current language (plain text: the template escapes it)."""
    data = dict(message.notice or {})
    author = message.author
    actor = author.display_name if author is not None else _("a former member")
    renderer = current_app.extensions.get(_KEY, {}).get(str(data.get("event")))
    if renderer is None:
        return _("Something changed in this conversation.")
    return renderer(actor, data)
