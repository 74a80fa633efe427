"""Announce to all members: an announcement topic, and a notice (mailed by default) to every
member in good standing who allows announcements.

The notice kind ``announcement`` has a label, so members choose how they hear of it on their
email preferences page, and its mail carries the usual unsubscribe link (forum.notifications).
Nothing is sent in the request: the write queues ``crisis.announce_batch``, which notifies
members in batches of :data:`BATCH` by id and queues the next batch; every notice has the
dedupe key ``announcement:<id>``, so a batch that runs again never notifies anyone twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from forum import jobs, outbox
from forum.accounts.models import User
from forum.accounts.states import Membership
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.links import post_path
from forum.discussions.models import Category
from forum.extensions import db
from forum.markup import cook, excerpt
from forum.notifications import Delivery, NotificationKind
from forum.notifications.preferences import MAILED, delivery_for
from forum.notifications.services import NewNotice, notify_all

from .models import Announcement

KIND = "announcement"
BATCH_JOB = "crisis.announce_batch"
BATCH = 200


def _message(p: Any) -> str:
    return _("Announcement: “%(title)s”", title=p["title"])


ANNOUNCEMENT_KIND = NotificationKind(KIND, message=_message, subject=_message, default_delivery=Delivery.EMAIL,
                                     label=_l("Announcements from the community team"))


def _reachable(after_id: int = 0) -> Any:
    """Members in good standing (verified, membership open, not suspended, not erased or
    leaving), by id: who an announcement may reach."""
    now = utcnow()
    return (select(User).where(User.id > after_id, User.email_verified_at.is_not(None),
                               User.membership == Membership.OPEN,
                               or_(User.suspended_until.is_(None), User.suspended_until <= now))
            .order_by(User.id))


def _members(batch: int = 1000) -> Iterator[User]:
    after = 0
    while True:
        rows = list(db.session.scalars(_reachable(after).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].id


def recipient_count() -> int:
    """How many members will get the mail (their delivery for announcements is a mail)."""
    return sum(1 for user in _members() if delivery_for(user, KIND) in MAILED)


def preview_html(body: str) -> str:
    return cook(body).html


def announce(actor: Any, category: Category, title: str, body: str, *, ip: str | None = None) -> Announcement:
    """The topic, the announcement row, its audit entry and the first batch's job: one commit."""
    expected = recipient_count()
    outcome = discussions.create_topic(actor, category, title, body, ip=ip, commit=False)
    topic = outcome.post.topic
    db.session.flush()
    row = Announcement(topic_id=topic.id, title=topic.title, excerpt=excerpt(outcome.post.raw, 300),
                       created_by_id=actor.id, expected=expected)
    db.session.add(row)
    db.session.flush()
    record_action(actor, "crisis.announce", "topic", topic.id, after={"announcement": row.id, "recipients": expected})
    jobs.enqueue(BATCH_JOB, {"announcement_id": row.id, "after": 0}, dedupe_key=f"crisis-announce:{row.id}:0")
    outbox.commit_and_fire([("forum_topic_created", {"topic": topic, "post": outcome.post})])
    return row


def run_batch(payload: dict[str, Any]) -> None:
    """Notify the next :data:`BATCH` members after ``after`` (idempotent: dedupe keys)."""
    row = db.session.get(Announcement, int(payload["announcement_id"]))
    if row is None or row.topic is None:
        return
    after = int(payload.get("after") or 0)
    members = list(db.session.scalars(_reachable(after).limit(BATCH)))
    url = post_path(row.topic, 1)
    staged = notify_all([NewNotice(user, KIND, {"title": row.title}, url=url, dedupe_key=f"announcement:{row.id}",
                                   topic_id=row.topic_id) for user in members])
    db.session.execute(update(Announcement).where(Announcement.id == row.id)
                       .values(notified=Announcement.notified + len(staged)))
    if len(members) == BATCH:
        last = members[-1].id
        jobs.enqueue(BATCH_JOB, {"announcement_id": row.id, "after": last},
                     dedupe_key=f"crisis-announce:{row.id}:{last}")
    else:
        db.session.execute(update(Announcement).where(Announcement.id == row.id).values(finished_at=utcnow()))
    db.session.commit()


def recent(limit: int = 20) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit)))
