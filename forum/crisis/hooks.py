"""Crisis tools' core hook implementations (registered as ``core:crisis``).

* ``forum_filter_post``: read-only mode, slow mode and a locked category (for edits) refuse a
  member's post as a content filter verdict, so the form comes back with the text kept and the
  reason (the time left). Staff are exempt from all three.
* ``forum_tpl_topic_header``: the topic's timers ("This topic will close in 3 hours"), its
  slow mode and a locked category, under the title.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from forum.discussions.models import Category, Topic
from forum.extensions import db
from forum.plugins import FilterContext, Verdict, hookimpl

from . import permissions, site_notices, slow_mode
from .page import topic_notices

READ_ONLY = "read_only"
SLOW_MODE = "slow_mode"
LOCKED_CATEGORY = "locked_category"
NEW_POSTS = ("topic", "reply")


def post_verdict(author: Any, context: FilterContext) -> Verdict | None:
    if author is None or permissions.is_exempt(author):
        return None
    if site_notices.is_read_only():
        return Verdict.reject(_("The community is read-only for maintenance: nothing can be posted right now. "
                                "Your text is kept."), reason="read-only mode", code=READ_ONLY)
    if context.kind == "edit":
        return _locked_category_verdict(context)
    return _slow_mode_verdict(author, context) if context.kind in NEW_POSTS else None


def _slow_mode_verdict(author: Any, context: FilterContext) -> Verdict | None:
    applying, where = _applying(context)
    if applying is None:
        return None
    left = slow_mode.seconds_left(author, applying, topic_id=context.topic_id, category_id=where)
    if left <= 0:
        return None
    return Verdict.reject(slow_mode.wait_message(left), reason=f"slow mode: {left} s left", code=SLOW_MODE)


def _locked_category_verdict(context: FilterContext) -> Verdict | None:
    """A locked category stops members' edits too (text and title), not only new posts: a
    crisis is often fought in edits. Discussions' rule refuses new posts there already."""
    category = db.session.get(Category, context.category_id) if context.category_id is not None else None
    if category is None or not category.is_locked:
        return None
    return Verdict.reject(_("This category is locked: posts in it cannot be edited right now. Your text is kept."),
                          reason="locked category", code=LOCKED_CATEGORY)


def _applying(context: FilterContext) -> tuple[slow_mode.Applying | None, int | None]:
    if context.kind == "reply" and context.topic_id is not None:
        from_topic = _topic(context.topic_id)
        if from_topic is None:
            return None, None
        return slow_mode.for_topic(from_topic), from_topic.category_id
    if context.category_id is not None:
        return slow_mode.for_category(context.category_id), context.category_id
    return None, None


def _topic(topic_id: int) -> Topic | None:
    return db.session.get(Topic, topic_id)


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    return post_verdict(author, context)


@hookimpl
def forum_tpl_topic_header(topic: Any, user: Any) -> Any:
    notices = topic_notices(topic)
    manage = permissions.can_manage_topic(user, topic)
    if not notices.timers and notices.slow is None and not topic.category.is_locked and not manage:
        return None
    html = render_template("crisis/_topic_header.html", topic=topic, notices=notices, manage=manage)
    return Markup(html)  # noqa: S704 (an autoescaped template)
