"""Notify members, and read their notices back.

A notification stores its kind and its parameters, never a sentence: it is rendered when read
(:func:`forum.notifications.rendering.render`, in the reader's language and zone) and when
mailed (in the recipient's). See :mod:`forum.notifications.kinds`.

Creating: :func:`notify` (one member) and :func:`notify_all` (a batch: the fan-out of a post to
its readers) are one code path. A notice is staged in the caller's transaction; the member's
delivery for the kind (:func:`forum.notifications.preferences.delivery_for`) decides: ``never``
stages nothing, ``email`` / ``email_away`` also queue the ``notifications.email`` job
(:mod:`forum.notifications.email` decides then whether and what to send).

Reading: every list (the bell's count, its menu, the page) hides notices about what the reader
may no longer read — a post hidden or moved to a staff category since — with a condition that
discussions provides (:class:`~.interfaces.NoticeVisibility`), inside the list's one statement.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, and_, func, insert, or_, select, update

from forum import jobs
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.pagination import Page, page_of
from forum.registry import lookup
from forum.urls import safe_next

from .interfaces import NoticeVisibility
from .kinds import Delivery, NotificationKind, find_kind, get_kind, registered_kinds
from .models import Notification
from .preferences import MAILED, delivery_for
from .rendering import reading_as, render

EMAIL_JOB = "notifications.email"  # forum.notifications.email registers it
INSERT_BATCH = 500


def checked_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` as they will be read back from the JSON column; anything that would not come
    back the same (a datetime, a tuple, a non-string key, NaN) is a programming error."""
    values = dict(params or {})
    try:
        text = json.dumps(values, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"notification params must be JSON values (dates as ISO strings): {exc}") from exc
    stored: dict[str, Any] = json.loads(text)
    if stored != values:
        raise TypeError("notification params must read back unchanged from JSON "
                        f"(string keys, lists rather than tuples): {values!r}")
    return stored


# --- creating ----------------------------------------------------------------------------------------

@dataclass
class NewNotice:
    """One notice to stage (:func:`notify_all`). ``topic_id`` / ``post_id``: what it is about
    (lists hide it when the reader may no longer read that); ``actor_id``: who caused it."""

    user: User
    kind: str | NotificationKind
    params: Mapping[str, Any] | None = None
    url: str | None = None
    dedupe_key: str | None = None
    topic_id: int | None = None
    post_id: int | None = None
    actor_id: int | None = None
    delivery: str = field(default="", init=False)  # decided when staged


def notify(user: User, kind: str | NotificationKind, params: Mapping[str, Any] | None = None, *,
           url: str | None = None, dedupe_key: str | None = None, topic_id: int | None = None,
           post_id: int | None = None, actor_id: int | None = None) -> bool:
    """Stage a notification of ``kind`` for ``user`` (the caller commits). Returns False when
    nothing was staged: ``dedupe_key`` was already used for this user (retries and cron re-runs
    never notify twice), or the member's delivery for the kind is ``never``.

    Parameters the kind's renderers cannot read raise here (a programming error), like an
    unknown kind. The mail, when the member's delivery says so, is a job queued in the same
    transaction (``notifications.email``), rendered in the RECIPIENT's language when it runs.
    """
    return bool(notify_all([NewNotice(user, kind, params, url=url, dedupe_key=dedupe_key, topic_id=topic_id,
                                      post_id=post_id, actor_id=actor_id)]))


def notify_all(notices: Sequence[NewNotice]) -> list[int]:
    """Stage many notices at once (the caller commits): a bounded number of statements whatever
    their number — one for the dedupe keys already used, the inserts (one multi-row statement
    per 500 rows), and for the notices that are mailed two per 500 (their jobs,
    :func:`forum.jobs.enqueue_many`). Returns the staged rows' ids."""
    if not notices:
        return []
    _validate(notices)
    wanted = [n for n in notices if _decide_delivery(n) != Delivery.NEVER]
    keyed = [(n.user.id, n.dedupe_key) for n in wanted if n.dedupe_key]
    used: set[tuple[int, str]] = set()
    if keyed:
        used = {(uid, str(key)) for uid, key in db.session.execute(
            select(Notification.user_id, Notification.dedupe_key).where(
                Notification.user_id.in_({uid for uid, _ in keyed}),
                Notification.dedupe_key.in_({key for _, key in keyed})))}
    rows: list[dict[str, Any]] = []
    mailed: set[tuple[int, str]] = set()  # (user, kind): the delivery depends on nothing else
    now = utcnow()
    for notice in wanted:
        kind = get_kind(notice.kind).name
        if notice.dedupe_key:
            if (notice.user.id, notice.dedupe_key) in used:
                continue
            used.add((notice.user.id, notice.dedupe_key))  # the same key twice in one batch: once
        if notice.delivery in MAILED:
            mailed.add((notice.user.id, kind))
        rows.append({"user_id": notice.user.id, "kind": kind, "params": checked_params(notice.params),
                     "message": None, "url": safe_next(notice.url, "") or None, "dedupe_key": notice.dedupe_key,
                     "topic_id": notice.topic_id, "post_id": notice.post_id, "actor_id": notice.actor_id,
                     "created_at": now, "read_at": None, "email_state": None})
    if not rows:
        return []
    table = Notification.__table__
    ids: list[int] = []
    mail_jobs: list[tuple[dict[str, Any], str | None]] = []
    for start in range(0, len(rows), INSERT_BATCH):
        for row_id, user_id, kind in db.session.execute(
                insert(table).returning(table.c.id, table.c.user_id, table.c.kind), rows[start:start + INSERT_BATCH]):
            ids.append(row_id)
            if (user_id, kind) in mailed:
                mail_jobs.append(({"notification_id": row_id}, f"notification-email:{row_id}"))
    for start in range(0, len(mail_jobs), INSERT_BATCH):
        jobs.enqueue_many(EMAIL_JOB, mail_jobs[start:start + INSERT_BATCH])
    return ids


def _decide_delivery(notice: NewNotice) -> str:
    spec = get_kind(notice.kind)
    notice.delivery = delivery_for(notice.user, spec)
    if notice.delivery in MAILED and spec.subject is None:
        notice.delivery = Delivery.APP
    return notice.delivery


def _validate(notices: Sequence[NewNotice]) -> None:
    """Every kind is registered and every distinct set of parameters renders (once each, as its
    first recipient reads it): a mistake fails in the caller's test, not on a member's page."""
    seen: set[tuple[str, str]] = set()
    for notice in notices:
        spec = get_kind(notice.kind)  # an unknown kind fails loudly, before anything is staged
        values = checked_params(notice.params)
        key = (spec.name, json.dumps(values, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        with reading_as(notice.user):
            spec.message(values)
            if spec.subject is not None:
                spec.subject(values)


# --- reading -----------------------------------------------------------------------------------------

MENU_SIZE = 10       # entries in the bell's menu
MENU_FETCH = 30      # notices read to fill it (groups fold several into one entry)
PAGE_SIZE = 30
FILTERS = ("all", "unread", "mention", "reply")


def visible_to(user: Any, *, include_private: bool = True) -> Any:
    """Notices of ``user`` they may still read (no query: a condition for a list's statement;
    the bell, the page and the summary mail's count all use it). ``include_private=False``
    leaves out the ``private`` kinds (a conversation's notices): the API shows nothing of them."""
    condition = and_(Notification.user_id == user.id, lookup(NoticeVisibility).condition(user))
    private = [kind.name for kind in registered_kinds() if kind.private]
    if not include_private and private:
        condition = and_(condition, Notification.kind.not_in(private))
    return condition


def unread_count(user: Any, *, include_private: bool = True) -> int:
    """The bell's number: one query, once per request (``include_private``: see :func:`visible_to`)."""
    if not user.is_authenticated:
        return 0
    key = "unread_notifications" if include_private else "unread_notifications_public"
    if has_request_context() and key in g:
        return int(g.get(key))
    count = db.session.scalar(select(func.count()).select_from(Notification).where(
        visible_to(user, include_private=include_private), Notification.read_at.is_(None))) or 0
    if has_request_context():
        setattr(g, key, count)
    return int(count)


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(Notification.id.desc())


def recent(user: User, limit: int = 50) -> list[Notification]:
    """The latest notices the member may still read (one query)."""
    return list(db.session.scalars(_newest_first(select(Notification).where(visible_to(user))).limit(limit)))


@dataclass
class MenuEntry:
    """A line of the bell's menu: one notice, or several unread ones about one topic folded
    into one line ("3 new replies in “Topic”"). ``first`` is the one about the earliest post
    (a held post approved late is told late but comes first in the topic): opening the line
    goes there and marks them all read (``through`` is the newest id)."""

    notice: Notification                      # the newest
    first: Notification                       # the earliest post's (the same notice when alone)
    count: int = 1

    @property
    def through(self) -> int | None:
        return self.notice.id if self.count > 1 else None

    @property
    def unread(self) -> bool:
        return self.notice.read_at is None

    @property
    def text(self) -> str:
        """The line, for the current reader (rendered at read time, like every notice)."""
        kind = find_kind(self.notice.kind)
        if self.count > 1 and kind is not None and kind.grouped is not None:
            try:
                return kind.grouped(self.count, self.notice.params or {})
            except Exception:  # a list must not fail for one notice: say it alone
                return render(self.notice)
        return render(self.notice)


def group_for_menu(notices: Sequence[Notification], limit: int = MENU_SIZE) -> list[MenuEntry]:
    """Fold unread notices of groupable kinds about the same topic into one entry (at the place
    of the newest), newest first, at most ``limit`` entries. Read notices stay one per line."""
    entries: list[MenuEntry] = []
    groups: dict[int, MenuEntry] = {}
    for notice in notices:  # newest first
        kind = find_kind(notice.kind)
        groupable = (notice.read_at is None and notice.topic_id is not None
                     and kind is not None and kind.grouped is not None)
        if groupable and notice.topic_id in groups:
            entry = groups[notice.topic_id]
            if (notice.post_id or 0) < (entry.first.post_id or 0):
                entry.first = notice
            entry.count += 1
            continue
        if len(entries) >= limit:
            continue  # still folding older notices into the entries already shown
        entry = MenuEntry(notice, notice)
        entries.append(entry)
        if groupable:
            groups[notice.topic_id] = entry  # type: ignore[index]
    return entries


def menu(user: User) -> list[MenuEntry]:
    """The bell's menu: the latest notices, grouped (one query)."""
    return group_for_menu(recent(user, MENU_FETCH))


def kinds_of_family(family: str) -> list[str]:
    return [kind.name for kind in registered_kinds() if kind.family == family]


def page(user: User, *, show: str = "all", kind: str | None = None, before: int | None = None,
         per_page: int = PAGE_SIZE, include_private: bool = True) -> Page[Notification]:
    """A page of the member's notices, newest first (keyset on the id: ``before`` is the last id
    of the previous page). ``show``: ``all`` / ``unread`` / a family (``mention``, ``reply``);
    ``kind``: one kind's name; ``include_private``: see :func:`visible_to`. One query."""
    query = select(Notification).where(visible_to(user, include_private=include_private))
    if show == "unread":
        query = query.where(Notification.read_at.is_(None))
    elif show in ("mention", "reply"):
        query = query.where(Notification.kind.in_(kinds_of_family(show)))
    if kind:
        query = query.where(Notification.kind == kind)
    if before is not None:
        query = query.where(Notification.id < before)
    rows = list(db.session.scalars(_newest_first(query).limit(per_page + 1)))
    return page_of(rows, per_page, lambda n: str(n.id))


def open_notice(user: User, notice_id: int, through: int | None = None, *,
                include_private: bool = True) -> Notification | None:
    """The member opens a notice (or a menu line folding several, up to ``through``): mark it
    read (the folded ones too: the unread notices of the same topic and groupable kinds up to
    ``through``) and return it, to go where it points. None when it is not theirs (or, without
    ``include_private``, of a private kind)."""
    notice = db.session.scalar(select(Notification).where(Notification.id == notice_id,
                                                          Notification.user_id == user.id))
    if notice is None:
        return None
    if not include_private and (kind := find_kind(notice.kind)) is not None and kind.private:
        return None
    now = utcnow()
    condition = Notification.id == notice.id
    if through is not None and notice.topic_id is not None:
        grouped = [kind.name for kind in registered_kinds() if kind.grouped is not None]
        condition = or_(condition, and_(Notification.topic_id == notice.topic_id, Notification.kind.in_(grouped),
                                        Notification.id <= through))
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None),
                                                  condition).values(read_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return notice


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                   Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()


def already_notified(post_id: int, user_ids: Sequence[int], kinds: Sequence[str] | None = None) -> set[int]:
    """Of ``user_ids``, who already has a notice about post ``post_id`` (of one of ``kinds``):
    one query, for fan-outs that give each member one notice per post."""
    if not user_ids:
        return set()
    query = select(Notification.user_id).where(Notification.post_id == post_id, Notification.user_id.in_(user_ids))
    if kinds is not None:
        query = query.where(Notification.kind.in_(kinds))
    return set(db.session.scalars(query))


__all__ = ["FILTERS", "MENU_SIZE", "PAGE_SIZE", "MenuEntry", "NewNotice", "already_notified", "checked_params",
           "group_for_menu", "kinds_of_family", "mark_all_read", "menu", "notify", "notify_all", "open_notice", "page",
           "recent", "unread_count"]
