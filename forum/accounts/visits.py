"""Visits: when a member was last seen, and when their previous visit was.

``users.last_seen_at`` moves when a member signs in and, while they browse, at most every
few minutes (the sign-in session's touch, :mod:`forum.accounts.sessions`): no write per
request. A gap of :data:`VISIT_GAP` or more without being seen ends a visit: the next touch
moves the old ``last_seen_at`` into ``previous_visit_at`` (as Discourse's
``previous_visit_at``), which is where "what is new since I was last here" starts (``/new``,
the "New" marks of topic lists). It lives on the user, not on the browser session, so it is
the same on every device. Both columns are bookkeeping a page view may touch.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context
from sqlalchemy import case, update

from forum.db_types import utcnow
from forum.extensions import db
from forum.i18n import browser_locale, browser_timezone

from .models import User

# Away this long, and coming back starts a new visit.
VISIT_GAP = timedelta(hours=1)


def note_visit(user_id: int, now: datetime | None = None) -> None:
    """The member is here now: one UPDATE (the caller commits). In a request it also remembers
    what the browser asks for (language, time zone), which mail for members who keep "the
    browser's" choice is written in (:func:`forum.i18n_content.member_language`)."""
    now = now or utcnow()
    values: dict[str, Any] = {
        "previous_visit_at": case((User.last_seen_at < now - VISIT_GAP, User.last_seen_at),
                                  else_=User.previous_visit_at),
        "last_seen_at": now,
    }
    values.update(browser_choices())
    db.session.execute(update(User).where(User.id == user_id).values(**values)
                       .execution_options(synchronize_session=False))


def browser_choices() -> dict[str, str]:
    """``browser_locale`` / ``browser_timezone`` as the current request's browser asks (only
    those it names); nothing outside a request."""
    if not has_request_context():
        return {}
    found = {"browser_locale": browser_locale(), "browser_timezone": browser_timezone()}
    return {key: value for key, value in found.items() if value}


def previous_visit(user: Any) -> datetime | None:
    """Where "new since your last visit" starts: the previous visit, else when the member
    joined (everything is new to a newcomer). None for visitors."""
    if not getattr(user, "is_authenticated", False):
        return None
    return user.previous_visit_at or user.created_at
