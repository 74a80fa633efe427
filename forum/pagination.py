"""Keyset pagination: the one cursor codec every list uses.

A cursor names the last row shown, as ``<microseconds since the epoch>_<row id>`` of the
list's sort key ``(timestamp, id)`` (a list sorted by a count: ``<count>_<row id>``,
:func:`encode_count_cursor`). The next page is "rows after that position" in the
list's order: one index range scan, as cheap on page 5,000 as on page 1, and a walk meets
every row exactly once, ties on the timestamp included (the id breaks them).

The arithmetic is on integers: a float timestamp can round a microsecond down and skip rows
that share that instant.

A cursor that is not one we made (hand-edited, truncated, out of range) raises
:class:`InvalidCursor`, a ``400 Bad Request``: it is the client's mistake, never a 500 and
never a silent jump back to page one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_
from werkzeug.exceptions import BadRequest

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# datetime's own range, in microseconds since the epoch: anything outside cannot be a position.
_MIN_STAMP = (datetime.min.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND
_MAX_STAMP = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND
_MAX_ID = 2**63 - 1
_CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,19})")
_ID = re.compile(r"[0-9]{1,19}")


class InvalidCursor(BadRequest):
    description = _l("This page link is not valid. Go back to the first page and try again.")  # type: ignore[assignment]


Position = tuple[datetime, int]
CountPosition = tuple[int, int]  # (count, row id)


def encode_cursor(at: datetime, row_id: int) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return f"{(at - _EPOCH) // _MICROSECOND}_{row_id}"


def decode_cursor(cursor: str | None) -> Position | None:
    """``None`` for no cursor (the first page); the position otherwise; InvalidCursor if crafted."""
    parsed = _parse(cursor, _MIN_STAMP, _MAX_STAMP)
    return None if parsed is None else (_EPOCH + parsed[0] * _MICROSECOND, parsed[1])


def _parse(cursor: str | None, low: int, high: int) -> tuple[int, int] | None:
    """``<integer>_<row id>`` with the integer within [low, high]: both cursor kinds' one check."""
    if not cursor:
        return None
    match = _CURSOR.fullmatch(cursor)
    if match is None:
        raise InvalidCursor()
    value, number = int(match.group(1)), int(match.group(2))
    if not low <= value <= high or number > _MAX_ID:
        raise InvalidCursor()
    return value, number


def after(stamp: Any, row_id: Any, position: Position | CountPosition, *, descending: bool) -> Any:
    """The condition "rows after ``position``" for a list sorted by ``(stamp, row_id)``
    (``descending``: newest first; ``stamp`` may also be a count, with a CountPosition).
    Written as a range on the stamp plus a tie-break on the id, not as a row-value
    comparison, so every database walks the ``(stamp, id)`` index and binds the timestamp with the column's own type."""
    at, last_id = position
    if descending:
        return and_(stamp <= at, or_(stamp < at, row_id < last_id))
    return and_(stamp >= at, or_(stamp > at, row_id > last_id))


# Lists sorted by a count (votes, posts, likes) page on ``(count, id)``: the same
# ``<integer>_<row id>`` text, the integer being the count itself, within an INTEGER column's
# range (a score may be negative; PostgreSQL refuses to compare an int4 with a larger value).
_MIN_COUNT, _MAX_COUNT = -(2**31), 2**31 - 1


def encode_count_cursor(count: int, row_id: int) -> str:
    return f"{int(count)}_{row_id}"


def decode_count_cursor(cursor: str | None) -> CountPosition | None:
    """``None`` for no cursor (the first page); ``(count, id)`` otherwise; InvalidCursor if crafted."""
    return _parse(cursor, _MIN_COUNT, _MAX_COUNT)


def decode_id(cursor: str | int | None) -> int | None:
    """A cursor that is a bare row id (lists ordered by id alone, such as the audit log)."""
    if cursor is None or cursor == "":
        return None
    text = str(cursor)
    if not _ID.fullmatch(text) or int(text) > _MAX_ID:
        raise InvalidCursor()
    return int(text)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(rows: Sequence[T], per_page: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """Cut ``per_page + 1`` fetched rows to a page; the extra row says there is a next page."""
    items = list(rows[:per_page])
    return Page(items, cursor_of(items[-1]) if len(rows) > per_page else None)
