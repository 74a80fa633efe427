"""Moderation: the review queue, flags, sanctions, bans, staff notes, the audit log's pages.

Moderation sits above accounts and discussions and plugs into them only through what it
registers here: the judgement recorder, a posting rule, the suspension reason, a listener for
moved posts, its core content filters, its settings and its admin page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from forum import settings
from forum.accounts.interfaces import JudgementRecorder, PersonalData, PostingRule, SuspensionReason
from forum.audit import AuditVocabulary
from forum.discussions.interfaces import PostsMovedListener
from forum.extensions import db
from forum.interfaces import AdminFigure, AdminSection, DemoLoader
from forum.notifications import register_kinds
from forum.plugins.manager import register_core
from forum.registry import contribute, provide

from . import audit_vocabulary, hooks, personal_data, services
from .demo import load_demo_queue
from .models import ReviewItem
from .services.notices import KINDS as NOTIFICATION_KINDS
from .views import bp


def _waiting_for_approval(user: Any) -> str | None:
    """An unapproved member waits while "approve members" is on or their application is open."""
    if settings.get_setting("approve_members") or services.has_open_application(user):
        return "unapproved"
    return None


class _ReviewItemsFollowPosts:
    """Review items keep the topic and category of the posts they are about."""

    def posts_moved(self, post_ids: Sequence[int], topic_id: int, category_id: int) -> None:
        if post_ids:
            db.session.execute(update(ReviewItem).where(ReviewItem.post_id.in_(post_ids))
                               .values(topic_id=topic_id, category_id=category_id))

    def topic_moved(self, topic_id: int, category_id: int) -> None:
        db.session.execute(update(ReviewItem).where(ReviewItem.topic_id == topic_id)
                           .values(category_id=category_id))


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    settings.register_defaults(app, services.DEFAULTS)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    register_core(app, hooks, "moderation")
    register_kinds(app, *NOTIFICATION_KINDS)
    provide(app, JudgementRecorder, services.ModerationRecorder())
    provide(app, SuspensionReason, services.suspension_reason)
    contribute(app, PostingRule, _waiting_for_approval)
    contribute(app, PostsMovedListener, _ReviewItemsFollowPosts())
    contribute(app, AdminSection, AdminSection(
        "moderation.settings", _l("Moderation"),
        _l("approval of new members and first posts, flags, reasons, registration bans, audit log")))
    contribute(app, DemoLoader, load_demo_queue)
    contribute(app, AdminFigure, AdminFigure(
        _l("In the review queue"), lambda viewer: sum(services.queue_counts(viewer).values()),
        "moderation.queue", hint=_l("posts, members and events waiting"), needs_action=True))
    contribute(app, AdminFigure, AdminFigure(
        _l("Flags to review"), lambda viewer: services.queue_counts(viewer).get("flag", 0),
        "moderation.queue", {"kind": "flag"}, hint=_l("posts members reported"), needs_action=True))
