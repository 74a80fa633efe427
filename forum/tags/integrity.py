"""``Tag.topic_count`` checked and repaired from the ``topic_tags`` rows (``forum check``).

The count is the number of topics carrying the tag, whatever their state (a held or hidden
topic keeps its tags), as :mod:`forum.tags.services` moves it. Set-based: one GROUP BY to
check, one UPDATE (an index probe per tag on ``ix_topic_tags_tag``) to repair.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, update

from forum.interfaces import IntegrityCheck, Mismatch

from .models import Tag, TopicTag


def mismatches(executor: Any) -> Iterator[Mismatch]:
    carried = select(TopicTag.tag_id, func.count().label("n")).group_by(TopicTag.tag_id).subquery("carried")
    expected = func.coalesce(carried.c.n, 0)
    for tag_id, stored, exp in executor.execute(
            select(Tag.id, Tag.topic_count, expected).outerjoin(carried, carried.c.tag_id == Tag.id)
            .where(Tag.topic_count != expected).order_by(Tag.id)):
        yield Mismatch("tag", tag_id, "topic_count", stored, exp)


def repair(executor: Any) -> None:
    """Every wrong count from the rows (the caller commits). Locks every tag row by ascending id
    first, the lock order of :mod:`forum.tags.services`."""
    executor.execute(select(Tag.id).order_by(Tag.id).with_for_update())
    carried = (select(func.count()).select_from(TopicTag).where(TopicTag.tag_id == Tag.id)
               .correlate(Tag).scalar_subquery())
    executor.execute(update(Tag).where(Tag.topic_count != carried).values(topic_count=carried)
                     .execution_options(synchronize_session=False))


INTEGRITY_CHECK = IntegrityCheck("tags", mismatches, repair)
