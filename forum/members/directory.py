"""The member directory (``/members``): who is listed, searched, sorted and paged.

Listed: active accounts (verified address, membership open — not pending, rejected, leaving or
erased — and not suspended) whose owner left "show me in the member directory" on. Searched
by username or display name; filtered to experts (staff's expert badges), regulars and
leaders (trust level 3 and up, staff included) or staff; sorted by likes received (the default:
the table shows it), posts, last seen or joining date, newest / most first.

"Recently seen" is for moderators and admins only (members.permissions): a cursor names the
last row's sort key, so anyone able to page that sort could forge cursors and bisect a
member's exact last-seen time. It lists members seen at least once, on the
``(last_seen_at, id)`` index.

Keyset pagination with the one cursor codec (forum.pagination): a cursor is the last row's
``(sort key, id)``, a count cursor for counts, a time cursor for dates. Each page is two
statements whatever its size (the members, their expert badges).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from forum.accounts.models import User, staff_clause
from forum.accounts.states import reading_member_clause
from forum.accounts.trust import TrustLevel
from forum.db_types import utcnow
from forum.extensions import db
from forum.pagination import (
    Page,
    after,
    decode_count_cursor,
    decode_cursor,
    encode_count_cursor,
    encode_cursor,
    page_of,
)
from forum.staff.models import ExpertBadge

PER_PAGE = 30
SORTS = ("likes", "posts", "seen", "joined")
PUBLIC_SORTS = ("likes", "posts", "joined")  # "seen": staff only (module doc)
DEFAULT_SORT = "likes"  # a column the table shows (posts are not shown)
GROUPS = ("all", "experts", "regulars", "staff")
MAX_QUERY = 64


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    sort: str = DEFAULT_SORT
    group: str = "all"
    cursor: str | None = None

    @classmethod
    def from_args(cls, args: Any, sorts: tuple[str, ...] = PUBLIC_SORTS) -> DirectoryQuery:
        """``sorts``: those the viewer may use (an other one shows the default sort)."""
        sort = args.get("sort", DEFAULT_SORT)
        group = args.get("group", "all")
        return cls(q=" ".join(str(args.get("q", "")).split())[:MAX_QUERY],
                   sort=sort if sort in sorts else DEFAULT_SORT, group=group if group in GROUPS else "all",
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
            "seen": (User.last_seen_at, False),
            "joined": (User.created_at, False)}[sort]


def _sort_value(user: User, sort: str) -> Any:
    return {"posts": user.post_count, "likes": user.likes_received,
            "seen": user.last_seen_at, "joined": user.created_at}[sort]


def _cursor(user: User, sort: str, is_count: bool) -> str:
    value = _sort_value(user, sort)
    return encode_count_cursor(int(value or 0), user.id) if is_count else encode_cursor(value, user.id)


def directory_page(query: DirectoryQuery) -> Page[User]:
    """One page of the directory (InvalidCursor, a 400, for a crafted cursor)."""
    key, is_count = _key(query.sort)
    position = decode_count_cursor(query.cursor) if is_count else decode_cursor(query.cursor)
    statement = select(User).where(listed(), *_group(query.group), *_search(query.q))
    if query.sort == "seen":
        statement = statement.where(User.last_seen_at.is_not(None))
    if position is not None:
        statement = statement.where(after(key, User.id, position, descending=True))
    rows = db.session.scalars(statement.options(selectinload(User.expert_badges))  # type: ignore[attr-defined]
                              .order_by(key.desc(), User.id.desc()).limit(PER_PAGE + 1)).all()
    return page_of(rows, PER_PAGE, lambda u: _cursor(u, query.sort, is_count))


def is_listed(user: Any) -> bool:
    """Whether ``user`` appears in the directory (for their own settings page)."""
    return bool(db.session.scalar(select(User.id).where(User.id == user.id, listed())))


__all__ = ["GROUPS", "PER_PAGE", "PUBLIC_SORTS", "SORTS", "DirectoryQuery", "directory_page", "is_listed", "listed"]
