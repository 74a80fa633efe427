"""What the sso domain asks of the domains above it (registered at start-up, forum.registry)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol


class StaffGroupSync(Protocol):
    """The staff domain's memberships, set from a provider's groups at each sign-in.

    Puts ``user`` in every staff group named in ``wanted`` and takes them out of the groups in
    ``managed`` that are not wanted; groups outside ``managed`` are left alone. Works in the
    caller's transaction (no commit) and returns ``(added, removed, missing)``: the group names
    joined, left, and wanted but not existing (never created from a claim)."""

    def __call__(self, user: Any, wanted: Collection[str],
                 managed: Collection[str]) -> tuple[list[str], list[str], list[str]]: ...
