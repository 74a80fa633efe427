"""Escalations on the topic page, for staff only: the "Escalate to support" action under each
post (``forum_tpl_post_footer``) and "Escalated · ticket ABC-123" under the title
(``forum_tpl_topic_header``). Core hook implementations: discussions' templates are untouched."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from forum.plugins import hookimpl

from . import permissions, services
from .forms import PRIORITY_LABELS


def _open_on_page(topic_id: int) -> list[Any]:
    """The topic's open escalations, read once per request whatever the number of posts (the
    header and every post's footer share it)."""
    cache: dict[int, list[Any]] = g.setdefault("escalations_open", {})
    if topic_id not in cache:
        cache[topic_id] = services.open_for_topic(topic_id)
    return cache[topic_id]


@hookimpl
def forum_tpl_post_footer(post: Any, user: Any) -> Any:
    if not permissions.can_see_escalations(user):
        return None
    if any(escalation.post_id == post.id for escalation in _open_on_page(post.topic_id)):
        return Markup('<a class="tag locked escalated-state" href="#topic-escalations">{}</a>').format(
            _("Escalated"))
    href = url_for("escalations.new", topic_id=post.topic_id, post=post.id)
    return Markup('<a class="link escalate-link" href="{}">{}</a>').format(href, _("Escalate to support"))


@hookimpl
def forum_tpl_topic_header(topic: Any, user: Any) -> Any:
    if not permissions.can_see_escalations(user):
        return None
    escalations = _open_on_page(topic.id)
    if not escalations:
        return None
    return Markup(render_template("escalations/_topic_header.html", topic=topic, escalations=escalations,  # noqa: S704
                                  priorities=PRIORITY_LABELS))


