"""Bookmarks: posts a member keeps, with an optional note and an optional reminder.

* One bookmark per member per post (the unique constraint): saving again changes its note or
  reminder. Removing one deletes the row: a bookmark is the member's own note, not content.
* A reminder is a moment in UTC, chosen as "in 1 hour", "tomorrow" (8:00), "next week"
  (Monday 8:00) or a date and time, all read in the member's time zone (:func:`reminder_time`);
  editing a bookmark offers "keep the reminder" first, so changing the note keeps it.
* The ``discussions.bookmark_reminders`` job (every minute) sends what is due as a
  ``bookmark_reminder`` notice (mailed by default): each due bookmark is claimed with a
  conditional UPDATE in the same transaction as its notice (``reminded_at`` set, ``remind_at``
  cleared, so the index on ``remind_at`` holds only what is still to come), and the notice's
  dedupe key names the bookmark and the moment: a job run twice, or after a crash, never
  reminds twice. A member who may no longer read the post is not reminded of it.
* The Bookmarks page lists what the member can still read, newest first, keyset-paginated
  (one query a page); bookmarks of posts they lost access to are kept, not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from forum import pagination
from forum.accounts.models import User
from forum.accounts.states import can_read_as_member
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, notify
from forum.notifications.kinds import Params

from . import links, permissions
from .models import Bookmark, Post, PostState, Topic

REMINDER_KIND = "bookmark_reminder"
REMINDER_JOB = "discussions.bookmark_reminders"
NOTE_MAX = 200
MORNING = time(8, 0)
FURTHEST = timedelta(days=366 * 2)
KEEP = "keep"  # the bookmark's reminder as it is (offered only when it has one)
CHOICES = ("", "hour", "tomorrow", "next_week", "custom", KEEP)
PER_PAGE = 30
BATCH = 100


def _reminder_message(p: Params) -> str:
    if p.get("note"):
        return _("Reminder about “%(topic)s”: %(note)s", topic=p.get("topic", ""), note=p["note"])
    return _("Reminder about “%(topic)s”", topic=p.get("topic", ""))


def _reminder_subject(p: Params) -> str:
    return _("Reminder: %(topic)s", topic=p.get("topic", ""))


REMINDER = NotificationKind(REMINDER_KIND, message=_reminder_message, subject=_reminder_subject,
                            default_delivery=Delivery.EMAIL, label=_l("Bookmark reminders"))


# --- choosing the moment -----------------------------------------------------------------------------

def reminder_time(choice: str, *, zone: tzinfo, custom: datetime | None = None,
                  now: datetime | None = None, current: datetime | None = None) -> datetime | None:
    """The reminder's moment (aware UTC) for one of :data:`CHOICES`, in the member's ``zone``:
    "hour" one hour from now, "tomorrow" tomorrow at 8:00, "next_week" next Monday at 8:00,
    "custom" the wall-clock ``custom`` (naive, as a datetime-local field gives it); "" none;
    :data:`KEEP` the bookmark's ``current`` reminder (None once it was sent)."""
    now = now or utcnow()
    zone = zone_info(zone)
    if choice == "":
        return None
    if choice == KEEP:
        return current
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "custom":
        if custom is None:
            raise ValidationFailed({"remind_at": _("Choose the date and time of the reminder.")})
        return _local(custom.replace(tzinfo=None), zone)
    today = now.astimezone(zone).date()
    if choice == "tomorrow":
        day = today + timedelta(days=1)
    elif choice == "next_week":
        day = today + timedelta(days=7 - today.weekday())
    else:
        raise ValidationFailed({"remind": _("Choose when to be reminded.")})
    return _local(datetime.combine(day, MORNING), zone)


def _local(wall: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in ``zone`` as UTC; a time a daylight-saving change skips is refused."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationFailed({"remind_at": _("That time does not exist in your time zone (the clocks change).")})
    return instant


def zone_info(zone: tzinfo) -> tzinfo:
    """A zone that does wall-clock arithmetic right: Flask-Babel hands out pytz zones, whose
    ``replace(tzinfo=...)`` gives the zone's first historical offset (Rome's 1866 LMT)."""
    name = getattr(zone, "key", None) or getattr(zone, "zone", None)
    return ZoneInfo(name) if isinstance(name, str) and not isinstance(zone, ZoneInfo) else zone


def as_local(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` (UTC; naive from SQLite) on ``zone``'s wall clock."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone_info(zone))


# --- writing -----------------------------------------------------------------------------------------

def save_bookmark(user: Any, post: Post, *, note: str = "", remind_at: datetime | None = None,
                  keep_existing: bool = False) -> Bookmark:
    """Bookmark ``post`` for ``user``, or change the note and reminder of their bookmark (a
    changed reminder will be sent again; the same one is kept as it is, even if it is due this
    minute). ``keep_existing`` (the one-click Bookmark button): a bookmark that exists stays as
    it is, note and reminder included. Commits."""
    if not permissions.can_bookmark(user, post):
        raise PermissionDenied()
    if keep_existing and (existing := _mine(user, post.id)) is not None:
        return existing
    note = " ".join((note or "").split())
    errors: dict[str, str] = {}
    if len(note) > NOTE_MAX:
        errors["note"] = _("At most %(num)d characters.", num=NOTE_MAX)
    now = utcnow()
    bookmark = _mine(user, post.id)
    kept = bookmark is not None and remind_at is not None and bookmark.remind_at == remind_at
    if remind_at is not None and not kept and remind_at <= now:
        errors["remind_at"] = _("Choose a time in the future.")
    elif remind_at is not None and not kept and remind_at > now + FURTHEST:
        errors["remind_at"] = _("Choose a time within the next two years.")
    if errors:
        raise ValidationFailed(errors)
    if bookmark is None:
        bookmark = Bookmark(user_id=user.id, post_id=post.id, note=note, remind_at=remind_at, created_at=now)
        try:
            with db.session.begin_nested():  # a second tab at the same moment: its row wins, we update it
                db.session.add(bookmark)
        except IntegrityError:
            bookmark = _mine(user, post.id)
            if bookmark is None:
                raise
    if bookmark.note != note or bookmark.remind_at != remind_at:
        if bookmark.remind_at != remind_at:
            bookmark.reminded_at = None
        bookmark.note, bookmark.remind_at = note, remind_at
    db.session.commit()
    return bookmark


def _mine(user: Any, post_id: int) -> Bookmark | None:
    return db.session.scalar(select(Bookmark).where(Bookmark.user_id == user.id, Bookmark.post_id == post_id))


def remove_bookmark(user: Any, post_id: int) -> bool:
    """Remove the member's bookmark of a post (whatever the post's state now). Commits."""
    if not user.is_authenticated:
        raise PermissionDenied()
    removed = db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id, Bookmark.post_id == post_id)
                                 .returning(Bookmark.id)).scalar()
    db.session.commit()
    return removed is not None


# --- the Bookmarks page ------------------------------------------------------------------------------

@dataclass
class BookmarkPage:
    bookmarks: list[Bookmark]
    next_cursor: str | None


def list_bookmarks(user: Any, cursor: str | None = None) -> BookmarkPage:
    """The member's bookmarks of posts they can still read, newest first: one query a page
    (post, topic, category and author come with it), keyset on (created_at, id)."""
    if not user.is_authenticated:
        raise PermissionDenied()
    query = (select(Bookmark).join(Bookmark.post).join(Post.topic)
             .options(contains_eager(Bookmark.post).contains_eager(Post.topic).joinedload(Topic.category),
                      contains_eager(Bookmark.post).joinedload(Post.author))
             .where(Bookmark.user_id == user.id, Post.state == PostState.PUBLISHED,
                    Topic.state == PostState.PUBLISHED,
                    Topic.category_id.in_(permissions.readable_category_ids(user))))
    position = pagination.decode_cursor(cursor)
    if position is not None:
        query = query.where(pagination.after(Bookmark.created_at, Bookmark.id, position, descending=True))
    rows = list(db.session.scalars(query.order_by(Bookmark.created_at.desc(), Bookmark.id.desc())
                                   .limit(PER_PAGE + 1)).unique())
    page = pagination.page_of(rows, PER_PAGE, lambda b: pagination.encode_cursor(b.created_at, b.id))
    return BookmarkPage(page.items, page.next_cursor)


def get_bookmark_post(user: Any, post_id: int) -> Post:
    """The post a bookmark form is about, if the member may see it."""
    post = db.session.scalar(select(Post).options(joinedload(Post.topic).joinedload(Topic.category))
                             .where(Post.id == post_id))
    if post is None or not permissions.can_see_topic(user, post.topic):
        raise NotFound()
    return post


# --- reminders ---------------------------------------------------------------------------------------

def send_due_reminders(now: datetime | None = None, *, batch: int = BATCH, max_batches: int = 20) -> int:
    """Send the reminders that are due (the job's work): per batch, one query for the due
    bookmarks with their posts, one for their members, one UPDATE that claims them, then the
    notices; each batch commits on its own. Returns how many notices were made."""
    now = now or utcnow()
    sent = 0
    for _round in range(max_batches):
        due = list(db.session.scalars(
            select(Bookmark).options(joinedload(Bookmark.post).joinedload(Post.topic).joinedload(Topic.category))
            .where(Bookmark.remind_at <= now, Bookmark.reminded_at.is_(None))
            .order_by(Bookmark.remind_at, Bookmark.id).limit(batch)).unique())
        if not due:
            break
        moments = {b.id: b.remind_at for b in due}
        claimed = set(db.session.scalars(
            update(Bookmark).where(Bookmark.id.in_(list(moments)), Bookmark.reminded_at.is_(None),
                                   Bookmark.remind_at <= now)
            .values(reminded_at=now, remind_at=None).returning(Bookmark.id),
            execution_options={"synchronize_session": False}))
        members = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({b.user_id for b in due})))}
        for bookmark in due:
            member = members.get(bookmark.user_id)
            if bookmark.id not in claimed or member is None:
                continue
            sent += _remind(member, bookmark, moments[bookmark.id])
        db.session.commit()
        db.session.expire_all()
        if len(due) < batch:
            break
    return sent


def _remind(member: User, bookmark: Bookmark, moment: datetime | None) -> int:
    post = bookmark.post
    if not permissions.can_bookmark(member, post) or not can_read_as_member(member):
        return 0  # no longer readable for them (or suspended): claimed, not sent
    key = f"{REMINDER_KIND}:{bookmark.id}:{moment.isoformat() if moment else ''}"
    if not notify(member, REMINDER_KIND, {"topic": post.topic.title, "note": bookmark.note or "",
                                          "post_number": post.post_number},
                  url=links.post_path(post.topic, post.post_number), dedupe_key=key,
                  topic_id=post.topic_id, post_id=post.id):
        return 0
    return 1


def run_reminders(_payload: dict[str, Any]) -> None:
    """The periodic job's handler (every minute)."""
    send_due_reminders()
