"""Kinds and notices for the mail tests (forum.notifications.email, digests, unsubscribe).

The kinds are registered on the test's app and removed after it (so a shared app is reused).
Their sentences reuse strings the catalogs already translate, so a test can tell which language
a mail was written in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum import jobs
from forum.discussions.models import Post
from forum.extensions import db
from forum.notifications.kinds import Delivery, NotificationKind, register_kinds
from forum.notifications.models import Notification
from forum.notifications.services import EMAIL_JOB

REPLY = NotificationKind("mailtest_reply", message=lambda p: _("You have a notification."),
                         subject=lambda p: _("Notifications"), default_delivery=Delivery.EMAIL_AWAY,
                         label=_l("Notifications"))
WATCHED = NotificationKind("mailtest_watched", message=lambda p: _("You have a notification."),
                           subject=lambda p: _("Notifications"), default_delivery=Delivery.APP,
                           label=_l("Notifications"))
BELL_ONLY = NotificationKind("mailtest_bell", message=lambda p: _("You have a notification."),
                             label=_l("Notifications"))  # no subject: never mailed
ACCOUNT = NotificationKind("mailtest_account", message=lambda p: _("You have a notification."),
                           subject=lambda p: _("Notifications"))  # no label: about the account
PRIVATE = NotificationKind("mailtest_private", message=lambda p: _("You have a notification."),
                           subject=lambda p: _("Notifications"), label=_l("Notifications"), transactional=True)
KINDS = (REPLY, WATCHED, BELL_ONLY, ACCOUNT, PRIVATE)


@pytest.fixture
def mail_kinds(app: Flask) -> Iterator[tuple[NotificationKind, ...]]:
    register_kinds(app, *KINDS)
    try:
        yield KINDS
    finally:
        known = app.extensions["forum.notification_kinds"]
        for kind in KINDS:
            known.pop(kind.name, None)


def notice_for(user: Any, kind: NotificationKind, post: Post | None = None, **fields: Any) -> Notification:
    """A stored notice (what notify writes), committed."""
    values: dict[str, Any] = {"params": {}, "url": "/notifications"}
    if post is not None:
        values.update(topic_id=post.topic_id, post_id=post.id,
                      url=f"/t/{post.topic.slug}/{post.topic_id}/{post.post_number}")
    values.update(fields)
    notice = Notification(user_id=user.id, kind=kind.name, **values)
    db.session.add(notice)
    db.session.commit()
    return notice


def run_mail_job(notice: Notification) -> jobs.Job:
    """Queue and run the notice's mail job now; the job afterwards."""
    job = jobs.enqueue(EMAIL_JOB, {"notification_id": notice.id})
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()
    found = db.session.get(jobs.Job, job.id)
    assert found is not None
    return found


def mail_job(notice: Notification) -> str:
    """Queue and run the notice's mail job now; the job's state afterwards."""
    return str(run_mail_job(notice).state)
