"""The member directory (``/members``): who is listed, searched, sorted and paged.

Listed: active accounts (verified address, membership open — not pending, rejected, leaving or
erased — and not suspended) whose owner left "show me in the member directory" on. Searched
by username or display name; filtered to experts (staff's expert badges), regulars and
leaders (trust level 3 and up, staff included) or staff; sorted by posts, likes received, last
seen or joining date, newest / most first.

Keyset pagination with the one cursor codec (forum.pagination): a cursor is the last row's
``(sort key, id)``; counts travel as the codec's integer (a count of microseconds), dates as
themselves. Each page is two statements whatever its size (the members, their expert badges).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from forum.accounts.models import User, staff_clause
from forum.accounts.states import reading_member_clause
from forum.accounts.trust import TrustLevel
from forum.db_types import utcnow
from forum.extensions import db
from forum.pagination import Page, after, decode_cursor, encode_cursor, page_of
from forum.staff.models import ExpertBadge

PER_PAGE = 30
SORTS = ("posts", "likes", "seen", "joined")
GROUPS = ("all", "experts", "regulars", "staff")
MAX_QUERY = 64

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    sort: str = "posts"
    group: str = "all"
    cursor: str | None = None

    @classmethod
    def from_args(cls, args: Any) -> DirectoryQuery:
        sort = args.get("sort", "posts")
        group = args.get("group", "all")
        return cls(q=" ".join(str(args.get("q", "")).split())[:MAX_QUERY],
                   sort=sort if sort in SORTS else "posts", group=group if group in GROUPS else "all",
                   cursor=args.get("after") or None)


def listed(now: datetime | None = None) -> Any:
    """The condition "this member is shown in the directory" (module doc)."""
    return and_(User.show_in_directory == true(), reading_member_clause(now or utcnow()))


def _group(group: str) -> list[Any]:
    if group == "experts":
        return [exists().where(ExpertBadge.user_id == User.id)]
    if group == "regulars":
        return [or_(User.trust_level >= int(TrustLevel.REGULAR), staff_clause())]
    if group == "staff":
        return [staff_clause()]
    return []


def _search(q: str) -> list[Any]:
    if not q:
        return []
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [or_(func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"))]


def _key(sort: str) -> tuple[Any, bool]:
    """The sort column and whether it is a count (else a date)."""
    return {"posts": (User.post_count, True), "likes": (User.likes_received, True),
            "seen": (func.coalesce(User.last_seen_at, User.created_at), False),
            "joined": (User.created_at, False)}[sort]


def _stamp(value: Any, is_count: bool) -> datetime:
    if is_count:
        return _EPOCH + int(value or 0) * _MICROSECOND
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sort_value(user: User, sort: str) -> Any:
    return {"posts": user.post_count, "likes": user.likes_received,
            "seen": user.last_seen_at or user.created_at, "joined": user.created_at}[sort]


def directory_page(query: DirectoryQuery) -> Page[User]:
    """One page of the directory (InvalidCursor, a 400, for a crafted cursor)."""
    key, is_count = _key(query.sort)
    position = decode_cursor(query.cursor)
    statement = select(User).where(listed(), *_group(query.group), *_search(query.q))
    if position is not None:
        at, last_id = position
        if is_count:
            count = (at - _EPOCH) // _MICROSECOND
            statement = statement.where(or_(key < count, and_(key == count, User.id < last_id)))
        else:
            statement = statement.where(after(key, User.id, position, descending=True))
    rows = db.session.scalars(statement.options(selectinload(User.expert_badges))  # type: ignore[attr-defined]
                              .order_by(key.desc(), User.id.desc()).limit(PER_PAGE + 1)).all()
    return page_of(rows, PER_PAGE, lambda u: encode_cursor(_stamp(_sort_value(u, query.sort), is_count), u.id))


def is_listed(user: Any) -> bool:
    """Whether ``user`` appears in the directory (for their own settings page)."""
    return bool(db.session.scalar(select(User.id).where(User.id == user.id, listed())))


__all__ = ["GROUPS", "PER_PAGE", "SORTS", "DirectoryQuery", "directory_page", "is_listed", "listed"]
