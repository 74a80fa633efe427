"""What tags asks of the domains above it."""

from __future__ import annotations

from typing import Any, Protocol


class TagCreators(Protocol):
    """Who besides staff may create tags by typing them (the members domain's trust levels may
    provide it through ``forum.registry.provide``): ``may_create(user, min_level)`` answers
    whether ``user`` is at trust level ``min_level`` or above. Without a provider, only staff
    create tags, whatever the ``tags.create_min_trust_level`` setting says."""

    def may_create(self, user: Any, min_level: int) -> bool: ...
