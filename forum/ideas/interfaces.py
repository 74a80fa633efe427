"""What the ideas domain asks of others, as protocols (registered at start-up through forum.registry)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class IdeaTags(Protocol):
    """The tags of many topics at once (one statement), for the product team's export: an
    adapter over the tags domain's public service, provided from :func:`forum.ideas.init_app`
    when that service exists. Without one the export's tags column is empty."""

    def names_by_topic(self, topic_ids: Sequence[int]) -> dict[int, list[str]]: ...
