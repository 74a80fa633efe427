"""What uploads (below messages) asks of the domains above it, as protocols.

A file in a private place (a conversation's message) is readable only by whoever may read that
place: the domain that owns it answers, through a :class:`PrivateReferences` it contributes
from its ``init_app`` (:func:`forum.registry.contribute`). Uploads never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class PrivateReferences(Protocol):
    """Readers of files referenced with ``kind`` (an :class:`~forum.uploads.models.ReferenceKind`).

    A file with such a reference is private: besides its uploader, only readers of one of its
    targets read it (moderators' general access to files does not reach it)."""

    kind: str

    def readable(self, user: Any, target_ids: Sequence[int]) -> set[int]:
        """The ids of ``target_ids`` that ``user`` may read (a bounded number of queries)."""
        ...
