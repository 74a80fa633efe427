"""What discussions asks of the domains above it, as protocols (registered at start-up
through :mod:`forum.registry`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class PostLoadOption(Protocol):
    """An eager-load option for rendering posts (staff: the authors' badges), so a topic page
    runs the same number of queries with 1 post or 20."""

    def __call__(self) -> Any: ...


class TopicLoadOption(Protocol):
    """An eager-load option for topic lists (staff: the last poster's badges)."""

    def __call__(self) -> Any: ...


class PostsMovedListener(Protocol):
    """Told, inside the transaction, that posts changed topic or category (split, merge, a
    topic moved), so data that points at them stays right (moderation's review items)."""

    def posts_moved(self, post_ids: Sequence[int], topic_id: int, category_id: int) -> None: ...

    def topic_moved(self, topic_id: int, category_id: int) -> None: ...


class MentionableGroups(Protocol):
    """Staff groups that a post may mention as a whole (``@support``): staff provides it.

    ``members(names)`` gets lower-cased ``@name`` candidates that are no member's username and
    answers ``{name: [user ids]}`` for the ones that name a group (a bounded number of queries
    whatever the number of names); names of no group are left out. Who may mention a group is
    discussions' rule (:func:`forum.discussions.permissions.can_mention_groups`), not the
    provider's."""

    def members(self, names: Sequence[str]) -> dict[str, list[int]]: ...
