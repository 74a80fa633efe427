"""Announce to all members: an announcement topic, and a notice (mailed by default) to every
member in good standing who allows announcements.

The notice kind ``announcement`` has a label, so members choose how they hear of it on their
email preferences page, and its mail carries the usual unsubscribe link (forum.notifications).
Nothing is sent in the request: the write queues ``crisis.announce_batch``, which notifies
members in batches of :data:`BATCH` by id and queues the next batch; every notice has the
dedupe key ``announcement:<id>``, so a batch that runs again never notifies anyone twice.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, update

from forum import jobs, outbox
from forum.accounts.models import User
from forum.accounts.states import reading_member_clause
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions import services as discussions
from forum.discussions.links import post_path
from forum.discussions.models import Category, ReadAccess
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.markup import cook, excerpt
from forum.notifications import Delivery, NotificationKind
from forum.notifications.kinds import get_kind
from forum.notifications.preferences import EMAIL_PAUSED, MAILED, deliveries_for, is_optional
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
    """Members who may read as members (accounts' member states: active or silenced, staff
    included even unverified), by id: who an announcement may reach."""
    return select(User).where(User.id > after_id, reading_member_clause()).order_by(User.id)


def _allows_mail() -> Any:
    """SQL twin of notifications' rule for this kind (:func:`~forum.notifications.preferences.
    delivery_for`): the member's stored choice if it is one the kind offers, else the kind's
    default; a mailed delivery becomes in-app while ``email_paused`` is on (the kind is optional).
    Works on SQLite (JSON_EXTRACT) and PostgreSQL (->>)."""
    kind = get_kind(KIND)
    chosen = User.notification_prefs[KIND].as_string()
    offered = deliveries_for(kind)
    mailed = [d for d in offered if d in MAILED]
    not_mailed = [d for d in offered if d not in MAILED]
    by_choice = chosen.in_(mailed)
    if kind.delivery in MAILED:  # no valid choice stored: the default, a mail
        by_choice = or_(chosen.is_(None), chosen.not_in(not_mailed))
    paused = func.coalesce(User.notification_prefs[EMAIL_PAUSED].as_boolean(), false())
    return and_(by_choice, paused == false()) if is_optional(kind) else by_choice


def recipient_count() -> int:
    """How many members will get the mail (their delivery for announcements is a mail): one query."""
    reachable = _reachable().order_by(None).where(_allows_mail()).subquery()
    return int(db.session.scalar(select(func.count()).select_from(reachable)) or 0)


def _announceable(category: Category) -> bool:
    """Announcements go to every member: only where every member may read (a staff-only
    category would put its topic's title in everyone's notifications)."""
    return category.read_access in (ReadAccess.EVERYONE, ReadAccess.MEMBERS)


def categories_for(user: Any) -> list[Category]:
    """The categories ``user`` may announce in: readable by every member, and open to their topics."""
    return [c for c in db.session.scalars(select(Category).order_by(Category.position))
            if _announceable(c) and discussion_permissions.can_start_topic(user, c)]


def preview_html(body: str) -> str:
    return cook(body).html


def announce(actor: Any, category: Category, title: str, body: str, *, ip: str | None = None) -> Announcement:
    """The topic, the announcement row, its audit entry and the first batch's job: one commit."""
    if not _announceable(category):
        raise ValidationFailed({"category": _("Choose a category every member can read: an announcement reaches "
                                              "everyone.")})
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
    # Whoever may not see the topic (moved to a staff-only category since) hears nothing of it.
    staged = notify_all([NewNotice(user, KIND, {"title": row.title}, url=url, dedupe_key=f"announcement:{row.id}",
                                   topic_id=row.topic_id) for user in members
                         if discussion_permissions.can_see_topic(user, row.topic)])
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
