"""The ideas domain's template slots (core hook implementations, registered by init_app):
the topic header's vote button, count, status and history, and the header's "Ideas" link."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from forum.extensions import db
from forum.plugins import hookimpl

from . import permissions, votes
from .boards import board_ids, board_of
from .models import Idea
from .status import history


@hookimpl
def forum_tpl_topic_header(topic: Any, user: Any) -> Any:
    """On an idea's page: its votes, the reader's vote button and votes left, its status with
    the note, and the status history (four small statements, on idea pages only)."""
    if topic.category_id not in board_ids():
        return None
    board = board_of(topic.category_id)
    if board is None:
        return None
    from_db = db.session.get(Idea, topic.id)
    return Markup(render_template(  # noqa: S704 - a rendered (autoescaped) template
        "ideas/_topic_header.html", topic=topic, idea=from_db, board=board,
        voted=votes.has_voted(user, topic.id), left=votes.votes_left(user, board),
        can_vote=permissions.can_vote(user, topic), can_set_status=permissions.can_set_status(user, topic),
        can_merge=permissions.can_start_merge(user, topic),
        history=history(topic.id) if from_db is not None and from_db.status else []))


@hookimpl
def forum_tpl_navigation(user: Any) -> Any:
    """"Ideas" in the header, only when boards exist (a cached setting: no query per page)."""
    if not board_ids():
        return None
    return Markup('<a href="{}">{}</a>').format(url_for("ideas.index"), escape(_("Ideas")))
