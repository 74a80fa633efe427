"""What messages' moderation adds to the app (called from :func:`forum.messages.init_app`): its
blueprint (flags, break-glass reading, moving posts to private and the summary back), the
"message" kind of the review queue, its notice and its audit vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.audit import AuditVocabulary
from forum.moderation.interfaces import ReviewSubject
from forum.registry import contribute

from . import moderation_views, moving_views
from .notice_text import register_notice_event
from .review import FlaggedMessages

# Targets are named by number only: a conversation's title can carry what is private.
VOCABULARY = AuditVocabulary(
    actions={
        "message.break_glass_read": _l("Read a private conversation (break-glass)"),
        "message.move_to_private": _l("Continued a public post in private"),
        "message.public_summary": _l("Posted a public summary of a private conversation"),
        "message.approve": _l("Kept a flagged private message"),
        "message.reject": _l("Hid a flagged private message"),
    },
    target_labels={"conversation": _l("private conversation"), "message": _l("private message")},
    fields={"minutes": _l("Minutes"), "whole_topic": _l("Whole topic"), "note": _l("Public note"),
            "official": _l("Official reply")},
)


def _public_summary(actor: str, data: Mapping[str, Any]) -> str:
    return _("%(actor)s posted a public summary in the topic “%(title)s”.", actor=actor, title=data.get("title", ""))


# Both modules declare routes of one blueprint (the moving pages ride on the moderation one).
VIEWS = (moderation_views, moving_views)


def init_app(app: Flask) -> None:
    app.register_blueprint(moderation_views.bp)
    contribute(app, ReviewSubject, FlaggedMessages())
    register_notice_event(app, "public_summary", _public_summary)
    contribute(app, AuditVocabulary, VOCABULARY)
