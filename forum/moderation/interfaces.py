"""What moderation asks of the domains whose content it reviews, as protocols.

The review queue holds posts, applications and profile text itself. A domain above
moderation with content of its own to review (events: held meetups) contributes a
:class:`ReviewSubject` for its item kind from its ``init_app``; moderation then approves,
rejects and shows those items through it, without importing the domain.
"""

from __future__ import annotations

from typing import Any, Protocol


class ReviewSubject(Protocol):
    kind: str       # the ReviewItem kind it handles, e.g. "event"
    template: str   # the partial that shows the held thing in the queue (gets ``item``, ``subject``)

    def load(self, subject_ids: list[int]) -> dict[int, Any]:
        """The held things by id (one query for a queue page)."""
        ...

    def approve(self, actor: Any, subject_id: int) -> list[tuple[str, dict[str, Any]]]:
        """Publish it, in the caller's transaction; returns the events to fire after commit."""
        ...

    def reject(self, actor: Any, subject_id: int, reason: str) -> list[tuple[str, dict[str, Any]]]:
        """Refuse it (never a hard delete), in the caller's transaction; events to fire."""
        ...

    def author_of(self, subject: Any) -> Any:
        """The member who wrote it (for the rejection text's language, permissions)."""
        ...


class SanctionListener(Protocol):
    """Told of each sanction (warning, silence, suspension) INSIDE the sanction's transaction, so
    what follows from it (members: a demotion after repeated sanctions) lands with it or not at
    all. Contributed by domains above moderation from their ``init_app``; errors propagate."""

    def sanctioned(self, actor: Any, user: Any, sanction: Any) -> None: ...
