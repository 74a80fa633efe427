"""Notifications: in-app notices, mailed when their kind says so, rendered for whoever reads them.

Public API (domains import these; notifications imports no domain above accounts):

* :func:`~.kinds.register_kinds`, :class:`~.kinds.NotificationKind`: a domain's kinds,
  registered from its ``init_app``;
* :func:`~.services.notify`: stage a notice (kind + JSON parameters), mail it if the kind has
  a subject;
* :func:`~.rendering.render` (template filter ``notification_text``), :func:`~.rendering.reading_as`,
  :func:`~.rendering.format_instant`: the sentence for the current reader.
"""

from __future__ import annotations

from flask import Flask

from forum.accounts.interfaces import PersonalData
from forum.registry import contribute

from . import mailing, personal_data
from .kinds import Delivery, NotificationKind, UnknownNotificationKind, register_kinds
from .rendering import format_instant, reading_as, render
from .services import notify
from .views import bp

__all__ = ["Delivery", "NotificationKind", "UnknownNotificationKind", "format_instant", "init_app", "notify",
           "reading_as", "register_kinds", "render"]


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    mailing.init_app(app)  # the notice mail, summaries, preferences and unsubscribe pages
    app.add_template_filter(render, "notification_text")  # {{ n|notification_text }}: escaped text
