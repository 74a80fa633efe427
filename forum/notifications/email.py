"""The mail of a notification: the ``notifications.email`` job.

``notify`` queues it (``{"notification_id": …}``) when the member's delivery for the kind is
``email`` or ``email_away``. When it runs, the member's situation may have changed since, so it
decides again, and records what it did on the notice (``email_state``):

* ``skipped``: the notice was read meanwhile; the member's delivery for the kind is now in the
  app only or never (or all optional mail is paused); the member may no longer read the post
  (moved to a staff category, hidden: asked of discussions through
  :class:`~.interfaces.NoticeAccess`); an optional kind's mail to an unconfirmed address; an
  ``email_away`` notice that waited :data:`STALE_AFTER` while the member stayed on the site;
* waiting (``email_away`` while the member is on the site): :class:`forum.jobs.Later` until
  they would count as away; it runs again then (read meanwhile: skipped);
* ``queued``: ONE multipart mail, written in the recipient's language and time zone, with the
  post's HTML inlined safely (:func:`forum.markup.mail_html`), a link to the exact post, why
  they got it and where to change it, and (optional kinds) the one-click unsubscribe headers.
  The outbox's dedupe key ``notification:<id>`` and the state make a second run send nothing.

Notices about the member's own account (kinds without a label, or ``transactional``) are
mailed without post content and without an unsubscribe link.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from forum import jobs, markup
from forum.accounts.models import User
from forum.accounts.states import can_read_as_member
from forum.db_types import utcnow
from forum.extensions import db
from forum.mail import send_mail
from forum.mail.compose import brand, render_email
from forum.registry import lookup
from forum.urls import external_url, public_url

from . import preferences, unsubscribe
from .interfaces import NoticeAccess, NoticePost
from .kinds import Delivery, NotificationKind, find_kind
from .models import Notification
from .rendering import format_instant, reading_as

STALE_AFTER = timedelta(days=2)
MIN_WAIT_SECONDS = 30
SKIPPED, QUEUED = "skipped", "queued"
DONE = (SKIPPED, QUEUED)
AUTO_SUBMITTED = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no out-of-office replies


class _Skip(Exception):
    """The notice is not mailed (``reason`` says why, for logs and tests)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def send_notification_email(payload: dict[str, Any]) -> None:
    notice = db.session.get(Notification, int(payload["notification_id"]))
    if notice is None or notice.email_state in DONE:
        return
    try:
        user, kind, delivery, post = _decide(notice, utcnow())
    except _Skip:
        notice.email_state = SKIPPED
        db.session.commit()
        return
    _send(notice, user, kind, delivery, post)
    notice.email_state = QUEUED
    db.session.commit()


def _decide(notice: Notification, now: datetime) -> tuple[User, NotificationKind, str, NoticePost | None]:
    """Whether to mail ``notice`` now: the recipient, kind, delivery and post, or :class:`_Skip`,
    or :class:`forum.jobs.Later`."""
    user = db.session.get(User, notice.user_id)
    kind = find_kind(notice.kind)
    if user is None or kind is None or kind.subject is None:
        raise _Skip("nothing to mail")
    if notice.read_at is not None:
        raise _Skip("read")
    delivery = preferences.delivery_for(user, kind)
    if delivery not in preferences.MAILED:
        raise _Skip("not mailed")
    post = None
    if preferences.is_optional(kind):
        if user.email_verified_at is None:
            raise _Skip("unconfirmed address")
        if not can_read_as_member(user):  # suspended, rejected: only mail about their account
            raise _Skip("not a member in good standing")
        if notice.post_id or notice.topic_id:
            access = lookup(NoticeAccess)
            if notice.id not in access.readable(user, [notice]):
                raise _Skip("no longer readable")
            with reading_as(user):  # the category's name in the recipient's language
                post = access.post(user, notice)
    if delivery == Delivery.EMAIL_AWAY:
        until = preferences.away_until(user, now)
        if until is not None:
            if now - notice.created_at > STALE_AFTER:
                raise _Skip("never away")
            raise jobs.Later(max(MIN_WAIT_SECONDS, (until - now).total_seconds() + 1))
    return user, kind, delivery, post


def _send(notice: Notification, user: User, kind: NotificationKind, delivery: str, post: NoticePost | None) -> None:
    params = notice.params or {}
    optional = preferences.is_optional(kind)
    headers = dict(AUTO_SUBMITTED)
    with reading_as(user):
        site = brand().name
        subject = kind.subject(params) if kind.subject else ""
        sentence = kind.message(params) if notice.params is not None else (notice.message or "")
        path = post.path if post else notice.url
        if optional:
            label = str(kind.label)
            why = (_("You receive this email because your preferences send “%(kind)s” by email when you are "
                     "not on %(site)s.", kind=label, site=site) if delivery == Delivery.EMAIL_AWAY else
                   _("You receive this email because your preferences send “%(kind)s” by email.",
                     kind=label, site=site))
            purpose = unsubscribe.kind_purpose(kind)
            unsubscribe_link = unsubscribe.unsubscribe_url(user, purpose)
            headers.update(unsubscribe.mail_headers(user, purpose))
        else:
            why = _("You receive this email because it is about your account on %(site)s.", site=site)
            unsubscribe_link = None
        text, html = render_email(
            "notification", subject=subject, sentence=sentence, post=post,
            post_html=Markup(markup.mail_html(post.cooked_html, public_url,  # noqa: S704 - sanitised by mail_html
                                              link_images=not post.public)) if post else None,
            posted_at=format_instant(post.created_at.isoformat()) if post else None,
            link=public_url(path) if path else None, why=why,
            preferences_link=external_url("notification_prefs.edit"), unsubscribe_link=unsubscribe_link)
    send_mail(user.email, subject, text, html=html, headers=headers, dedupe_key=f"notification:{notice.id}")
