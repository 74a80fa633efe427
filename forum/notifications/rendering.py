"""Rendering a stored notification for whoever reads it.

On a page the reader is the request's member: Flask-Babel's locale and time zone. In mail the
reader is the recipient, who is not the one making the request: :func:`reading_as` switches
both for the block. Kinds' renderers only ever ask "the current locale / zone", so one
renderer serves the page, the mail and (later) digests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, get_timezone
from flask_babel import gettext as _

from forum.accounts.states import FORMER_MEMBER
from forum.dates import absolute
from forum.i18n import known_timezones
from forum.i18n_content import member_language

from .kinds import find_kind
from .models import Notification

log = logging.getLogger("forum.notifications")


@dataclass(frozen=True)
class _Reader:
    zone: tzinfo
    name_zone: bool


# Set by reading_as(); None means "the request's reader" (Flask-Babel's own choice).
_reader: ContextVar[_Reader | None] = ContextVar("forum_notification_reader", default=None)


def user_zone(user: Any) -> ZoneInfo:
    """The member's chosen zone, else the one their browser last gave (mail is read away from
    the site), else the community's."""
    for name in (getattr(user, "timezone", None), getattr(user, "browser_timezone", None)):
        if name and name in known_timezones():
            return ZoneInfo(name)
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


@contextmanager
def reading_as(user: Any, *, name_zone: bool = True) -> Iterator[None]:
    """Render as ``user`` would read it: their language (:func:`forum.i18n_content.member_language`)
    and their time zone.

    ``name_zone``: times carry the zone's name ("15:07 (Europe/Rome)"). Mail wants it: it is
    read away from the site, where the zone is not implied by the page around it.
    """
    token = _reader.set(_Reader(user_zone(user), name_zone))
    try:
        with force_locale(member_language(user)):
            yield
    finally:
        _reader.reset(token)


def reader_zone() -> tzinfo:
    reader = _reader.get()
    if reader is not None:
        return reader.zone
    return get_timezone() or UTC


def format_instant(value: str) -> str:
    """An ISO timestamp (as stored in params) in the reader's language and zone, in the site's
    one absolute format (the locale's medium date with its short time, as forum.dates shows
    absolute times): "Mar 4, 2026, 3:07 PM", "4 mar 2026, 15:07", "4 mars 2026, 15:07"."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # stored from a naive UTC value
        moment = moment.replace(tzinfo=UTC)
    zone = reader_zone()
    text = absolute(moment, zone=zone)
    reader = _reader.get()
    if reader is not None and reader.name_zone:
        text = f"{text} ({getattr(zone, 'key', None) or zone})"
    return text


def neutral_text() -> str:
    """What a notice says when its kind can no longer be rendered (its plugin was disabled)."""
    return _("You have a notification.")


def render(notification: Notification) -> str:
    """The notice's sentence for the current reader. Never raises: a notice that cannot be
    rendered (unknown kind, parameters an older version stored) falls back to the text stored
    before kinds were rendered at read time, or to a neutral sentence."""
    kind = find_kind(notification.kind)
    if notification.params is None or kind is None:
        return notification.message or neutral_text()
    params = notification.params
    if params.get("actor") == FORMER_MEMBER:  # an erased member's notices (see personal_data): translated
        params = {**params, "actor": _("Former member")}
    try:
        return kind.message(params)
    except Exception:  # a list page must not fail for one notice
        log.exception("cannot render notification %s of kind %r", notification.id, notification.kind)
        return notification.message or neutral_text()
