"""``ideas.vote_count`` checked and repaired from the ``idea_votes`` rows (``forum check``).

The count is every vote row of the idea, whatever its status: votes on shipped or declined
ideas are given back to the members' budgets but the idea keeps showing them (:mod:`.votes`),
and a merged duplicate's votes moved to its target (so it counts 0). Set-based: one GROUP BY
to check, one UPDATE (an index probe per idea on the (topic, member) unique key) to repair.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, update

from forum.interfaces import IntegrityCheck, Mismatch

from .models import Idea, IdeaVote


def mismatches(executor: Any) -> Iterator[Mismatch]:
    given = select(IdeaVote.topic_id, func.count().label("n")).group_by(IdeaVote.topic_id).subquery("given")
    expected = func.coalesce(given.c.n, 0)
    for topic_id, stored, exp in executor.execute(
            select(Idea.topic_id, Idea.vote_count, expected).outerjoin(given, given.c.topic_id == Idea.topic_id)
            .where(Idea.vote_count != expected).order_by(Idea.topic_id)):
        yield Mismatch("idea", topic_id, "vote_count", stored, exp)


def repair(executor: Any) -> None:
    """Every wrong count from the rows (the caller commits)."""
    given = (select(func.count()).select_from(IdeaVote).where(IdeaVote.topic_id == Idea.topic_id)
             .correlate(Idea).scalar_subquery())
    executor.execute(update(Idea).where(Idea.vote_count != given).values(vote_count=given)
                     .execution_options(synchronize_session=False))


INTEGRITY_CHECK = IntegrityCheck("ideas", mismatches, repair)
